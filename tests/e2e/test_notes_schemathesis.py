"""End-to-end: schemathesis against examples/notes under ``schooner serve``.

``--checks all`` (no 5xx, every status code documented, bodies and headers as documented,
schema-valid input accepted, auth not ignored, deleted notes gone) against a real server
process on a fresh SQLite file. The account is made the way a client makes one: register,
read the token from the mail the server wrote to a file (``MAIL_BACKEND=file``), verify,
ask ``/api/auth/token``; schemathesis sends the JWT for the document's ``token`` security
scheme (``schemathesis.toml`` written per test), so it also knows to try without it.

The example's own operations must be clean, and so must the whole document (the accounts
battery's JSON API too).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from test_openapi_serve import SCHEMATHESIS
from test_serve import Server, request, server_env, serving

pytestmark = pytest.mark.e2e

EMAIL = "fuzz@example.com"
PASSWORD = "correct horse battery staple"
# Operations that check a secret (a password, a mailed token, a TOTP code, a passkey's
# signature): input that only matches the schema is refused with the documented 400 (RFC
# 6749 §5.2 for /token), not accepted.
SECRET_CHECKS = (
    r"^/api/auth/(login|token|verify-email|email/confirm|password-reset/confirm"
    r"|mfa/totp|passkeys/login)$"
)
# Operations that set a password: the site's password rules (length, common passwords,
# similarity to the address) are more than a schema can say (the field's description says
# them), so a schema-valid password may be refused with the documented 422 naming the rule.
PASSWORD_RULES = r"^/api/auth/(register|password|password-reset/confirm)$"
NOTES_PATHS = r"^/api/(notes|auth/me$)"
TOKEN_PATHS = r"^/api/auth/tokens"


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """examples/notes served by a real process (development settings, fresh SQLite file,
    mail written to a folder), stopped by PID; the server and the mail folder."""
    folder = tmp_path_factory.mktemp("notes")
    mail = folder / "mail"
    env = server_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'notes.db'}",
        SCHOONER_ENVIRONMENT="development",
        SCHOONER_SECRET_KEY="e2e-" + "n" * 40,
        MAIL_BACKEND="file",
        MAIL_FILE_PATH=str(mail),
        # The signed-in run takes minutes: its access token must outlive it.
        AUTH_JWT_ACCESS_TTL="3600",
    )
    log = folder / "server.log"
    with serving(log, env, app="examples/notes/app.py", probe="/openapi.json") as server:
        yield server, mail


def post_json(server: Server, path: str, body: dict[str, str]) -> tuple[int, dict[str, str]]:
    """POST ``body`` as JSON; the status and the decoded answer."""
    reply = request(
        server,
        "POST",
        path,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    return reply.status, reply.json() if reply.body else {}


def mailed_token(folder: Path, address: str, *, timeout: float = 10.0) -> str:
    """The token in the first mail written for ``address`` (sent after the response)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            body = message.get_body(("plain",))
            if message["To"] == address and body is not None:
                found = re.search(r"^([\w-]+\.[\w-]+\.[\w-]+)\r?$", body.get_content(), re.M)
                assert found is not None, body.get_content()
                return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no mail to {address} in {folder} after {timeout}s")


def access_token(server: Server, mail: Path) -> str:
    """Register, verify with the mailed token, and get a JWT access token."""
    credentials = {"email": EMAIL, "password": PASSWORD}
    assert post_json(server, "/api/auth/register", credentials)[0] == 202
    token = mailed_token(mail, EMAIL)
    assert post_json(server, "/api/auth/verify-email", {"token": token})[0] == 200
    status, pair = post_json(server, "/api/auth/token", credentials)
    assert status == 200, pair
    return pair["access_token"]


def config(folder: Path, *, signed_in: bool) -> Path:
    """A schemathesis.toml: the JWT for the ``token`` scheme (read from ``NOTES_TOKEN``) when
    ``signed_in``, the documented 400 of the secret-checking operations and the 422 of the
    password-setting ones."""
    lines = []
    if signed_in:
        lines += ["[auth.openapi.token]", 'bearer = "${NOTES_TOKEN}"', ""]
    lines += [
        "[[operations]]",
        f"include-path-regex = {json.dumps(SECRET_CHECKS)}",
        'checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 429]',
        "",
        "[[operations]]",
        f"include-path-regex = {json.dumps(PASSWORD_RULES)}",
        'checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 422, 429]',
    ]
    path = folder / ("signed-in.toml" if signed_in else "anonymous.toml")
    path.write_text("\n".join(lines) + "\n")
    return path


def schemathesis(server: Server, folder: Path, token: str | None, *options: str) -> str:
    """schemathesis --checks all on the served document, reproducibly (fixed seed, one
    worker), signed in with ``token`` when given; fails the test unless it reports no
    issue. Its output."""
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config(folder, signed_in=token is not None)),
        "run",
        f"http://127.0.0.1:{server.port}/openapi.json",
        "--checks",
        "all",
        "--workers",
        "1",
        "--seed",
        "20261203",
        "--generation-database",
        "none",
        "--no-color",
        *options,
    ]
    env = {**server_env(), "NOTES_TOKEN": token or ""}
    result = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output + "\n--- server log ---\n" + server.output()[-4000:]
    # Every generated case passed (an anonymous run also warns that the signed-in operations
    # only answered 401, which is the point of running it anonymously).
    assert re.search(r"Test cases:\s+(\d+) generated, \1 passed\b", output), output
    assert "❌" not in output, output
    return output


@pytest.fixture(scope="module")
def token(notes: tuple[Server, Path]) -> str:
    """A JWT access token of a verified account on the served app."""
    server, mail = notes
    return access_token(server, mail)


def test_the_notes_operations_are_clean(
    notes: tuple[Server, Path], token: str, tmp_path: Path
) -> None:
    """Signed in with a JWT (and without it, for the auth check): every notes operation and
    /me pass every check, including the stateful create-read-change-delete links."""
    server, _ = notes
    output = schemathesis(
        server, tmp_path, token, "--max-examples", "40", "--include-path-regex", NOTES_PATHS
    )
    assert re.search(r"Selected: 6/\d+", output), output
    # The sign-in survived the run, so every operation was exercised signed in.
    me = request(server, "GET", "/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 200, me.body


def test_the_whole_document_is_clean(
    notes: tuple[Server, Path], token: str, tmp_path: Path
) -> None:
    """Anonymous over every operation, then signed in over the API-token operations: no
    issue."""
    server, _ = notes
    schemathesis(server, tmp_path, None, "--max-examples", "25")
    schemathesis(
        server, tmp_path, token, "--max-examples", "25", "--include-path-regex", TOKEN_PATHS
    )

"""Every example app loads its settings from the environment and is safe in production.

Each example is imported afresh with production environment variables, as ``schooner serve``
would import it on a server: it must answer only its allowed host names and refuse to start
with a default or weak secret key or with debug on. ``tests/e2e/test_examples_serve.py``
checks the same through a real ``schooner serve`` process.
"""

from __future__ import annotations

import importlib
import os
import sys
import uuid
from pathlib import Path
from types import ModuleType

import pytest
from _loading import import_file

from schooner import App
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOOD_KEY = "Vq3xZ8pL2mN7rT1wY6bK4cH9dJ5fG0sA-e_uQiOoPlMnBv"
# Each example app (a file under examples/) and a path of it that answers 200 to a GET on
# an empty database.
PROBES = {
    "blog/app.py": "/",
    "docs/quickstart_minimal.py": "/hello/Ada",
    "hello/app.py": "/",
    "notes/app.py": "/openapi.json",
    "realtime/app.py": "/clock/stats",
    "todo/app.py": "/openapi.json",
}
ACCOUNT_ENV = {
    "MAIL_BACKEND": "smtp",
    "MAIL_HOST": "mail.example.com",
    "MAIL_DEFAULT_FROM": "Example <noreply@example.com>",
    "MAIL_BASE_URL": "https://example.com",
    # Passkeys are bound to the site's domain.
    "AUTH_WEBAUTHN_RP_ID": "example.com",
}


def example_apps() -> list[str]:
    """Every examples/*/app.py, and the first app the docs show (docs/index.md)."""
    apps = [path.relative_to(EXAMPLES).as_posix() for path in EXAMPLES.glob("*/app.py")]
    return sorted([*apps, "docs/quickstart_minimal.py"])


def production_env(**values: str) -> dict[str, str]:
    """Production variables a deployment would set, with ``values`` changed."""
    env = {
        "SCHOONER_ENVIRONMENT": "production",
        "SCHOONER_SECRET_KEY": GOOD_KEY,
        "SCHOONER_ALLOWED_HOSTS": "example.com,www.example.com",
        # Examples with accounts send mail (a mail server, a sender and the site's address
        # for links; nothing is sent by these tests) and offer passkeys (the site's domain).
        **ACCOUNT_ENV,
    }
    env.update(values)
    return env


def load_example(
    name: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> App:
    """Import ``examples/<name>`` afresh with only ``env`` set and return its ``app``.

    Examples that are packages (blog, todo) are imported as such; their models stay
    imported, as SQLAlchemy allows one class per table name. The module is removed from
    ``sys.modules`` again afterwards so other tests import their own copy.
    """
    for key in list(os.environ):
        if key.startswith(("SCHOONER_", "MAIL_", "AUTH_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'example.db'}")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)  # no stray .env or schooner.toml is read
    path = EXAMPLES / name
    if (path.parent / "__init__.py").is_file():
        monkeypatch.syspath_prepend(str(EXAMPLES))
        module_name = f"{path.parent.name}.{path.stem}"
        monkeypatch.setitem(sys.modules, module_name, ModuleType(module_name))
        del sys.modules[module_name]
        module = importlib.import_module(module_name)
    else:
        module = import_file(path, f"prod_{path.stem}_{uuid.uuid4().hex}")
    app: App = module.app
    return app


def start(name: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Load the example with ``env`` and start it in the test client; fail if it serves."""
    with TestClient(load_example(name, env, monkeypatch, tmp_path)):
        pytest.fail(f"examples/{name} started with unsafe production settings")


def test_every_example_is_covered() -> None:
    """The table of probe paths names exactly the example apps (a new one needs a probe)."""
    assert example_apps() == sorted(PROBES)


@pytest.mark.parametrize("name", example_apps())
def test_unknown_host_is_refused(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """In production an allowed host is served and any other Host header gets a 400 problem."""
    app = load_example(name, production_env(), monkeypatch, tmp_path)
    assert app.settings.is_production
    with TestClient(app, base_url="http://example.com") as client:
        assert client.get(PROBES[name]).status_code == 200
        for host in ("evil.com", "example.com.evil.com", "127.0.0.1"):
            refused = client.get(PROBES[name], headers={"Host": host})
            assert refused.status_code == 400, (host, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            assert "is not served here" in refused.json()["detail"]


@pytest.mark.parametrize("name", example_apps())
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SCHOONER_SECRET_KEY": ""}, "SCHOONER_SECRET_KEY"),
        ({"SCHOONER_SECRET_KEY": "changeme"}, "strong secret key"),
        ({"SCHOONER_SECRET_KEY": "too-short-for-production"}, "strong secret key"),
        ({"SCHOONER_DEBUG": "true"}, "Debug mode is on in production"),
        ({"SCHOONER_ALLOWED_HOSTS": ""}, "SCHOONER_ALLOWED_HOSTS"),
    ],
    ids=["no-secret", "changeme", "short-secret", "debug", "no-hosts"],
)
def test_unsafe_production_settings_stop_the_app(
    name: str,
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A missing, default or short secret, debug on or no host names: the app does not start."""
    # Refused while the app is built (blog's Sessions already refuse a missing key) or when
    # it starts (today the test client reports a failed startup as a RuntimeError).
    with pytest.raises((ImproperlyConfigured, RuntimeError), match=message):
        start(name, production_env(**env), monkeypatch, tmp_path)


@pytest.mark.parametrize("name", ["blog/app.py", "notes/app.py"])
@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("MAIL_BACKEND", "the console backend delivers no mail"),
        ("MAIL_DEFAULT_FROM", "MAIL_DEFAULT_FROM"),
        ("MAIL_BASE_URL", "MAIL_BASE_URL"),
        ("AUTH_WEBAUTHN_RP_ID", "AUTH_WEBAUTHN_RP_ID"),
    ],
)
def test_examples_with_accounts_need_their_settings(
    name: str, missing: str, message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The examples with accounts mail sign-up and reset tokens and offer passkeys: in
    production they refuse to start without a real mail backend, a sender, the site's
    address or its passkey domain (development has defaults)."""
    env = production_env()
    del env[missing]
    with pytest.raises((ImproperlyConfigured, RuntimeError), match=message):
        start(name, env, monkeypatch, tmp_path)

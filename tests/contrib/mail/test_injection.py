"""Fuzzing the routes that send mail: whatever a client types, no header injection, no 5xx.

hypothesis generates recipients (valid addresses with hostile display names, and arbitrary
text), subjects and header values full of CR, LF, NUL, Unicode line separators and
encoded-word look-alikes. Each goes through the test client to a production app that
sends mail. Every answer is a 200 or a 4xx problem document; every message sent, read back
from its wire form, has exactly the headers the app set, one recipient, and the text the
client gave (modulo blanks).
"""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schooner import App, Settings
from schooner.contrib.mail import EmailMessage, Mail, Mailer, validate_address
from schooner.contrib.mail.testing import outbox
from schooner.contrib.templates import Templates
from schooner.testing import TestClient

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,  # the same cases on every run: a CI failure reproduces locally
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PRODUCTION = Settings(environment="production", secret_key="s" * 40, allowed_hosts=["testserver"])
EXPECTED_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "x-ref",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}
TRICKS = [
    "\r\nBcc: victim@example.com",
    "\nX-Injected: yes",
    "\rX-Injected: yes",
    "a\x00b",
    "line\u2028separator",
    "para\u2029graph",
    "next\x85line",
    "=?utf-8?b?DQpCY2M6IHZpY3RpbUBleGFtcGxlLmNvbQ==?=",
    '"quoted" <inner@example.com>',
    "a" * 200,
    " \t ",
]


class Contact(msgspec.Struct):
    """What the contact form posts."""

    to: str
    subject: str
    ref: str


def hostile_text() -> st.SearchStrategy[str]:
    """Any text, with header-breaking tricks mixed in."""
    return st.one_of(
        st.text(max_size=80),
        st.sampled_from(TRICKS),
        st.builds(
            lambda a, t, b: a + t + b,
            st.text(max_size=20),
            st.sampled_from(TRICKS),
            st.text(max_size=20),
        ),
    )


def recipients() -> st.SearchStrategy[str]:
    """Valid addresses, the same with hostile display names, and arbitrary text."""
    return st.one_of(
        st.emails(),
        st.builds(lambda name, address: f"{name} <{address}>", hostile_text(), st.emails()),
        hostile_text(),
    )


def contact_app(folder: Path) -> App:
    """A production app whose routes send what clients post."""
    (folder / "mail").mkdir(parents=True, exist_ok=True)
    (folder / "mail" / "hello.txt").write_text("Hello {{ name }}")
    (folder / "mail" / "hello.subject.txt").write_text("Hello {{ name }}\n")
    app = App(
        settings=PRODUCTION,
        components=[
            Templates(folder),
            Mail("memory", default_from="site@example.com", allow_dev_backends=True),
        ],
    )

    @app.post("/contact")
    async def contact(form: Contact, mailer: Mailer) -> str:
        await mailer.send(
            EmailMessage(to=form.to, subject=form.subject, text="Hi", headers={"X-Ref": form.ref})
        )
        return "sent"

    @app.post("/hello")
    async def hello(name: str, mailer: Mailer) -> str:
        await mailer.send(await mailer.render("mail/hello", {"name": name}, to="a@example.com"))
        return "sent"

    return app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One client for the module: hypothesis calls the tests many times."""
    app = contact_app(tmp_path_factory.mktemp("templates"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def blanks(text: str) -> str:
    """``text`` with runs of blanks as single spaces, ends trimmed."""
    return " ".join(text.split())


@FUZZ
@given(to=recipients(), subject=hostile_text(), ref=hostile_text())
def test_posted_fields_never_inject_a_header_or_fail(
    client: TestClient, to: str, subject: str, ref: str
) -> None:
    """Each post is sent as exactly the message asked for, or refused with a 4xx problem."""
    sent = outbox(client.app)  # type: ignore[arg-type]
    sent.clear()
    response = client.post("/contact", json={"to": to, "subject": subject, "ref": ref})
    assert response.status_code in (200, 400, 422), response.text
    if response.status_code != 200:
        assert response.headers["content-type"] == "application/problem+json"
        assert sent == []
        return
    [message] = sent
    wire = message.to_bytes()
    parsed = message_from_bytes(wire, policy=policy.default)
    assert {name.lower() for name in parsed} == EXPECTED_HEADERS
    assert len(parsed.get_all("To") or []) == 1
    [address] = parsed["To"].addresses
    assert [address.addr_spec] == message.recipients
    assert message.to == (validate_address(to),)
    assert blanks(parsed["Subject"]) == blanks(subject)
    assert blanks(parsed["X-Ref"]) == blanks(ref)
    assert not parsed.defects


@FUZZ
@given(name=hostile_text())
def test_a_rendered_subject_never_breaks_whatever_the_name(client: TestClient, name: str) -> None:
    """A value in the subject template is folded into one line: sent, or a 4xx problem."""
    sent = outbox(client.app)  # type: ignore[arg-type]
    sent.clear()
    response = client.post("/hello", params={"name": name})
    assert response.status_code in (200, 400, 422), response.text
    if response.status_code == 200:
        [message] = sent
        parsed = message_from_bytes(message.to_bytes(), policy=policy.default)
        assert "x-injected" not in {k.lower() for k in parsed}
        assert parsed["Subject"] == message.subject == blanks(f"Hello {name}")


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(address=st.emails())
def test_every_rfc_address_hypothesis_makes_is_accepted(address: str) -> None:
    """Addresses hypothesis generates as valid (RFC 5322 dot-atoms) pass validation."""
    assert validate_address(address) == address

"""The examples of docs/mail.md behave as the page says.

Covers mail_send.py, mail_templates.py, mail_settings.py and mail_backend.py; the sections
marked for the page show how to test an app that sends mail.
"""

from __future__ import annotations

import secrets
from email import message_from_bytes, policy
from pathlib import Path
from types import ModuleType

import pytest
from _loading import docs_example

from schooner.contrib.mail import ConsoleBackend, Mail, SMTPBackend
from schooner.contrib.mail.testing import SMTPTestServer, capture_mail
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

DOCS = Path(__file__).resolve().parents[2] / "examples" / "docs"


def load(name: str) -> ModuleType:
    """Import examples/docs/<name>.py afresh under a private name."""
    return docs_example(name, "mail_example")


def test_send_a_message_with_an_attachment(capsys: pytest.CaptureFixture[str]) -> None:
    """mail_send.py: the console shows the message and its attachment; bad addresses 422."""
    with TestClient(load("mail_send").app) as client:
        sent = client.post("/reports", json={"email": "ada@example.com", "rows": ["a,b", "1,2"]})
        assert (sent.status_code, sent.json()) == (202, {"status": "sent"})
        printed = capsys.readouterr().out
        assert "To: ada@example.com" in printed
        assert "Subject: Your report" in printed
        assert "[attachment] report.csv (text/csv, 7 bytes)" in printed
        refused = client.post("/reports", json={"email": "ada@example.com\nBcc: x@y.z", "rows": []})
        assert refused.status_code == 422
        assert refused.json()["field"] == "to"


# --8<-- [start:capture]
def test_signup_sends_the_welcome_mail() -> None:
    """mail_templates.py: the mail has both bodies, the name escaped only in the HTML."""
    app = load("mail_templates").app
    with TestClient(app) as client, capture_mail(app) as sent:
        response = client.post("/signup", json={"name": "Ada <3", "email": "ada@example.com"})
    assert response.status_code == 202
    [mail] = sent
    assert mail.to == ('"Ada <3" <ada@example.com>',)
    assert mail.subject == "Welcome to Example, Ada <3"
    assert mail.text is not None
    assert "Hello Ada <3," in mail.text
    assert mail.html is not None
    assert "Hello Ada &lt;3," in mail.html
    link = next(line for line in mail.text.splitlines() if "/verify/" in line)
    assert link.startswith("http://127.0.0.1:8000/verify/")


# --8<-- [end:capture]


# --8<-- [start:smtp]
def test_the_welcome_mail_arrives_over_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    """mail_templates.py with MAIL_* variables: a real SMTP server receives the mail."""
    with SMTPTestServer() as server:
        for name, value in {
            "MAIL_BACKEND": "smtp",
            "MAIL_HOST": server.host,
            "MAIL_PORT": str(server.port),
            "MAIL_BASE_URL": "https://example.com",
        }.items():
            monkeypatch.setenv(name, value)
        with TestClient(load("mail_templates").app) as client:
            client.post("/signup", json={"name": "Ada", "email": "ada@example.com"})
        [received] = server.messages
    message = received.message
    assert received.recipients == ["ada@example.com"]
    assert message["From"] == "Example <noreply@example.com>"
    assert message["Subject"] == "Welcome to Example, Ada"
    text = message.get_body(("plain",))
    assert text is not None
    assert "https://example.com/verify/" in text.get_content()


# --8<-- [end:smtp]


def test_the_settings_block_picks_the_backend_per_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """mail_settings.py: the console in development; SMTP with the secret in production."""
    module = load("mail_settings")
    development = module.create_app(env_file=None, environ={})
    mail = development.component(Mail)
    assert mail is not None
    assert isinstance(mail.backend, ConsoleBackend)
    assert mail.mailer.default_from == "Example <noreply@example.com>"
    monkeypatch.setenv("MAIL_PASSWORD", "from-the-environment")
    production = module.create_app(
        env_file=None,
        environ={},
        environment="production",
        secret_key=secrets.token_urlsafe(48),
        allowed_hosts=["example.com"],
    )
    mail = production.component(Mail)
    assert mail is not None
    assert isinstance(mail.backend, SMTPBackend)
    assert (mail.backend.host, mail.backend.port, mail.backend.starttls) == (
        "smtp.example.com",
        587,
        True,
    )
    assert mail.config.password is not None
    assert mail.config.password.get_secret_value() == "from-the-environment"
    assert mail.config.base_url == "https://example.com"


def test_the_settings_file_refuses_a_misspelt_option(tmp_path: Path) -> None:
    """mail_settings.py: an unknown key in [schooner.mail] stops the app, naming it."""
    toml = tmp_path / "schooner.toml"
    toml.write_text('[schooner.mail]\nbakend = "smtp"\n')
    with pytest.raises(ImproperlyConfigured, match="bakend"):
        load("mail_settings").create_app(toml, env_file=None, environ={})


async def test_a_backend_of_ones_own_gets_finished_messages() -> None:
    """mail_backend.py: the queue receives the wire form, with the sender filled in."""
    from schooner.contrib.mail import EmailMessage, Mailer

    module = load("mail_backend")
    mail = module.app.component(Mail)
    mailer: Mailer = mail.mailer
    await mailer.send(EmailMessage(to="ada@example.com", subject="Queued", text="x"))
    sender, recipients, data = module.backend.queue.get_nowait()
    assert (sender, recipients) == ("noreply@example.com", ["ada@example.com"])
    assert message_from_bytes(data, policy=policy.default)["Subject"] == "Queued"

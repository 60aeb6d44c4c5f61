"""The test helpers: an app's outbox, switching it to memory, and the SMTP test server."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from schooner import App
from schooner.contrib.mail import ConsoleBackend, EmailMessage, Mail, Mailer, MemoryBackend
from schooner.contrib.mail.testing import (
    SMTPTestServer,
    capture_mail,
    outbox,
    use_memory_backend,
)
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient


def notifying_app(mail: Mail) -> App:
    """An app whose POST /notify sends one message."""
    app = App(components=[mail])

    @app.post("/notify")
    async def notify(mailer: Mailer) -> str:
        await mailer.send(EmailMessage(to="ada@example.com", subject="Ping", text="ping"))
        return "sent"

    return app


def test_outbox_lists_what_a_memory_app_sent() -> None:
    """With MAIL_BACKEND=memory, outbox(app) is the list of sent messages."""
    app = notifying_app(Mail("memory", default_from="site@example.com"))
    with TestClient(app) as client:
        client.post("/notify")
        client.post("/notify")
    assert [m.subject for m in outbox(app)] == ["Ping", "Ping"]
    outbox(app).clear()
    assert outbox(app) == []


def test_outbox_says_what_to_do_when_mail_is_not_in_memory() -> None:
    """An app that prints its mail has no outbox until switched."""
    app = notifying_app(Mail("console"))
    with pytest.raises(ImproperlyConfigured, match="use_memory_backend"):
        outbox(app)
    with pytest.raises(ImproperlyConfigured, match="no Mail component"):
        outbox(App())


def test_use_memory_backend_switches_for_good(capsys: pytest.CaptureFixture[str]) -> None:
    """After use_memory_backend, nothing is printed and everything is in the outbox."""
    app = notifying_app(Mail("console", default_from="site@example.com"))
    backend = use_memory_backend(app)
    assert isinstance(backend, MemoryBackend)
    with TestClient(app) as client:
        assert client.post("/notify").text == "sent"
    assert outbox(app) is backend.outbox
    assert len(outbox(app)) == 1
    assert capsys.readouterr().out == ""


def test_capture_mail_keeps_the_blocks_mail_and_restores_the_backend() -> None:
    """Inside the block mail goes to the list; after it, the app's backend is back."""
    app = notifying_app(Mail("console", default_from="site@example.com"))
    mail = app.component(Mail)
    assert mail is not None
    with TestClient(app) as client, capture_mail(app) as sent:
        client.post("/notify")
        assert [m.to for m in sent] == [("ada@example.com",)]
    assert isinstance(mail.backend, ConsoleBackend)
    with pytest.raises(ImproperlyConfigured), capture_mail(App()):
        pass


async def test_the_smtp_test_server_refuses_wrong_logins_and_listed_recipients() -> None:
    """users and refuse shape what the server accepts; config() points a mailer at it."""
    with SMTPTestServer(users={"app": "pw"}, refuse=["gone@example.com"]) as server:
        config = server.config(username="app", password="pw")
        assert (config.host, config.port, config.backend) == ("127.0.0.1", server.port, "smtp")
        mailer = Mail(config=config, default_from="site@example.com").mailer
        await mailer.send(EmailMessage(to=["a@example.com"], text="x"))
        assert server.messages[0].login == "app"
        assert server.messages[0].recipients == ["a@example.com"]


def test_the_smtp_test_server_takes_one_kind_of_tls(server_tls: ssl.SSLContext) -> None:
    """STARTTLS and implicit TLS together are refused."""
    with pytest.raises(ValueError, match="starttls or tls"):
        SMTPTestServer(starttls=server_tls, tls=server_tls)


def test_the_smtp_test_server_config_matches_its_tls(
    server_tls: ssl.SSLContext, ca_file: str, tmp_path: Path
) -> None:
    """config() sets starttls or use_tls to what the server speaks."""
    starttls = SMTPTestServer(starttls=server_tls).config(ca_file=ca_file)
    implicit = SMTPTestServer(tls=server_tls).config(ca_file=ca_file)
    assert (starttls.starttls, starttls.use_tls) == (True, False)
    assert (implicit.starttls, implicit.use_tls) == (False, True)

"""The SMTP backend against a real SMTP server (aiosmtpd) on a loopback port."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Literal

import pytest

from schooner.contrib.mail import (
    Attachment,
    DeliveryError,
    EmailMessage,
    Mail,
    MailAuthenticationError,
    MailConfig,
    MailConnectionError,
    Mailer,
    MailTimeout,
    MessageRefused,
    RecipientsRefused,
    SMTPBackend,
)
from schooner.contrib.mail.testing import SMTPTestServer

FROM = "Site <site@example.com>"
USERS = {"app": "s3cret"}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))


def mailer_for(config: MailConfig) -> Mailer:
    """The mailer a Mail component builds from ``config``."""
    return Mail(config=config, default_from=FROM).mailer


def full_message(**fields: object) -> EmailMessage:
    """A message with every kind of part."""
    values: dict[str, object] = {
        "to": ["Ada Lovelace <ada@example.com>"],
        "cc": ["bob@example.com"],
        "bcc": ["audit@example.com"],
        "reply_to": ["help@example.com"],
        "subject": "Grüße from the site",
        "text": "Hello Ada,\nwelcome.",
        "html": '<p>Hello <b>Ada</b> <img src="cid:logo"></p>',
        "attachments": [
            Attachment("terms.pdf", b"%PDF-1.7 terms"),
            Attachment("logo.png", PNG, inline=True, content_id="logo"),
        ],
        "headers": {"X-Campaign": "welcome"},
    }
    values.update(fields)
    return EmailMessage(**values)  # type: ignore[arg-type]


@pytest.fixture
def plain_server() -> Iterator[SMTPTestServer]:
    """A plain SMTP server that offers a login and refuses nobody@example.com."""
    with SMTPTestServer(users=USERS, refuse=["nobody@example.com"]) as server:
        yield server


async def test_a_message_arrives_with_headers_both_bodies_and_attachments(
    plain_server: SMTPTestServer,
) -> None:
    """What the server receives is the whole message, Bcc only in the envelope."""
    await mailer_for(plain_server.config()).send(full_message())
    [received] = plain_server.messages
    assert received.sender == "site@example.com"
    assert received.recipients == ["ada@example.com", "bob@example.com", "audit@example.com"]
    assert (received.login, received.encrypted) == (None, False)
    message = received.message
    assert message["From"] == FROM
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Cc"] == "bob@example.com"
    assert message["Reply-To"] == "help@example.com"
    assert message["Bcc"] is None
    assert b"audit@example.com" not in received.data
    assert message["Subject"] == "Grüße from the site"
    assert message["X-Campaign"] == "welcome"
    assert message["Message-ID"].endswith("@example.com>")
    assert message["Date"].datetime.tzinfo is not None
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None
    assert plain.get_content() == "Hello Ada,\r\nwelcome.\r\n"
    assert html is not None
    assert "<b>Ada</b>" in html.get_content()
    [terms] = message.iter_attachments()
    assert (terms.get_filename(), terms.get_content()) == ("terms.pdf", b"%PDF-1.7 terms")
    logo = next(p for p in message.walk() if p["Content-ID"] == "<logo>")
    assert logo.get_content() == PNG


async def test_send_many_uses_one_connection(plain_server: SMTPTestServer) -> None:
    """Several messages go over one connection (one login) and arrive in order."""
    mailer = mailer_for(plain_server.config(username="app", password="s3cret"))
    await mailer.send_many([full_message(subject=f"n{i}") for i in range(3)])
    assert [m.message["Subject"] for m in plain_server.messages] == ["n0", "n1", "n2"]
    assert {m.login for m in plain_server.messages} == {"app"}


async def test_a_wrong_password_is_an_authentication_error(plain_server: SMTPTestServer) -> None:
    """A refused login names the user and what to check; nothing is sent."""
    mailer = mailer_for(plain_server.config(username="app", password="wrong"))
    with pytest.raises(MailAuthenticationError, match="refused the login of 'app'") as caught:
        await mailer.send_many([full_message(), full_message()])
    assert "username and password" in str(caught.value)
    assert (caught.value.sent, len(caught.value.unsent)) == ([], 2)
    assert plain_server.messages == []


async def test_the_password_is_not_sent_in_clear_to_another_host(
    plain_server: SMTPTestServer,
) -> None:
    """Login over an unencrypted connection is refused unless the server is loopback.

    0.0.0.0 reaches this machine's servers on Linux, but is not a loopback address.
    """
    backend = SMTPBackend(
        "0.0.0.0", plain_server.port, username="app", password="s3cret", starttls=False
    )
    with pytest.raises(MailAuthenticationError, match="unencrypted"):
        await Mailer(backend, default_from=FROM).send(full_message())
    assert plain_server.messages == []


async def test_some_refused_recipients_are_reported_after_the_rest_got_it(
    plain_server: SMTPTestServer,
) -> None:
    """A partly refused message reaches the others; the error lists the refused address."""
    mailer = mailer_for(plain_server.config())
    with pytest.raises(RecipientsRefused, match=r"nobody@example.com \(550") as caught:
        await mailer.send(full_message(cc=["nobody@example.com"], bcc=[]))
    error = caught.value
    assert list(error.refused) == ["nobody@example.com"]
    assert error.accepted == ["ada@example.com"]
    assert len(error.sent) == 1
    assert error.unsent == []
    assert [m.recipients for m in plain_server.messages] == [["ada@example.com"]]


async def test_a_refusal_does_not_stop_the_batch(plain_server: SMTPTestServer) -> None:
    """send_many goes on after a wholly refused message and raises at the end."""
    mailer = mailer_for(plain_server.config())
    refused = full_message(to=["nobody@example.com"], cc=[], bcc=[], subject="lost")
    with pytest.raises(RecipientsRefused, match="refused every recipient") as caught:
        await mailer.send_many([refused, full_message(subject="kept")])
    error = caught.value
    assert [m.subject for m in error.unsent] == ["lost"]
    assert [m.subject for m in error.sent] == ["kept"]
    assert error.failures == [error]
    assert [m.message["Subject"] for m in plain_server.messages] == ["kept"]


async def test_starttls_with_login(server_tls: ssl.SSLContext, ca_file: str) -> None:
    """STARTTLS upgrades the connection before the login; the server sees it encrypted."""
    with SMTPTestServer(users=USERS, starttls=server_tls) as server:
        config = server.config(username="app", password="s3cret", ca_file=ca_file)
        await mailer_for(config).send(full_message())
        [received] = server.messages
    assert (received.login, received.encrypted) == ("app", True)
    assert received.message["Subject"] == "Grüße from the site"


async def test_starttls_is_used_when_offered_unless_turned_off(
    server_tls: ssl.SSLContext, ca_file: str
) -> None:
    """starttls=None (the default) upgrades when the server offers it."""
    with SMTPTestServer(starttls=server_tls) as server:
        await mailer_for(server.config(starttls=None, ca_file=ca_file)).send(full_message())
        assert server.messages[0].encrypted


async def test_implicit_tls_with_login(server_tls: ssl.SSLContext, ca_file: str) -> None:
    """use_tls speaks TLS from the first byte."""
    with SMTPTestServer(users=USERS, tls=server_tls) as server:
        config = server.config(username="app", password="s3cret", ca_file=ca_file)
        assert config.use_tls
        await mailer_for(config).send(full_message())
        [received] = server.messages
    assert (received.login, received.encrypted) == ("app", True)


@pytest.mark.parametrize("mode", ["starttls", "tls"])
async def test_an_untrusted_certificate_is_refused(mode: str, server_tls: ssl.SSLContext) -> None:
    """Without the authority in ca_file the certificate fails, and the error says so."""
    with SMTPTestServer(**{mode: server_tls}) as server:  # type: ignore[arg-type]
        with pytest.raises(MailConnectionError, match="CERTIFICATE_VERIFY_FAILED") as caught:
            await mailer_for(server.config()).send(full_message())
        assert server.messages == []
    assert "ca_file" in str(caught.value)


async def test_starttls_required_but_not_offered_is_a_connection_error(
    plain_server: SMTPTestServer,
) -> None:
    """starttls=True against a server without STARTTLS fails rather than send in clear."""
    with pytest.raises(MailConnectionError, match="STARTTLS") as caught:
        await mailer_for(plain_server.config(starttls=True)).send(full_message())
    assert "starttls=False" in str(caught.value)
    assert plain_server.messages == []


async def test_tls_against_a_plain_server_is_a_connection_error(
    plain_server: SMTPTestServer,
) -> None:
    """use_tls against a plain server fails with a hint about the TLS settings."""
    with pytest.raises(MailConnectionError, match="use_tls=True for implicit TLS"):
        await mailer_for(plain_server.config(use_tls=True, starttls=None)).send(full_message())


async def test_a_closed_port_is_a_connection_error() -> None:
    """Nothing listening: the error names the server and what to check."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = MailConfig(backend="smtp", host="127.0.0.1", port=port, timeout=2)
    with pytest.raises(MailConnectionError, match=f"127.0.0.1:{port}") as caught:
        await mailer_for(config).send(full_message())
    assert not isinstance(caught.value, MailTimeout)
    assert "host and port" in str(caught.value)


async def test_a_silent_server_is_a_timeout() -> None:
    """A server that accepts the connection but never greets times out after timeout s."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        config = MailConfig(backend="smtp", host="127.0.0.1", port=port, timeout=0.3)
        with pytest.raises(MailTimeout, match=r"Timed out after 0\.3 s") as caught:
            await mailer_for(config).send(full_message())
    assert isinstance(caught.value, DeliveryError)


async def test_a_login_a_server_does_not_offer_is_an_authentication_error(
    server_tls: ssl.SSLContext, ca_file: str
) -> None:
    """A username for a server without AUTH says to unset it or use TLS."""
    with SMTPTestServer() as server:
        config = server.config(username="app", password="x")
        with pytest.raises(MailAuthenticationError, match="offers no login"):
            await mailer_for(config).send(full_message())


async def test_a_refused_sender_is_a_message_refusal(plain_server: SMTPTestServer) -> None:
    """A sender the server refuses names the from_ and default_from settings."""
    mailer = mailer_for(plain_server.config())
    with pytest.raises(MessageRefused, match=r"refused the sender 'nobody@example\.com'") as caught:
        await mailer.send(full_message(from_="nobody@example.com"))
    assert caught.value.code == 553
    assert "default_from" in str(caught.value)


@asynccontextmanager
async def scripted_server(
    accept: int, then: Literal["refuse", "close", "hang"]
) -> AsyncIterator[tuple[int, list[bytes]]]:
    """An SMTP server that takes ``accept`` messages, then refuses, hangs up or goes silent.

    aiosmtpd cannot misbehave on cue, so this one speaks just enough SMTP by hand.
    """
    received: list[bytes] = []
    stop = asyncio.Event()
    sessions: list[tuple[asyncio.Task[object], asyncio.StreamWriter]] = []

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        sessions.append((task, writer))
        writer.write(b"220 scripted\r\n")
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                data = await reader.readuntil(b"\r\n.\r\n")
                if len(received) < accept:
                    received.append(data)
                    writer.write(b"250 queued\r\n")
                elif then == "refuse":
                    writer.write(b"554 5.7.1 Looks like spam\r\n")
                elif then == "close":
                    break
                else:
                    await stop.wait()  # silent until the test is over
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:  # EHLO, MAIL, RCPT, RSET
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, received
    finally:
        stop.set()
        server.close()
        for task, writer in sessions:  # every session ends before the test's loop does
            writer.close()
            await asyncio.gather(task, return_exceptions=True)
        await server.wait_closed()


def scripted_mailer(port: int) -> Mailer:
    """A mailer for the scripted server, with a short timeout."""
    config = MailConfig(
        backend="smtp",
        host="127.0.0.1",
        port=port,
        starttls=False,
        timeout=0.5,
        local_hostname="test",
    )
    return mailer_for(config)


def batch(count: int) -> list[EmailMessage]:
    """``count`` messages numbered by subject."""
    return [full_message(subject=f"n{i}", bcc=[]) for i in range(count)]


async def test_a_refused_message_does_not_stop_the_rest_of_the_batch() -> None:
    """A 554 after DATA is a MessageRefused; the batch goes on and the error says so."""
    async with scripted_server(accept=1, then="refuse") as (port, received):
        with pytest.raises(MessageRefused, match=r"554 5\.7\.1 Looks like spam") as caught:
            await scripted_mailer(port).send_many(batch(3))
    error = caught.value
    assert [m.subject for m in error.sent] == ["n0"]
    assert [m.subject for m in error.unsent] == ["n1", "n2"]
    assert [f.message.subject for f in error.failures if f.message] == ["n1", "n2"]
    assert len(received) == 1


async def test_a_connection_lost_mid_batch_stops_it() -> None:
    """A server that hangs up stops the batch: the rest is unsent, nothing is dropped."""
    async with scripted_server(accept=1, then="close") as (port, received):
        with pytest.raises(MailConnectionError, match="closed the connection") as caught:
            await scripted_mailer(port).send_many(batch(3))
    error = caught.value
    assert [m.subject for m in error.sent] == ["n0"]
    assert [m.subject for m in error.unsent] == ["n1", "n2"]
    assert error.failures == [error]
    assert len(received) == 1


async def test_a_server_silent_mid_batch_is_a_timeout() -> None:
    """No answer to a message within timeout seconds is a MailTimeout naming the message."""
    async with scripted_server(accept=0, then="hang") as (port, _):
        with pytest.raises(MailTimeout, match=r"did not answer within 0\.5 s") as caught:
            await scripted_mailer(port).send_many(batch(2))
    assert caught.value.message is not None
    assert caught.value.message.subject == "n0"
    assert [m.subject for m in caught.value.unsent] == ["n0", "n1"]

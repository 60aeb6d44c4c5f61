"""Test helpers for apps with the ``Mail`` component: an outbox, and a real SMTP server.

::

    from schooner.contrib.mail.testing import SMTPTestServer, capture_mail, outbox

    def test_signup_sends_a_welcome_mail(client: TestClient) -> None:
        with capture_mail(client.app) as sent:           # mail goes to a list, not out
            client.post("/signup", json={"email": "ada@example.com"})
        assert sent[0].to == ("ada@example.com",)
        assert "Welcome" in sent[0].subject

    def test_delivery_through_smtp() -> None:
        with SMTPTestServer(users={"app": "secret"}) as server:
            app = make_app(mail=server.config(username="app", password="secret"))
            ...
            assert server.messages[0].message["Subject"] == "Welcome"

``use_memory_backend(app)`` switches for good (in a fixture) and ``outbox(app)`` then lists
what was sent. :class:`SMTPTestServer` runs aiosmtpd on a free loopback port, with login,
STARTTLS or implicit TLS when asked, and keeps what it receives: for end-to-end tests
that read a mail the way a user would (it needs ``aiosmtpd``, ``schooner[testing]``).
"""

from __future__ import annotations

import hmac
import socket
import ssl
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage as MIMEMessage
from typing import TYPE_CHECKING, Any, Self

from schooner.contrib.mail._backends import MemoryBackend
from schooner.contrib.mail._component import Mail
from schooner.contrib.mail._config import MailConfig
from schooner.contrib.mail._message import EmailMessage
from schooner.exceptions import ImproperlyConfigured, MissingDependency

if TYPE_CHECKING:
    from schooner.app import App

__all__ = [
    "ReceivedMail",
    "SMTPTestServer",
    "capture_mail",
    "outbox",
    "use_memory_backend",
]


def _mail(app: App) -> Mail:
    component = app.component(Mail)
    if component is None:
        raise ImproperlyConfigured(f"{app!r} has no Mail component.")
    return component


def outbox(app: App) -> list[EmailMessage]:
    """The messages the app has sent, when it sends to memory (clear it to start again).

    Raises:
        ImproperlyConfigured: the app has no ``Mail`` component, or its mail is not kept
            in memory: call :func:`use_memory_backend` first (or set ``MAIL_BACKEND=memory``).
    """
    backend = _mail(app).backend
    if not isinstance(backend, MemoryBackend):
        raise ImproperlyConfigured(
            f"The app sends mail with {backend!r}, not to memory: call "
            "use_memory_backend(app) first, or use capture_mail(app)."
        )
    return backend.outbox


def use_memory_backend(app: App) -> MemoryBackend:
    """Make the app keep its mail in memory from now on, and return that backend.

    Every message sent afterwards is in :func:`outbox` instead of going out, whatever the
    app's settings say; for a fixture that sets up the app under test.

    Raises:
        ImproperlyConfigured: the app has no ``Mail`` component.
    """
    backend = MemoryBackend()
    _mail(app).mailer.backend = backend
    return backend


@contextmanager
def capture_mail(app: App) -> Iterator[list[EmailMessage]]:
    """Keep the mail the app sends inside the ``with`` block in a list; put the backend back
    after it.

    Raises:
        ImproperlyConfigured: the app has no ``Mail`` component.
    """
    mailer = _mail(app).mailer
    previous = mailer.backend
    backend = MemoryBackend()
    mailer.backend = backend
    try:
        yield backend.outbox
    finally:
        mailer.backend = previous


@dataclass(frozen=True)
class ReceivedMail:
    """One message as :class:`SMTPTestServer` received it.

    Attributes:
        sender: the envelope sender (``MAIL FROM``).
        recipients: the envelope recipients (``RCPT TO``), ``Bcc`` ones included.
        message: the message parsed by the standard library (``message["Subject"]``,
            ``message.get_body(("plain",)).get_content()``, ``message.iter_attachments()``).
        data: the bytes received.
        login: the user that logged in, or ``None``.
        encrypted: whether the connection used TLS.
    """

    sender: str
    recipients: list[str]
    message: MIMEMessage
    data: bytes
    login: str | None
    encrypted: bool


class SMTPTestServer:
    """A real SMTP server (aiosmtpd) on a free loopback port, in a thread of its own.

    ::

        with SMTPTestServer(users={"app": "secret"}, starttls=server_tls_context) as server:
            ...  # send to server.host:server.port
            assert server.messages[-1].encrypted

    Args:
        users: user name → password the server accepts (``AUTH PLAIN`` and ``LOGIN``). With
            STARTTLS, a login is required; otherwise it is offered but not required.
        starttls: a server ``ssl.SSLContext``: offer STARTTLS (and require it to send).
        tls: a server ``ssl.SSLContext``: speak TLS from the first byte (implicit TLS).
        refuse: addresses the server refuses: as a recipient (``550 no such user``) or as
            the sender (``553``).

    Attributes:
        messages: what the server received, in order.
    """

    def __init__(
        self,
        *,
        users: Mapping[str, str] | None = None,
        starttls: ssl.SSLContext | None = None,
        tls: ssl.SSLContext | None = None,
        refuse: Iterable[str] = (),
    ) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:  # pragma: no cover - exercised without aiosmtpd
            raise MissingDependency("aiosmtpd", "testing") from None
        if starttls is not None and tls is not None:
            raise ValueError("Give starttls or tls, not both.")
        self.host = "127.0.0.1"
        self.port = _free_port(self.host)
        self.users = dict(users or {})
        self.starttls = starttls
        self.tls = tls
        self.refuse = {address.lower() for address in refuse}
        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        options: dict[str, Any] = {
            "hostname": self.host,
            "port": self.port,
            "server_hostname": "schooner-test-smtp",
            "ready_timeout": 10.0,
            "ssl_context": tls,
            "tls_context": starttls,
            "require_starttls": starttls is not None,
            # aiosmtpd counts only STARTTLS as TLS (with implicit TLS every connection is
            # encrypted already) and warns when a login is required without that check:
            # so a login is required with STARTTLS only, offered otherwise, and not even
            # offered without users.
            "auth_require_tls": starttls is not None or not self.users,
            "auth_required": bool(self.users) and starttls is not None,
        }
        if self.users:
            options["authenticator"] = self._authenticate
        self._options = options
        self._controller_class = Controller
        self._controller: Any = None

    def start(self) -> Self:
        """Start listening (``with`` does it)."""
        if self._controller is None:
            # Made here, not in __init__: a controller owns an event loop from its birth,
            # which only stop() closes.
            self._controller = self._controller_class(_Handler(self), **self._options)
            self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def config(self, **options: Any) -> MailConfig:
        """A :class:`MailConfig` that sends to this server; ``options`` are added to it.

        TLS is set to match the server (``use_tls`` or ``starttls``); with TLS, pass the
        ``ca_file`` that signed its certificate.
        """
        values: dict[str, Any] = {
            "backend": "smtp",
            "host": self.host,
            "port": self.port,
            "use_tls": self.tls is not None,
            "starttls": self.starttls is not None,
            "local_hostname": "schooner-test-client",
            "timeout": 5.0,
        }
        values.update(options)
        return MailConfig(**values)

    def _received(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.messages.append(mail)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            expected = self.users.get(login)
            given = auth_data.password.decode("utf-8", "replace")
            if expected is not None and hmac.compare_digest(expected, given):
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)


class _Handler:
    """aiosmtpd's handler: refuses the listed addresses, keeps each message."""

    def __init__(self, server: SMTPTestServer) -> None:
        self.server = server

    async def handle_MAIL(  # the name aiosmtpd calls
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.server.refuse:
            return "553 5.7.1 Sender address refused"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # the name aiosmtpd calls
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.server.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # the name aiosmtpd calls
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        data = bytes(envelope.original_content or envelope.content or b"")
        message = message_from_bytes(data, policy=policy.default)
        login = session.auth_data if isinstance(session.auth_data, str) else None
        self.server._received(
            ReceivedMail(
                sender=str(envelope.mail_from),
                recipients=list(envelope.rcpt_tos),
                message=message,
                data=data,
                login=login,
                encrypted=self.server.tls is not None or session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])

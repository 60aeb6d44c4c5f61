"""The SMTP backend: aiosmtplib, one connection per batch, every failure raised with its fix.

A call opens a connection (implicit TLS, or STARTTLS when the server offers it or the
settings require it), logs in when a username is set, sends each message in order and
closes. A refusal that concerns one message (recipients, sender, content) does not stop
the batch; a failure of the connection does. Either way the error raised lists the
messages that went out (``sent``) and those that did not (``unsent``).
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from schooner.config import Secret
from schooner.contrib.mail._message import EmailMessage
from schooner.contrib.mail.exceptions import (
    DeliveryError,
    MailAuthenticationError,
    MailConnectionError,
    MailTimeout,
    MessageRefused,
    RecipientsRefused,
)
from schooner.exceptions import ImproperlyConfigured, MissingDependency

if TYPE_CHECKING:
    import aiosmtplib

__all__ = ["SMTPBackend"]


class SMTPBackend:
    """Delivers through an SMTP server (aiosmtplib).

    ::

        SMTPBackend("smtp.example.com", 587, username="app", password=Secret("..."),
                    starttls=True)

    Args:
        host: the server's host name or address.
        port: its port; by default 465 with ``use_tls``, 587 with ``starttls=True``, else 25.
        username: log in as this user (after TLS is set up); no login when ``None``.
        password: the password, a :class:`~schooner.config.Secret` (or text).
        starttls: ``True``: upgrade with STARTTLS, and fail if the server cannot;
            ``None`` (default): upgrade when the server offers it; ``False``: never.
        use_tls: connect with TLS from the start ("implicit TLS", usually port 465).
        timeout: seconds to wait for the connection and for each reply.
        local_hostname: the name the app gives in ``EHLO``; the machine's by default.
        validate_certs: check the server's certificate (turn off only for a test server).
        ca_file: a PEM file of certificate authorities to trust instead of the system's.
        tls_context: an ``ssl.SSLContext`` to use for TLS (set in code; wins over the
            two options above).

    Raises:
        MissingDependency: aiosmtplib is not installed (``pip install 'schooner[mail]'``).
        ImproperlyConfigured: ``starttls=True`` and ``use_tls`` together.
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int | None = None,
        *,
        username: str | None = None,
        password: Secret | str | None = None,
        starttls: bool | None = None,
        use_tls: bool = False,
        timeout: float = 10.0,
        local_hostname: str | None = None,
        validate_certs: bool = True,
        ca_file: str | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        try:
            import aiosmtplib
        except ImportError:  # pragma: no cover - exercised without the extra
            raise MissingDependency("aiosmtplib", "mail") from None
        self._smtp = aiosmtplib
        if starttls and use_tls:
            raise ImproperlyConfigured(
                "SMTP: starttls and use_tls exclude each other: use_tls=True for a server that "
                "speaks TLS from the start (port 465), starttls=True for one that upgrades "
                "a plain connection (port 587)."
            )
        self.host = host
        self.port = port if port is not None else (465 if use_tls else 587 if starttls else 25)
        self.username = username
        self.password = Secret(password) if isinstance(password, str) else password
        self.starttls = starttls
        self.use_tls = use_tls
        self.timeout = timeout
        self.local_hostname = local_hostname
        self.validate_certs = validate_certs
        self.ca_file = ca_file
        self.tls_context = tls_context

    def __repr__(self) -> str:
        modes = {True: "starttls", None: "starttls when offered", False: "plain"}
        mode = "tls" if self.use_tls else modes[self.starttls]
        return f"SMTPBackend({self.host}:{self.port}, {mode})"

    @property
    def _where(self) -> str:
        return f"the SMTP server {self.host}:{self.port}"

    async def send_messages(self, messages: Sequence[EmailMessage], /) -> None:
        """Send ``messages`` over one connection.

        Raises:
            MailConnectionError: the server cannot be reached or TLS failed (the batch stops).
            MailTimeout: the server did not answer in time (the batch stops).
            MailAuthenticationError: the login was refused or is not offered.
            RecipientsRefused: the server refused recipients of a message.
            MessageRefused: the server refused a message's sender or content.
            DeliveryError: any other refusal by the server.
        """
        if not messages:
            return
        client = self._client()
        try:
            await self._open(client)
        except DeliveryError as error:
            await self._close(client)  # a refused login leaves the connection open
            error.unsent = list(messages)
            raise
        sent: list[EmailMessage] = []
        failures: list[DeliveryError] = []
        try:
            for message in messages:
                try:
                    refused = await self._send_one(client, message)
                except (MailConnectionError, MailAuthenticationError) as error:
                    raise _batch(error, messages, sent, failures) from error.__cause__
                except DeliveryError as error:
                    failures.append(error)
                    continue
                sent.append(message)
                if refused is not None:
                    failures.append(refused)
        finally:
            await self._close(client)
        if failures:
            first = failures[0]
            raise _batch(first, messages, sent, failures[1:]) from first.__cause__

    # -- the connection -----------------------------------------------------------------------

    def _client(self) -> aiosmtplib.SMTP:
        options: dict[str, Any] = {
            "hostname": self.host,
            "port": self.port,
            "use_tls": self.use_tls,
            "start_tls": False if self.use_tls else self.starttls,
            "timeout": self.timeout,
            "local_hostname": self.local_hostname,
            "validate_certs": self.validate_certs,
        }
        if self.tls_context is not None:
            options["tls_context"] = self.tls_context
        elif self.ca_file is not None:
            options["cert_bundle"] = self.ca_file
        return self._smtp.SMTP(**options)

    async def _open(self, client: aiosmtplib.SMTP) -> None:
        smtp = self._smtp
        try:
            await client.connect()
        except smtp.SMTPTimeoutError as exc:
            raise MailTimeout(
                f"Timed out after {self.timeout:g} s connecting to {self._where}: check the "
                "host and port, and that no firewall drops the connection (or raise timeout)."
            ) from exc
        except (smtp.SMTPConnectError, smtp.SMTPServerDisconnected, ssl.SSLError, OSError) as exc:
            raise MailConnectionError(
                f"Could not connect to {self._where}: {exc}. Check the host and port, and "
                f"that the TLS settings match the server ({_TLS_HINT}); for a certificate "
                "of your own authority, set ca_file."
            ) from exc
        except smtp.SMTPException as exc:  # STARTTLS required but not offered, and the like
            raise MailConnectionError(
                f"{self._where} refused the connection's setup: {exc}. {_TLS_HINT}."
            ) from exc
        if self.username is not None:
            await self._login(client)

    async def _login(self, client: aiosmtplib.SMTP) -> None:
        smtp = self._smtp
        encrypted = client.get_transport_info("sslcontext") is not None
        if not encrypted and not _is_loopback(self.host):
            raise MailAuthenticationError(
                f"Refusing to send the SMTP password to {self._where} over an unencrypted "
                "connection: set starttls=True (port 587) or use_tls=True (port 465)."
            )
        password = self.password.get_secret_value() if self.password is not None else ""
        try:
            await client.login(self.username or "", password)
        except smtp.SMTPAuthenticationError as exc:
            raise MailAuthenticationError(
                f"{self._where} refused the login of {self.username!r}: {exc.code} "
                f"{exc.message}. Check the username and password settings."
            ) from exc
        except smtp.SMTPTimeoutError as exc:
            raise MailTimeout(f"{self._where} did not answer the login in time.") from exc
        except (smtp.SMTPServerDisconnected, OSError) as exc:
            raise MailConnectionError(f"{self._where} closed the connection: {exc}.") from exc
        except smtp.SMTPException as exc:  # no AUTH offered on this connection
            raise MailAuthenticationError(
                f"{self._where} offers no login here ({exc}). If it needs none, unset the "
                "username; if it offers login only over TLS, set starttls or use_tls."
            ) from exc

    async def _close(self, client: aiosmtplib.SMTP) -> None:
        if not client.is_connected:
            return
        try:
            await client.quit()
        except (self._smtp.SMTPException, OSError):
            client.close()  # the messages are sent; a failed goodbye changes nothing

    # -- one message ----------------------------------------------------------------------------

    async def _send_one(
        self, client: aiosmtplib.SMTP, message: EmailMessage
    ) -> RecipientsRefused | None:
        """Send one message; return the refusal of some of its recipients, if any."""
        smtp = self._smtp
        sender, recipients = message.sender or "", message.recipients
        try:
            errors, _ = await client.sendmail(sender, recipients, message.to_bytes())
        except smtp.SMTPRecipientsRefused as exc:
            refused = {r.recipient: (r.code, r.message) for r in exc.recipients}
            raise RecipientsRefused(
                f"{self._where} refused every recipient of {_label(message)}: "
                f"{_list(refused)}. Check the addresses.",
                message=message,
                refused=refused,
            ) from exc
        except smtp.SMTPSenderRefused as exc:
            raise MessageRefused(
                f"{self._where} refused the sender {exc.sender!r} of {_label(message)}: "
                f"{exc.code} {exc.message}. Servers often accept only the addresses of the "
                "account they log in with: check the message's from_ or default_from.",
                message=message,
                code=exc.code,
                reply=exc.message,
            ) from exc
        except smtp.SMTPDataError as exc:
            raise MessageRefused(
                f"{self._where} refused {_label(message)}: {exc.code} {exc.message}.",
                message=message,
                code=exc.code,
                reply=exc.message,
            ) from exc
        except smtp.SMTPTimeoutError as exc:
            raise MailTimeout(
                f"{self._where} did not answer within {self.timeout:g} s while sending "
                f"{_label(message)}.",
                message=message,
            ) from exc
        except (smtp.SMTPServerDisconnected, OSError) as exc:
            raise MailConnectionError(
                f"{self._where} closed the connection while sending {_label(message)}: {exc}.",
                message=message,
            ) from exc
        except smtp.SMTPException as exc:
            raise DeliveryError(
                f"{self._where} refused {_label(message)}: {exc}.", message=message
            ) from exc
        if not errors:
            return None
        refused = {address: (reply.code, reply.message) for address, reply in errors.items()}
        return RecipientsRefused(
            f"{self._where} refused some recipients of {_label(message)}: {_list(refused)}; "
            "it went to the others.",
            message=message,
            refused=refused,
            accepted=[r for r in recipients if r not in refused],
        )


_TLS_HINT = (
    "use_tls=True for implicit TLS, usually port 465; starttls=True for STARTTLS, usually "
    "port 587; starttls=False for a plain connection"
)


def _batch(
    error: DeliveryError,
    messages: Sequence[EmailMessage],
    sent: list[EmailMessage],
    others: list[DeliveryError],
) -> DeliveryError:
    """Fill in what the whole call did, on the error it raises."""
    error.sent = list(sent)
    error.unsent = [m for m in messages if not any(m is s for s in sent)]
    error.failures = [error, *(f for f in others if f is not error)]
    return error


def _label(message: EmailMessage) -> str:
    return f"the message {message.message_id or ''} {message.subject!r}".replace("  ", " ")


def _list(refused: dict[str, tuple[int, str]]) -> str:
    return ", ".join(f"{address} ({code} {reply})" for address, (code, reply) in refused.items())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

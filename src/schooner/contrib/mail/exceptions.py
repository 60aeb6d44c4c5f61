"""The mail battery's exceptions.

::

    SchoonerError
    └── MailError                       anything the mail battery raises
        ├── InvalidMessage              the message cannot be sent as written (also ValueError):
        │                               a bad address, a line break in a header, no recipient
        ├── MailTemplateNotFound        neither <name>.txt nor <name>.html exists (also LookupError)
        └── DeliveryError               the backend could not deliver; .sent, .unsent, .failures
            ├── MailConnectionError     the SMTP server cannot be reached, or TLS failed
            │   └── MailTimeout         it did not answer in time
            ├── MailAuthenticationError the server refused the login, or offers none
            ├── RecipientsRefused       the server refused recipients (.refused)
            └── MessageRefused          the server refused the sender or the message

Nothing is dropped silently: every backend raises, and each message says what to fix (a
setting, an address). An :class:`InvalidMessage` that escapes a handler is answered with a
422 problem document by the ``Mail`` component (the address a user typed is the usual
cause); delivery errors are server errors (500) unless you handle them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from schooner.exceptions import SchoonerError

if TYPE_CHECKING:
    from schooner.contrib.mail._message import EmailMessage

__all__ = [
    "DeliveryError",
    "InvalidMessage",
    "MailAuthenticationError",
    "MailConnectionError",
    "MailError",
    "MailTemplateNotFound",
    "MailTimeout",
    "MessageRefused",
    "RecipientsRefused",
]


class MailError(SchoonerError):
    """Base class of the mail battery's errors: catch it to handle any of them."""


class InvalidMessage(MailError, ValueError):
    """A message that cannot be sent as written; raised when it is built, before any sending.

    A malformed address, a header value with a line break or another control character
    (which would let a value add headers of its own: header injection), a header the
    message sets itself given as an extra header, no recipient, or no content.

    Attributes:
        field: the field at fault (``"to"``, ``"subject"``, ``"headers"`` …).
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class MailTemplateNotFound(MailError, LookupError):
    """None of the templates of a mail exists: ``<name>.txt`` or ``<name>.html`` must, and
    ``<name>.subject.txt`` too unless a subject is given.

    Attributes:
        name: the mail's name (``"mail/welcome"``).
        tried: the template names looked for.
    """

    def __init__(self, name: str, tried: Sequence[str], *, what: str = "a body") -> None:
        self.name = name
        self.tried = list(tried)
        super().__init__(
            f"The mail {name!r} has no template for {what}: create "
            f"{' or '.join(repr(t) for t in self.tried)} in a template folder."
        )


class DeliveryError(MailError):
    """The backend could not deliver; nothing about it is silent.

    ``send_many`` goes on after a refusal that concerns one message (refused recipients,
    a refused message) and raises once the batch is done; an error of the connection
    (unreachable server, failed login, timeout) stops the batch at once. Either way the
    error says which messages went out and which did not.

    Attributes:
        message: the message concerned, or ``None`` for an error of the connection itself.
        sent: the messages of the call that were accepted (for at least one recipient).
        unsent: the messages of the call that were not accepted, to retry or report.
        failures: every error of the call, this one first (several for ``send_many``).
    """

    def __init__(self, detail: str, *, message: EmailMessage | None = None) -> None:
        super().__init__(detail)
        self.message = message
        self.sent: list[EmailMessage] = []
        self.unsent: list[EmailMessage] = [] if message is None else [message]
        self.failures: list[DeliveryError] = [self]


class MailConnectionError(DeliveryError):
    """The SMTP server cannot be reached, closed the connection, or TLS could not be set up.

    Check the host and port, and that the TLS settings match the server: implicit TLS
    (``use_tls``, usually port 465) or STARTTLS (``starttls``, usually port 587).
    """


class MailTimeout(MailConnectionError):
    """The SMTP server did not answer within ``timeout`` seconds."""


class MailAuthenticationError(DeliveryError):
    """The SMTP server refused the login, or offers no login on this connection.

    Check the username and password; a server that offers AUTH only over TLS needs
    ``starttls`` or ``use_tls``.
    """


class RecipientsRefused(DeliveryError):
    """The SMTP server refused some or all of a message's recipients.

    When it refused only some, the message went to the others (it is in :attr:`sent`).

    Attributes:
        refused: each refused address → the server's ``(code, reply)``.
        accepted: the addresses the server accepted (empty when it refused them all).
    """

    def __init__(
        self,
        detail: str,
        *,
        message: EmailMessage | None = None,
        refused: Mapping[str, tuple[int, str]],
        accepted: Sequence[str] = (),
    ) -> None:
        super().__init__(detail, message=message)
        self.refused = dict(refused)
        self.accepted = list(accepted)


class MessageRefused(DeliveryError):
    """The SMTP server refused the sender address or the message itself.

    Many servers accept only senders of the account they log in with: check the message's
    ``from_`` or the ``default_from`` setting. A message refused after its content was sent
    may be too large or taken for spam.

    Attributes:
        code: the server's reply code (``550`` …).
        reply: the server's reply text.
    """

    def __init__(
        self, detail: str, *, message: EmailMessage | None = None, code: int, reply: str
    ) -> None:
        super().__init__(detail, message=message)
        self.code = code
        self.reply = reply

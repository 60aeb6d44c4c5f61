"""E-mail: a ``Mailer`` for handlers; SMTP to deliver, console, files or memory to develop and test.

::

    from schooner.contrib.mail import EmailMessage, Mail, Mailer

    app = App(components=[Templates("templates"), Mail(config=settings.mail)])

    @app.post("/signup")
    async def signup(form: SignUp, mailer: Mailer) -> dict[str, str]:
        message = await mailer.render("mail/welcome", {"name": form.name}, to=form.email)
        await mailer.send(message)           # or: EmailMessage(to=..., subject=..., text=...)
        return {"status": "welcome mail sent"}

An :class:`EmailMessage` is checked when it is built: addresses are parsed strictly and no
header value may hold a line break, so what users type cannot add headers. ``render`` turns
``mail/welcome.txt``, ``mail/welcome.html`` (either may be missing) and
``mail/welcome.subject.txt`` into a message, the HTML autoescaped and the text not. The
backend is a setting (``MAIL_BACKEND``): ``smtp`` (aiosmtplib: STARTTLS or implicit TLS,
login, timeouts), ``console`` (the default: prints), ``file`` (one ``.eml`` per message) or
``memory``; production refuses the two that deliver nothing. Failures are raised, never
dropped: see :mod:`~schooner.contrib.mail.exceptions`. Options are the fields of
:class:`MailConfig`; :mod:`~schooner.contrib.mail.testing` reads an app's outbox and starts a
real SMTP server for tests.

The SMTP backend needs the ``mail`` extra: ``pip install 'schooner[mail]'``.
"""

from __future__ import annotations

from schooner.contrib.mail._address import validate_address
from schooner.contrib.mail._backends import ConsoleBackend, FileBackend, MailBackend, MemoryBackend
from schooner.contrib.mail._component import Mail
from schooner.contrib.mail._config import BackendName, MailConfig
from schooner.contrib.mail._mailer import Mailer, MessageFields
from schooner.contrib.mail._message import Attachment, EmailMessage
from schooner.contrib.mail._smtp import SMTPBackend
from schooner.contrib.mail.exceptions import (
    DeliveryError,
    InvalidMessage,
    MailAuthenticationError,
    MailConnectionError,
    MailError,
    MailTemplateNotFound,
    MailTimeout,
    MessageRefused,
    RecipientsRefused,
)

__all__ = [
    "Attachment",
    "BackendName",
    "ConsoleBackend",
    "DeliveryError",
    "EmailMessage",
    "FileBackend",
    "InvalidMessage",
    "Mail",
    "MailAuthenticationError",
    "MailBackend",
    "MailConfig",
    "MailConnectionError",
    "MailError",
    "MailTemplateNotFound",
    "MailTimeout",
    "Mailer",
    "MemoryBackend",
    "MessageFields",
    "MessageRefused",
    "RecipientsRefused",
    "SMTPBackend",
    "validate_address",
]

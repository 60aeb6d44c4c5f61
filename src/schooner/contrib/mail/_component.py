"""The ``Mail`` component: a ``Mailer`` for handlers, its backend chosen by the settings."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Unpack

from schooner.contrib.mail._backends import ConsoleBackend, FileBackend, MailBackend, MemoryBackend
from schooner.contrib.mail._config import BackendName, MailConfig, MailOptions
from schooner.contrib.mail._mailer import Mailer
from schooner.contrib.mail._smtp import SMTPBackend
from schooner.contrib.mail.exceptions import InvalidMessage
from schooner.exceptions import HTTPException, ImproperlyConfigured
from schooner.http import ProblemResponse, Request

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["Mail", "backend_from_config"]

logger = logging.getLogger("schooner.mail")

_DEV_BACKENDS = ("console", "memory")


class Mail:
    """E-mail as a component: ``App(components=[Mail(config=settings.mail)])``.

    Handlers ask for a :class:`Mailer` by type (``mailer: Mailer``). The backend is named
    by the settings (``MAIL_BACKEND=smtp``) or given as an object of your own; options are
    the fields of :class:`MailConfig`, as ``config=`` or keywords (which win)::

        Mail("smtp", host="smtp.example.com", starttls=True, username="app",
             password=Secret("..."), default_from="Example <noreply@example.com>")
        Mail(config=settings.mail)
        Mail(MyApiBackend(), default_from="noreply@example.com")

    Production refuses the ``console`` and ``memory`` backends, which deliver nothing,
    unless ``allow_dev_backends=True``. An :class:`InvalidMessage` that escapes a handler
    (an address a user typed) is answered ``422`` with a problem document; a handler you
    register for it wins.

    Args:
        backend: ``"smtp"``, ``"console"``, ``"file"``, ``"memory"``, or a
            :class:`MailBackend` object.
        config: every option at once, e.g. a block of the project's settings.
        **options: fields of :class:`MailConfig` (``host``, ``default_from`` …).

    Raises:
        ImproperlyConfigured: an option is unknown or invalid.
        MissingDependency: the SMTP backend without aiosmtplib (``schooner[mail]``).
    """

    name = "mail"

    def __init__(
        self,
        backend: BackendName | MailBackend | None = None,
        *,
        config: MailConfig | None = None,
        **options: Unpack[MailOptions],
    ) -> None:
        values: dict[str, object] = dict(options)
        custom: MailBackend | None = None
        if isinstance(backend, str):
            values["backend"] = backend
        elif backend is not None:
            if not isinstance(backend, MailBackend):
                raise ImproperlyConfigured(
                    f"Mail: {backend!r} is not a mail backend: it needs an async "
                    "send_messages(messages) method. Or name one: 'smtp', 'console', 'file', "
                    "'memory'."
                )
            custom = backend
        self.config = MailConfig.build(config, values, owner="Mail")
        self.custom_backend = custom is not None
        config_ = self.config
        self.mailer = Mailer(
            custom if custom is not None else backend_from_config(config_),
            default_from=config_.default_from,
            base_url=config_.base_url,
        )

    @property
    def backend(self) -> MailBackend:
        """The backend the mailer sends through (the mailer's, which tests may replace)."""
        return self.mailer.backend

    def setup(self, app: App) -> None:
        """Provide ``Mailer`` to handlers; answer ``InvalidMessage`` with 422.

        Raises:
            ImproperlyConfigured: a backend that delivers nothing, in production.
        """
        self._check_environment(app)
        self.mailer.app = app
        app.provide(Mailer, self._provide, scope="app")
        app.add_exception_handler(InvalidMessage, _invalid_message, replace=False)

    def _provide(self) -> Mailer:
        return self.mailer

    def _check_environment(self, app: App) -> None:
        if not app.settings.is_production:
            return
        config = self.config
        if not self.custom_backend and config.backend in _DEV_BACKENDS:
            if not config.allow_dev_backends:
                raise ImproperlyConfigured(
                    f"Mail: the {config.backend} backend delivers no mail, and this is "
                    "production. Set MAIL_BACKEND=smtp (with MAIL_HOST …), or "
                    "allow_dev_backends=True if this is deliberate."
                )
            logger.warning(
                "Mail: the %s backend is on in production: no mail is delivered.",
                config.backend,
            )
        if config.backend == "smtp" and not config.validate_certs:
            logger.warning(
                "Mail: validate_certs is off in production: the SMTP server's certificate is "
                "not checked, so anyone on the way can read the mail and the password."
            )


def backend_from_config(config: MailConfig) -> MailBackend:
    """The built-in backend a config names, set up with its options."""
    if config.backend == "smtp":
        return SMTPBackend(
            config.host,
            config.port,
            username=config.username,
            password=config.password,
            starttls=config.starttls,
            use_tls=config.use_tls,
            timeout=config.timeout,
            local_hostname=config.local_hostname,
            validate_certs=config.validate_certs,
            ca_file=config.ca_file,
        )
    if config.backend == "file":
        return FileBackend(config.file_path or "")
    if config.backend == "memory":
        return MemoryBackend()
    return ConsoleBackend()


async def _invalid_message(request: Request, exc: InvalidMessage) -> ProblemResponse:
    extra = {"field": exc.field} if exc.field else None
    problem = HTTPException(422, detail=str(exc), extra=extra).to_problem()
    return ProblemResponse(problem, status_code=422)

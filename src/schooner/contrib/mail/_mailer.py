"""``Mailer``: sends messages through a backend, and renders them from templates."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from schooner.contrib.mail._address import parse_address
from schooner.contrib.mail._backends import MailBackend
from schooner.contrib.mail._message import Attachment, EmailMessage
from schooner.contrib.mail.exceptions import MailTemplateNotFound
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    import jinja2

    from schooner.app import App
    from schooner.contrib.templates import Templates
    from schooner.http import Request

__all__ = ["Mailer", "MessageFields"]


class MessageFields(TypedDict, total=False):
    """The fields of :class:`EmailMessage` that :meth:`Mailer.render` passes on."""

    to: str | Sequence[str]
    cc: str | Sequence[str]
    bcc: str | Sequence[str]
    subject: str
    from_: str | None
    reply_to: str | Sequence[str]
    attachments: Sequence[Attachment]
    headers: Mapping[str, str]


class Mailer:
    """Sends e-mail: handlers ask for it by type (``mailer: Mailer``) once ``Mail()`` is on.

    ::

        @app.post("/invite")
        async def invite(form: Invite, mailer: Mailer) -> dict[str, str]:
            message = await mailer.render("mail/invite", {"name": form.name}, to=form.email)
            await mailer.send(message)
            return {"status": "sent"}

    ``send`` and ``send_many`` return once the backend has taken every message and raise a
    :class:`~schooner.contrib.mail.exceptions.DeliveryError` otherwise; nothing is dropped
    silently. Messages without a sender get ``default_from``; each gets a ``Message-ID``
    and a ``Date`` unless it has its own.

    Args:
        backend: what delivers the messages; :attr:`backend` may be replaced later (tests).
        default_from: the sender of messages that name none.
        base_url: where the site is (``https://example.com``), for ``url_for`` in templates.
        app: the app whose ``Templates`` component renders mail (set by ``Mail``).
    """

    def __init__(
        self,
        backend: MailBackend,
        *,
        default_from: str | None = None,
        base_url: str | None = None,
        app: App | None = None,
    ) -> None:
        self.backend = backend
        self.default_from = None if default_from is None else str(parse_address(default_from))
        self.base_url = None if base_url is None else base_url.rstrip("/")
        self.app = app
        self._text_env: tuple[jinja2.Environment, jinja2.Environment] | None = None

    def __repr__(self) -> str:
        return f"Mailer({self.backend!r})"

    # -- sending ------------------------------------------------------------------------------

    async def send(self, message: EmailMessage) -> None:
        """Send one message.

        Raises:
            DeliveryError: the backend did not take it (a subclass says why).
            ImproperlyConfigured: it has no sender and there is no ``default_from``.
        """
        await self.send_many([message])

    async def send_many(self, messages: Iterable[EmailMessage]) -> None:
        """Send several messages at once: over one connection, with the SMTP backend.

        Every message is checked first (a missing sender fails before anything is sent).
        A refusal that concerns one message does not stop the others; the error raised at
        the end lists what was sent (``sent``), what was not (``unsent``) and every
        failure (``failures``).

        Raises:
            DeliveryError: some messages were not delivered.
            ImproperlyConfigured: a message has no sender and there is no ``default_from``.
        """
        finished = [self.finish(message) for message in messages]
        if finished:
            await self.backend.send_messages(finished)

    def finish(self, message: EmailMessage) -> EmailMessage:
        """The message as it will be sent: with a sender, a ``Message-ID`` and a ``Date``.

        Raises:
            ImproperlyConfigured: it has no sender and there is no ``default_from``.
        """
        if not isinstance(message, EmailMessage):
            raise TypeError(f"Mailer sends EmailMessage objects, not {type(message).__name__}.")
        sender = message.from_ or self.default_from
        if sender is None:
            raise ImproperlyConfigured(
                "This message has no sender: pass from_=... or set the mail setting "
                "default_from (MAIL_DEFAULT_FROM)."
            )
        if message.from_ and message.message_id and message.date:
            return message
        domain = parse_address(sender).domain
        return dataclasses.replace(
            message,
            from_=sender,
            message_id=message.message_id or make_msgid(domain=domain),
            date=message.date or datetime.now(UTC),
        )

    # -- templates ----------------------------------------------------------------------------

    async def render(
        self,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        request: Request | None = None,
        **fields: Unpack[MessageFields],
    ) -> EmailMessage:
        """Build a message from the templates ``<name>.txt``, ``<name>.html`` and
        ``<name>.subject.txt``, rendered with the app's ``Templates`` component.

        Either body may be missing, not both; the subject template is needed unless
        ``subject=`` is given, and its lines are joined into one. The HTML body is
        autoescaped like any page; the text body and the subject are not (they are not
        HTML: ``&`` stays ``&``). Templates see ``context``, ``url_for(name, **params)``
        (absolute, from ``base_url``) and, with ``request``, what every page sees.

        Args:
            name: the mail's templates without extension, ``"mail/welcome"``.
            context: values for the templates.
            request: the current request, for the context processors (optional).
            **fields: the message's other fields (``to``, ``cc``, ``attachments`` …).

        Raises:
            MailTemplateNotFound: neither body template exists, or no subject template.
            ImproperlyConfigured: the app has no ``Templates`` component.
            InvalidMessage: the result is not a valid message (see :class:`EmailMessage`).
        """
        templates = self._templates()
        html_env = templates.env
        text_env = self._text_environment(html_env)
        values = await self._context(templates, request, context or {})
        text = await _render(text_env, f"{name}.txt", values)
        html = await _render(html_env, f"{name}.html", values)
        if text is None and html is None:
            raise MailTemplateNotFound(name, [f"{name}.txt", f"{name}.html"])
        options: dict[str, Any] = dict(fields)
        if "subject" not in options:
            subject = await _render(text_env, f"{name}.subject.txt", values)
            if subject is None:
                raise MailTemplateNotFound(
                    name, [f"{name}.subject.txt"], what="the subject (or pass subject=...)"
                )
            # One line: a template ends with a newline, and nothing may break the header.
            options["subject"] = " ".join(subject.split())
        return EmailMessage(text=text, html=html, **options)

    def _templates(self) -> Templates:
        from schooner.contrib.templates import Templates

        templates = self.app.component(Templates) if self.app is not None else None
        if templates is None:
            raise ImproperlyConfigured(
                "Rendering mail needs the Templates component: "
                "App(components=[Templates('templates'), Mail(...)])."
            )
        return templates

    def _text_environment(self, env: jinja2.Environment) -> jinja2.Environment:
        """The templates' environment with autoescaping off, for the text part and subject.

        An overlay shares the loader, globals, filters and extensions, and starts with an
        empty template cache of its own (Jinja2 copies none): a ``.txt`` template that the
        page environment compiled, escaping, is compiled again here, without.
        """
        if self._text_env is None or self._text_env[0] is not env:
            self._text_env = (env, env.overlay(autoescape=False))
        return self._text_env[1]

    async def _context(
        self, templates: Templates, request: Request | None, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        context = dict(await templates.context(request, {})) if request is not None else {}
        context["url_for"] = self.url_for
        context.update(values)
        return context

    def url_for(self, name: str, /, **params: Any) -> str:
        """The absolute URL of a named route: ``base_url`` + its path.

        Raises:
            ImproperlyConfigured: no ``base_url`` is set, or the mailer has no app.
            LookupError: no route has that name.
        """
        if self.base_url is None or self.app is None:
            raise ImproperlyConfigured(
                "Links in mail must be absolute: set the mail setting base_url "
                "(MAIL_BASE_URL=https://example.com) for url_for in mail templates."
            )
        return self.base_url + self.app.url_path_for(name, **params)


async def _render(env: jinja2.Environment, name: str, values: Mapping[str, Any]) -> str | None:
    import jinja2

    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound:
        return None  # only this name: a missing include fails while rendering, not here
    if env.is_async:
        return await template.render_async(values)
    return template.render(values)

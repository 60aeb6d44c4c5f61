"""Account mail: links to the account pages, and mail sent after the response (part of
``Auth``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from schooner.contrib.auth._config import AuthConfig
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.contrib.mail import Mail

__all__ = ["AccountMail"]

logger = logging.getLogger("schooner.auth")

_LINK_PATHS = {
    "verify_email": "/verify-email/{token}",
    "password_reset": "/password-reset",
    "password_reset_confirm": "/password-reset/{token}",
    "email_change_confirm": "/email-change/{token}",
}


class AccountMail:
    """The part of ``Auth`` that mails (a mixin; ``Auth`` provides the attributes declared
    here)."""

    config: AuthConfig
    _mail: Mail | None
    _pending: set[asyncio.Task[None]]

    def _check_mail(self, app: App, mail: Mail) -> None:
        """Account mail needs a sender and absolute links: required in production,
        development defaults (with a warning) otherwise."""
        mailer = mail.mailer
        missing = []
        if mailer.default_from is None:
            missing.append("default_from (MAIL_DEFAULT_FROM=Site <noreply@example.com>)")
        if mailer.base_url is None and self.config.link_base is None:
            missing.append("base_url (MAIL_BASE_URL=https://example.com)")
        if not missing:
            return
        if app.settings.is_production:
            raise ImproperlyConfigured(
                "Auth sends account mail, which needs the mail settings " + " and ".join(missing)
            )
        if mailer.default_from is None:
            mailer.default_from = "webmaster@localhost"
        if mailer.base_url is None:
            mailer.base_url = "http://127.0.0.1:8000"
        logger.warning(
            "Account mail uses development defaults for: %s. Set them before deploying.",
            ", ".join(missing),
        )

    def absolute_url(self, page: str, **params: str) -> str:
        """The absolute address of an account page for a link in mail."""
        path = _LINK_PATHS[page].format(**params)
        if self.config.link_base is not None:
            return self.config.link_base.rstrip("/") + path
        base = self._mail.mailer.base_url if self._mail is not None else None
        return (base or "") + self.config.prefix + path

    def send_mail_later(self, template: str, context: dict[str, Any], *, to: str) -> None:
        """Render and send a mail in the background, after the response.

        The time a response takes then does not depend on whether a mail went out (which
        would tell who has an account). Failures are logged with the traceback.
        """

        async def deliver() -> None:
            await self.deliver_mail(template, context, to=to)

        self.run_later(deliver)

    async def deliver_mail(self, template: str, context: dict[str, Any], *, to: str) -> None:
        """Render the account mail ``template`` and send it now.

        Raises:
            ImproperlyConfigured: the app has no ``Mail`` component.
        """
        if self._mail is None:
            raise ImproperlyConfigured("Auth needs Mail() to send account mail.")
        mailer = self._mail.mailer
        message = await mailer.render(template, context, to=[to])
        await mailer.send(message)

    def run_later(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work()`` in the background (mail, audit rows that must not slow the
        answer); an exception is logged with its traceback, never lost silently."""

        async def guarded() -> None:
            try:
                await work()
            except Exception:
                logger.exception("Background account work %r failed", work)

        task = asyncio.get_running_loop().create_task(guarded())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain_mail(self) -> None:
        """Wait until the background work (mail queued by :meth:`send_mail_later`, …) is
        done: tests, and shutdown."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

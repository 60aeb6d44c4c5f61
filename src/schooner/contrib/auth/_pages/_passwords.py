"""The password pages: a forgotten one (a link by mail, then a new one), and a change.

A reset link's token goes into the session at once and the browser is sent on to
``/password-reset/set``, so the token leaves the address bar (and the ``Referer`` of
whatever that page loads), as Django does. A new password ends every other session.
"""

from __future__ import annotations

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._pages._base import (
    Pages,
    User,
    ask_for_link,
    redirect,
    rejected,
    repeated,
)
from schooner.contrib.auth.exceptions import InvalidCredentials, InvalidToken, PasswordRejected
from schooner.contrib.sessions import Flash, Session
from schooner.http import Request, Response

__all__ = ["RESET_TOKEN_KEY", "password_change", "password_reset"]

RESET_TOKEN_KEY = "_auth_reset_token"
"""Session key of the reset link's token between the link and the new-password form
(``_auth`` keys do not survive a sign-in)."""


def password_reset(p: Pages) -> None:
    """A forgotten password: ask for a link, then set a new one."""
    ask_for_link(p, "/password-reset", "password_reset", Accounts.request_password_reset)

    @p.get("/password-reset/set", "password_reset_set")
    async def set_password_page(session: Session, accounts: Accounts) -> Response:
        """The new-password form, for the link whose token the session holds."""
        try:
            await accounts.check_reset_token(_reset_token(session))
        except InvalidToken as exc:
            return _dead_link(p, session, exc)
        return p.page("password_reset_set", {"form": p.set_password_form()})

    @p.post("/password-reset/set", "password_reset_set")
    async def set_password(
        request: Request, session: Session, accounts: Accounts, flash: Flash
    ) -> Response:
        """Set the new password; the link is void afterwards, and so is every session."""
        form = await p.set_password_form.from_request(request)
        if repeated(form):
            try:
                await accounts.reset_password(_reset_token(session), form.new_password)
            except InvalidToken as exc:
                return _dead_link(p, session, exc)
            except PasswordRejected as exc:
                rejected(form, "new_password", exc)
        if not form.is_valid:
            return p.page("password_reset_set", {"form": form}, 422)
        session.pop(RESET_TOKEN_KEY, None)
        flash.success("Your password has been changed. You can sign in with it now.")
        return redirect(request.url_for("auth:login"))

    @p.get("/password-reset/{token}", "password_reset_confirm")
    async def reset_link(request: Request, token: str, session: Session) -> Response:
        """Keep the link's token in the session and go on to the form without it."""
        session[RESET_TOKEN_KEY] = token
        response = redirect(request.url_for("auth:password_reset_set"))
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _reset_token(session: Session) -> str:
    """The reset link's token the session holds (``""``, refused as invalid, if none)."""
    token = session.get(RESET_TOKEN_KEY)
    return token if isinstance(token, str) else ""


def _dead_link(p: Pages, session: Session, exc: InvalidToken) -> Response:
    """The new-password page saying why the link is dead; its token leaves the session."""
    session.pop(RESET_TOKEN_KEY, None)
    return p.page("password_reset_set", {"error": str(exc)}, 400)


def password_change(p: Pages) -> None:
    """Change the password (signed in)."""

    @p.get("/password", "password_change", guarded=True)
    async def change_page() -> Response:
        """The change-password form."""
        return p.page("password_change", {"form": p.change_form()})

    @p.post("/password", "password_change", guarded=True)
    async def change(request: Request, user: User, accounts: Accounts, flash: Flash) -> Response:
        """Change the password; other sessions end, this one stays."""
        form = await p.change_form.from_request(request)
        status = 422
        if repeated(form):
            try:
                await accounts.change_password(user, form.current_password, form.new_password)
            except InvalidCredentials as exc:
                form.add_error("current_password", str(exc))
                status = 400
            except PasswordRejected as exc:
                rejected(form, "new_password", exc)
        if not form.is_valid:
            return p.page("password_change", {"form": form}, status)
        flash.success("Your password has been changed. Other devices have been signed out.")
        return redirect(request.url_for("auth:account"))

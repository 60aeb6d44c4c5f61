"""The pages that get someone into an account: sign in and out, sign up, verify the address.

A sign-in with a second factor enrolled goes on to ``/mfa`` (the second-factor pages),
keeping ``next``. Registration answers the same whether or not the address had an account.
"""

from __future__ import annotations

from urllib.parse import quote

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._identity import Identity
from schooner.contrib.auth._pages._base import (
    BAD_EMAIL,
    Pages,
    ask_for_link,
    redirect,
    rejected,
    use_link,
)
from schooner.contrib.auth._pages._forms import LoginForm, check_text
from schooner.contrib.auth.exceptions import (
    EmailNotVerified,
    InvalidCredentials,
    LoginThrottled,
    PasswordRejected,
)
from schooner.contrib.mail import InvalidMessage
from schooner.contrib.sessions import Flash
from schooner.http import Request, Response

__all__ = ["registration", "sign_in", "verification"]


def sign_in(p: Pages) -> None:
    """Sign in and sign out."""

    @p.get("/login", "login")
    async def login_page(identity: Identity, next: str | None = None) -> Response:
        """The sign-in form; a signed-in user goes on to ``next`` at once."""
        if identity.user is not None:
            return redirect(p.auth.next_or_default(next))
        return p.page("login", {"form": LoginForm(), "next": p.safe_next(next)})

    @p.post("/login", "login")
    async def login(
        request: Request, form: LoginForm, accounts: Accounts, next: str | None = None
    ) -> Response:
        """Sign in, then go to ``next`` (a local path) or the default page."""
        context = {"form": form, "next": p.safe_next(next)}
        check_text(form, "email")
        if not form.is_valid:
            return p.page("login", context, 422)
        try:
            user = await accounts.authenticate(form.email, form.password)
        except LoginThrottled as exc:
            form.add_error(None, str(exc.detail))
            return p.page("login", context, 429, exc.headers)
        except EmailNotVerified as exc:
            form.add_error(None, str(exc))
            return p.page("login", {**context, "unverified": True}, 400)
        except InvalidCredentials as exc:
            form.add_error(None, str(exc))
            return p.page("login", context, 400)
        if not await accounts.login(user):
            # A second factor is enrolled: its page finishes the sign-in.
            second = str(request.scope.get("root_path", "")) + p.config.prefix + "/mfa"
            target = p.safe_next(next)
            return redirect(second + ("?next=" + quote(target, safe="") if target else ""))
        return redirect(p.auth.next_or_default(next))

    @p.get("/logout", "logout")
    async def logout_page(identity: Identity) -> Response:
        """A button that signs out (a GET never does: a link or an image could)."""
        return p.page("logout", {"signed_in": identity.user is not None})

    @p.post("/logout", "logout")
    async def logout(accounts: Accounts) -> Response:
        """Sign out of this browser; the session is deleted on the server."""
        await accounts.logout()
        return redirect(p.config.logout_redirect)


def registration(p: Pages) -> None:
    """Sign up (when the app allows it)."""
    if p.config.registration:

        @p.get("/register", "register")
        async def register_page() -> Response:
            """The sign-up form, with the password rules."""
            return p.page("register", {"form": p.register_form()})

        @p.post("/register", "register")
        async def register(request: Request, accounts: Accounts, flash: Flash) -> Response:
            """Open an account; the same answer whether or not the address had one."""
            form = await p.register_form.from_request(request)
            check_text(form, "email")
            if form.is_valid:
                try:
                    await accounts.register(form.email, form.password)
                except InvalidMessage:
                    form.add_error("email", BAD_EMAIL)
                except PasswordRejected as exc:
                    rejected(form, "password", exc)
            if not form.is_valid:
                return p.page("register", {"form": form}, 422)
            flash.info(
                "Thank you. We have sent a link to your address: follow it to confirm the "
                "address, then sign in."
            )
            return redirect(request.url_for("auth:login"))


def verification(p: Pages) -> None:
    """Confirm an address from the mailed link, or ask for a new link."""
    ask_for_link(p, "/verify-email/resend", "resend_verification", Accounts.resend_verification)
    use_link(
        p,
        "/verify-email/{token}",
        "verify_email",
        Accounts.verify_email,
        done="Your e-mail address is verified.",
        done_signed_out="Your e-mail address is verified. You can sign in now.",
    )

"""The account pages: server-rendered forms for every flow of the ``Accounts`` service.

Mounted under ``AuthConfig.prefix`` (``/accounts``) in the ``auth`` namespace, so
``url_for("auth:login")`` finds them. Each page is a GET that shows a form and a POST that
calls the service and redirects (with a flash message), or shows the form again with what
went wrong: ``422`` for input to fix, ``400`` for wrong credentials or a dead link, ``429``
while sign-in is throttled. Nothing says whether an address has an account.

Links in mail never act on a GET (mail scanners fetch them): the verification and
e-mail-change pages show a button that posts, and a reset link's token goes into the
session at once and the browser is sent on to ``/password-reset/set``, so the token
leaves the address bar (and the ``Referer`` of whatever that page loads) as Django does.

Templates are ``auth/<page>.html``, extending ``auth/base.html``; a project restyles them
by putting files with the same names in its own template folder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import quote

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._guards import login_required
from schooner.contrib.auth._identity import Identity, current_user
from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth._page_forms import (
    DeleteForm,
    EmailChangeForm,
    EmailForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    SetPasswordForm,
    check_text,
    with_password_help,
)
from schooner.contrib.auth._validators import password_help_texts
from schooner.contrib.auth.exceptions import (
    EmailNotVerified,
    InvalidCredentials,
    InvalidToken,
    LoginThrottled,
    PasswordRejected,
)
from schooner.contrib.forms import Form
from schooner.contrib.mail import InvalidMessage
from schooner.contrib.sessions import Flash, Session
from schooner.contrib.templates import TemplateResponse
from schooner.di import Inject
from schooner.http import RedirectResponse, Request, Response
from schooner.routing import Router

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = ["RESET_TOKEN_KEY", "pages_router"]

User = Annotated[AbstractUser, Inject(current_user)]
H = TypeVar("H", bound=Callable[..., Any])

RESET_TOKEN_KEY = "_auth_reset_token"
"""Session key of the reset link's token between the link and the new-password form
(``_auth`` keys do not survive a sign-in)."""

# Pages whose address holds a token: the browser must not pass it on to another site.
NO_REFERRER = {"Referrer-Policy": "no-referrer"}

SENT = "If this address has an account, we have sent it a message: check your inbox."
BAD_EMAIL = "Enter a valid e-mail address, such as name@example.com."
MISMATCH = "The two passwords do not match."


def page(
    name: str,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> TemplateResponse:
    """The template ``auth/<name>.html`` as a response."""
    return TemplateResponse(f"auth/{name}.html", context, status_code=status, headers=headers)


def redirect(url: str) -> RedirectResponse:
    """See other: the browser GETs ``url`` (the answer to a form post)."""
    return RedirectResponse(url, 303)


def rejected(form: Form, field: str, exc: PasswordRejected) -> None:
    """Every reason a new password was refused, as errors of ``field``."""
    for message in exc.messages:
        form.add_error(field, message)


def repeated(form: Form) -> bool:
    """Whether the new password was typed the same twice (an error on the second if not)."""
    if form.is_valid and form.cleaned["new_password"] != form.cleaned["new_password2"]:
        form.add_error("new_password2", MISMATCH)
    return form.is_valid


def pages_router(auth: Auth) -> Router:
    """Every account page (route names in the ``auth`` namespace, as the module says)."""
    router = Router(tags=["accounts"])
    help_text = " ".join(password_help_texts(auth.validators))
    register_form = with_password_help(RegisterForm, help_text)
    set_password_form = with_password_help(SetPasswordForm, help_text)
    change_form = with_password_help(PasswordChangeForm, help_text)
    config = auth.config
    common = {"registration": config.registration}

    def get(path: str, name: str, *, guarded: bool = False) -> Callable[[H], H]:
        # Pages are HTML for people, not operations for the OpenAPI document.
        meta = [login_required] if guarded else []
        return router.get(path, name=name, meta=meta, include_in_schema=False)

    def post(path: str, name: str, *, guarded: bool = False) -> Callable[[H], H]:
        meta = [login_required] if guarded else []
        return router.post(path, name=name, meta=meta, include_in_schema=False)

    def safe_next(target: str | None) -> str | None:
        return target if target and auth.is_safe_next(target) else None

    @get("/", "account", guarded=True)
    async def account(user: User) -> Response:
        """The signed-in user's overview, linking to every account page."""
        return page("account", {**common, "user": user})

    # -- sign-in and sign-out ---------------------------------------------------------------

    @get("/login", "login")
    async def login_page(identity: Identity, next: str | None = None) -> Response:
        """The sign-in form; a signed-in user goes on to ``next`` at once."""
        if identity.user is not None:
            return redirect(auth.next_or_default(next))
        return page("login", {**common, "form": LoginForm(), "next": safe_next(next)})

    @post("/login", "login")
    async def login(
        request: Request, form: LoginForm, accounts: Accounts, next: str | None = None
    ) -> Response:
        """Sign in, then go to ``next`` (a local path) or the default page."""
        context = {**common, "form": form, "next": safe_next(next)}
        check_text(form, "email")
        if not form.is_valid:
            return page("login", context, 422)
        try:
            user = await accounts.authenticate(form.email, form.password)
        except LoginThrottled as exc:
            form.add_error(None, str(exc.detail))
            return page("login", context, 429, exc.headers)
        except EmailNotVerified as exc:
            form.add_error(None, str(exc))
            return page("login", {**context, "unverified": True}, 400)
        except InvalidCredentials as exc:
            form.add_error(None, str(exc))
            return page("login", context, 400)
        if not await accounts.login(user):
            # A second factor is enrolled: its page finishes the sign-in.
            second = str(request.scope.get("root_path", "")) + config.prefix + "/mfa"
            target = safe_next(next)
            return redirect(second + ("?next=" + quote(target, safe="") if target else ""))
        return redirect(auth.next_or_default(next))

    @get("/logout", "logout")
    async def logout_page(identity: Identity) -> Response:
        """A button that signs out (a GET never does: a link or an image could)."""
        return page("logout", {**common, "signed_in": identity.user is not None})

    @post("/logout", "logout")
    async def logout(accounts: Accounts) -> Response:
        """Sign out of this browser; the session is deleted on the server."""
        await accounts.logout()
        return redirect(config.logout_redirect)

    # -- registration and verification ------------------------------------------------------

    if config.registration:

        @get("/register", "register")
        async def register_page() -> Response:
            """The sign-up form, with the password rules."""
            return page("register", {**common, "form": register_form()})

        @post("/register", "register")
        async def register(request: Request, accounts: Accounts, flash: Flash) -> Response:
            """Open an account; the same answer whether or not the address had one."""
            form = await register_form.from_request(request)
            check_text(form, "email")
            if form.is_valid:
                try:
                    await accounts.register(form.email, form.password)
                except InvalidMessage:
                    form.add_error("email", BAD_EMAIL)
                except PasswordRejected as exc:
                    rejected(form, "password", exc)
            if not form.is_valid:
                return page("register", {**common, "form": form}, 422)
            flash.info(
                "Thank you. We have sent a link to your address: follow it to confirm the "
                "address, then sign in."
            )
            return redirect(request.url_for("auth:login"))

    @get("/verify-email/resend", "resend_verification")
    async def resend_page() -> Response:
        """Ask for a new verification link."""
        return page("resend_verification", {**common, "form": EmailForm()})

    @post("/verify-email/resend", "resend_verification")
    async def resend(
        request: Request, form: EmailForm, accounts: Accounts, flash: Flash
    ) -> Response:
        """Mail a new link if the address has an unverified account; the same answer always."""
        check_text(form, "email")
        if not form.is_valid:
            return page("resend_verification", {**common, "form": form}, 422)
        await accounts.resend_verification(form.email)
        flash.info(SENT)
        return redirect(request.url_for("auth:login"))

    @get("/verify-email/{token}", "verify_email")
    async def verify_page(token: str) -> Response:
        """A button that confirms the address (the link alone does not: scanners follow it)."""
        return page("verify_email", {**common, "token": token}, headers=NO_REFERRER)

    @post("/verify-email/{token}", "verify_email")
    async def verify(
        request: Request, token: str, accounts: Accounts, identity: Identity, flash: Flash
    ) -> Response:
        """Mark the address verified (the link works once)."""
        try:
            await accounts.verify_email(token)
        except InvalidToken as exc:
            context = {**common, "token": token, "error": str(exc)}
            return page("verify_email", context, 400, NO_REFERRER)
        if identity.user is not None:
            flash.success("Your e-mail address is verified.")
            return redirect(request.url_for("auth:account"))
        flash.success("Your e-mail address is verified. You can sign in now.")
        return redirect(request.url_for("auth:login"))

    # -- password reset -----------------------------------------------------------------------

    @get("/password-reset", "password_reset")
    async def reset_page() -> Response:
        """Ask for a link to choose a new password."""
        return page("password_reset", {**common, "form": EmailForm()})

    @post("/password-reset", "password_reset")
    async def reset(
        request: Request, form: EmailForm, accounts: Accounts, flash: Flash
    ) -> Response:
        """Mail a reset link if the address has an account; the same answer always."""
        check_text(form, "email")
        if not form.is_valid:
            return page("password_reset", {**common, "form": form}, 422)
        await accounts.request_password_reset(form.email)
        flash.info(SENT)
        return redirect(request.url_for("auth:login"))

    @get("/password-reset/set", "password_reset_set")
    async def set_password_page(session: Session, accounts: Accounts) -> Response:
        """The new-password form, for the link whose token the session holds."""
        token = session.get(RESET_TOKEN_KEY)
        try:
            await accounts.check_reset_token(token if isinstance(token, str) else "")
        except InvalidToken as exc:
            session.pop(RESET_TOKEN_KEY, None)
            return page("password_reset_set", {**common, "error": str(exc)}, 400)
        return page("password_reset_set", {**common, "form": set_password_form()})

    @post("/password-reset/set", "password_reset_set")
    async def set_password(
        request: Request, session: Session, accounts: Accounts, flash: Flash
    ) -> Response:
        """Set the new password; the link is void afterwards, and so is every session."""
        form = await set_password_form.from_request(request)
        token = session.get(RESET_TOKEN_KEY)
        if repeated(form):
            try:
                await accounts.reset_password(
                    token if isinstance(token, str) else "", form.new_password
                )
            except InvalidToken as exc:
                session.pop(RESET_TOKEN_KEY, None)
                return page("password_reset_set", {**common, "error": str(exc)}, 400)
            except PasswordRejected as exc:
                rejected(form, "new_password", exc)
        if not form.is_valid:
            return page("password_reset_set", {**common, "form": form}, 422)
        session.pop(RESET_TOKEN_KEY, None)
        flash.success("Your password has been changed. You can sign in with it now.")
        return redirect(request.url_for("auth:login"))

    @get("/password-reset/{token}", "password_reset_confirm")
    async def reset_link(request: Request, token: str, session: Session) -> Response:
        """Keep the link's token in the session and go on to the form without it."""
        session[RESET_TOKEN_KEY] = token
        response = redirect(request.url_for("auth:password_reset_set"))
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # -- signed-in pages ------------------------------------------------------------------------

    @get("/password", "password_change", guarded=True)
    async def change_page() -> Response:
        """The change-password form."""
        return page("password_change", {**common, "form": change_form()})

    @post("/password", "password_change", guarded=True)
    async def change(request: Request, user: User, accounts: Accounts, flash: Flash) -> Response:
        """Change the password; other sessions end, this one stays."""
        form = await change_form.from_request(request)
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
            return page("password_change", {**common, "form": form}, status)
        flash.success("Your password has been changed. Other devices have been signed out.")
        return redirect(request.url_for("auth:account"))

    @get("/email", "email_change", guarded=True)
    async def email_page(user: User) -> Response:
        """The change-address form."""
        return page("email_change", {**common, "form": EmailChangeForm(), "user": user})

    @post("/email", "email_change", guarded=True)
    async def email(
        request: Request, form: EmailChangeForm, user: User, accounts: Accounts, flash: Flash
    ) -> Response:
        """Mail a confirmation link to the new address; nothing changes until it is used."""
        status = 422
        check_text(form, "email")
        if form.is_valid:
            try:
                await accounts.request_email_change(user, form.email, form.password)
            except InvalidCredentials as exc:
                form.add_error("password", str(exc))
                status = 400
            except InvalidMessage:
                form.add_error("email", BAD_EMAIL)
        if not form.is_valid:
            return page("email_change", {**common, "form": form, "user": user}, status)
        flash.info(
            "We have sent a link to the new address. Your address changes when you follow it."
        )
        return redirect(request.url_for("auth:account"))

    @get("/email-change/{token}", "email_change_confirm")
    async def email_confirm_page(token: str) -> Response:
        """A button that switches to the new address (a GET alone does not)."""
        return page("email_change_confirm", {**common, "token": token}, headers=NO_REFERRER)

    @post("/email-change/{token}", "email_change_confirm")
    async def email_confirm(
        request: Request, token: str, accounts: Accounts, identity: Identity, flash: Flash
    ) -> Response:
        """Switch to the new address (the link works once)."""
        try:
            await accounts.confirm_email_change(token)
        except InvalidToken as exc:
            context = {**common, "token": token, "error": str(exc)}
            return page("email_change_confirm", context, 400, NO_REFERRER)
        flash.success("Your e-mail address has been changed.")
        target = "auth:account" if identity.user is not None else "auth:login"
        return redirect(request.url_for(target))

    @get("/sign-out-everywhere", "sign_out_everywhere", guarded=True)
    async def everywhere_page() -> Response:
        """A button that ends every other session."""
        return page("sign_out_everywhere", common)

    @post("/sign-out-everywhere", "sign_out_everywhere", guarded=True)
    async def everywhere(
        request: Request, user: User, accounts: Accounts, flash: Flash
    ) -> Response:
        """End every other session and token of the account; this one stays."""
        await accounts.sign_out_everywhere(user)
        flash.success("You have been signed out on every other device.")
        return redirect(request.url_for("auth:account"))

    @get("/delete", "delete_account", guarded=True)
    async def delete_page() -> Response:
        """The delete-account form (the password confirms it)."""
        return page("delete_account", {**common, "form": DeleteForm()})

    @post("/delete", "delete_account", guarded=True)
    async def delete(form: DeleteForm, user: User, accounts: Accounts) -> Response:
        """Delete the account and sign out; a page says it is done (no session to flash in)."""
        status = 422
        if form.is_valid:
            try:
                await accounts.delete_account(user, form.password)
            except InvalidCredentials as exc:
                form.add_error("password", str(exc))
                status = 400
        if not form.is_valid:
            return page("delete_account", {**common, "form": form}, status)
        return page("account_deleted", common)

    return router

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
from schooner.contrib.auth._routes import login_required
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

__all__ = ["RESET_TOKEN_KEY", "Pages", "pages_router"]

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


class Pages:
    """What the page handlers share: their router, the component, the forms.

    Args:
        auth: the app's ``Auth`` component.
    """

    def __init__(self, auth: Auth) -> None:
        self.auth = auth
        self.config = auth.config
        self.router = Router(tags=["accounts"])
        # New passwords show the app's rules, known once the component exists.
        rules = " ".join(password_help_texts(auth.validators))
        self.register_form = with_password_help(RegisterForm, rules)
        self.set_password_form = with_password_help(SetPasswordForm, rules)
        self.change_form = with_password_help(PasswordChangeForm, rules)

    def get(self, path: str, name: str, *, guarded: bool = False) -> Callable[[H], H]:
        """Register a page's GET handler (``guarded``: for signed-in users only)."""
        # Pages are HTML for people, not operations for the OpenAPI document.
        meta = [login_required] if guarded else []
        return self.router.get(path, name=name, meta=meta, include_in_schema=False)

    def post(self, path: str, name: str, *, guarded: bool = False) -> Callable[[H], H]:
        """Register a page's POST handler (``guarded``: for signed-in users only)."""
        meta = [login_required] if guarded else []
        return self.router.post(path, name=name, meta=meta, include_in_schema=False)

    def page(
        self,
        name: str,
        context: Mapping[str, Any] | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> TemplateResponse:
        """The template ``auth/<name>.html`` as a response."""
        values = {"registration": self.config.registration, **(context or {})}
        return TemplateResponse(f"auth/{name}.html", values, status_code=status, headers=headers)

    def safe_next(self, target: str | None) -> str | None:
        """``target`` if it is a path on this site, else ``None``."""
        return target if target and self.auth.is_safe_next(target) else None


def pages_router(auth: Auth) -> Router:
    """Every account page (route names in the ``auth`` namespace, as the module says)."""
    pages = Pages(auth)
    for add in (
        _overview,
        _sign_in,
        _registration,
        _verification,
        _password_reset,
        _password_change,
        _email_change,
        _account_end,
    ):
        add(pages)
    return pages.router


def _overview(p: Pages) -> None:
    """The account overview."""

    @p.get("/", "account", guarded=True)
    async def account(user: User) -> Response:
        """The signed-in user's overview, linking to every account page."""
        return p.page("account", {"user": user})


def _sign_in(p: Pages) -> None:
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


def _registration(p: Pages) -> None:
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


def _verification(p: Pages) -> None:
    """Confirm an address from the mailed link, or ask for a new link."""

    @p.get("/verify-email/resend", "resend_verification")
    async def resend_page() -> Response:
        """Ask for a new verification link."""
        return p.page("resend_verification", {"form": EmailForm()})

    @p.post("/verify-email/resend", "resend_verification")
    async def resend(
        request: Request, form: EmailForm, accounts: Accounts, flash: Flash
    ) -> Response:
        """Mail a new link if the address has an unverified account; the same answer always."""
        check_text(form, "email")
        if not form.is_valid:
            return p.page("resend_verification", {"form": form}, 422)
        await accounts.resend_verification(form.email)
        flash.info(SENT)
        return redirect(request.url_for("auth:login"))

    @p.get("/verify-email/{token}", "verify_email")
    async def verify_page(token: str) -> Response:
        """A button that confirms the address (the link alone does not: scanners follow it)."""
        return p.page("verify_email", {"token": token}, headers=NO_REFERRER)

    @p.post("/verify-email/{token}", "verify_email")
    async def verify(
        request: Request, token: str, accounts: Accounts, identity: Identity, flash: Flash
    ) -> Response:
        """Mark the address verified (the link works once)."""
        try:
            await accounts.verify_email(token)
        except InvalidToken as exc:
            context = {"token": token, "error": str(exc)}
            return p.page("verify_email", context, 400, NO_REFERRER)
        if identity.user is not None:
            flash.success("Your e-mail address is verified.")
            return redirect(request.url_for("auth:account"))
        flash.success("Your e-mail address is verified. You can sign in now.")
        return redirect(request.url_for("auth:login"))


def _password_reset(p: Pages) -> None:
    """A forgotten password: ask for a link, then set a new one."""

    @p.get("/password-reset", "password_reset")
    async def reset_page() -> Response:
        """Ask for a link to choose a new password."""
        return p.page("password_reset", {"form": EmailForm()})

    @p.post("/password-reset", "password_reset")
    async def reset(
        request: Request, form: EmailForm, accounts: Accounts, flash: Flash
    ) -> Response:
        """Mail a reset link if the address has an account; the same answer always."""
        check_text(form, "email")
        if not form.is_valid:
            return p.page("password_reset", {"form": form}, 422)
        await accounts.request_password_reset(form.email)
        flash.info(SENT)
        return redirect(request.url_for("auth:login"))

    @p.get("/password-reset/set", "password_reset_set")
    async def set_password_page(session: Session, accounts: Accounts) -> Response:
        """The new-password form, for the link whose token the session holds."""
        token = session.get(RESET_TOKEN_KEY)
        try:
            await accounts.check_reset_token(token if isinstance(token, str) else "")
        except InvalidToken as exc:
            session.pop(RESET_TOKEN_KEY, None)
            return p.page("password_reset_set", {"error": str(exc)}, 400)
        return p.page("password_reset_set", {"form": p.set_password_form()})

    @p.post("/password-reset/set", "password_reset_set")
    async def set_password(
        request: Request, session: Session, accounts: Accounts, flash: Flash
    ) -> Response:
        """Set the new password; the link is void afterwards, and so is every session."""
        form = await p.set_password_form.from_request(request)
        token = session.get(RESET_TOKEN_KEY)
        if repeated(form):
            try:
                await accounts.reset_password(
                    token if isinstance(token, str) else "", form.new_password
                )
            except InvalidToken as exc:
                session.pop(RESET_TOKEN_KEY, None)
                return p.page("password_reset_set", {"error": str(exc)}, 400)
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


def _password_change(p: Pages) -> None:
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


def _email_change(p: Pages) -> None:
    """Change the address: a link to the new one, then its button (signed in to ask)."""

    @p.get("/email", "email_change", guarded=True)
    async def email_page(user: User) -> Response:
        """The change-address form."""
        return p.page("email_change", {"form": EmailChangeForm(), "user": user})

    @p.post("/email", "email_change", guarded=True)
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
            return p.page("email_change", {"form": form, "user": user}, status)
        flash.info(
            "We have sent a link to the new address. Your address changes when you follow it."
        )
        return redirect(request.url_for("auth:account"))

    @p.get("/email-change/{token}", "email_change_confirm")
    async def email_confirm_page(token: str) -> Response:
        """A button that switches to the new address (a GET alone does not)."""
        return p.page("email_change_confirm", {"token": token}, headers=NO_REFERRER)

    @p.post("/email-change/{token}", "email_change_confirm")
    async def email_confirm(
        request: Request, token: str, accounts: Accounts, identity: Identity, flash: Flash
    ) -> Response:
        """Switch to the new address (the link works once)."""
        try:
            await accounts.confirm_email_change(token)
        except InvalidToken as exc:
            context = {"token": token, "error": str(exc)}
            return p.page("email_change_confirm", context, 400, NO_REFERRER)
        flash.success("Your e-mail address has been changed.")
        target = "auth:account" if identity.user is not None else "auth:login"
        return redirect(request.url_for(target))


def _account_end(p: Pages) -> None:
    """Sign out everywhere else, and delete the account."""

    @p.get("/sign-out-everywhere", "sign_out_everywhere", guarded=True)
    async def everywhere_page() -> Response:
        """A button that ends every other session."""
        return p.page("sign_out_everywhere")

    @p.post("/sign-out-everywhere", "sign_out_everywhere", guarded=True)
    async def everywhere(
        request: Request, user: User, accounts: Accounts, flash: Flash
    ) -> Response:
        """End every other session and token of the account; this one stays."""
        await accounts.sign_out_everywhere(user)
        flash.success("You have been signed out on every other device.")
        return redirect(request.url_for("auth:account"))

    @p.get("/delete", "delete_account", guarded=True)
    async def delete_page() -> Response:
        """The delete-account form (the password confirms it)."""
        return p.page("delete_account", {"form": DeleteForm()})

    @p.post("/delete", "delete_account", guarded=True)
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
            return p.page("delete_account", {"form": form}, status)
        return p.page("account_deleted")

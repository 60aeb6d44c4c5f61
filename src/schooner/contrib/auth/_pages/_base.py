"""What the account pages share: the ``Pages`` their handlers register on, and two flows.

``Pages`` holds the router, the component and the forms that show the app's password
rules, and renders ``auth/<name>.html``. Two flows take the same shape more than once:
a page that asks for an address and mails it a link (a new verification link, a password
reset) is :func:`ask_for_link`, and the page a mailed link opens, whose button uses the
link's token (verifying an address, confirming a new one), is :func:`use_link`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._identity import Identity, current_user
from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth._pages._forms import (
    EmailForm,
    PasswordChangeForm,
    RegisterForm,
    SetPasswordForm,
    check_text,
    with_password_help,
)
from schooner.contrib.auth._routes import login_required
from schooner.contrib.auth._validators import password_help_texts
from schooner.contrib.auth.exceptions import InvalidToken, PasswordRejected
from schooner.contrib.forms import Form
from schooner.contrib.sessions import Flash
from schooner.contrib.templates import TemplateResponse
from schooner.di import Inject
from schooner.http import RedirectResponse, Request, Response
from schooner.routing import Router

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = [
    "BAD_EMAIL",
    "NO_REFERRER",
    "Pages",
    "User",
    "ask_for_link",
    "redirect",
    "rejected",
    "repeated",
    "use_link",
]

User = Annotated[AbstractUser, Inject(current_user)]
"""The signed-in user, for the pages that require one."""
H = TypeVar("H", bound=Callable[..., Any])

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


def ask_for_link(
    p: Pages, path: str, name: str, send: Callable[[Accounts, str], Awaitable[None]]
) -> None:
    """A page that asks for an address and mails it a link, if it has an account: the
    answer is the same for every address, so the page tells nobody which ones have one.

    Args:
        p: the pages.
        path: the page's path; ``name`` is its route name and its template.
        send: the ``Accounts`` method that mails the link (it decides whether to).
    """

    @p.get(path, name)
    async def address_page() -> Response:
        """The address form."""
        return p.page(name, {"form": EmailForm()})

    @p.post(path, name)
    async def address(
        request: Request, form: EmailForm, accounts: Accounts, flash: Flash
    ) -> Response:
        """Mail the link, or not; the same answer always."""
        check_text(form, "email")
        if not form.is_valid:
            return p.page(name, {"form": form}, 422)
        await send(accounts, form.email)
        flash.info(SENT)
        return redirect(request.url_for("auth:login"))


def use_link(
    p: Pages,
    path: str,
    name: str,
    use: Callable[[Accounts, str], Awaitable[object]],
    *,
    done: str,
    done_signed_out: str,
) -> None:
    """The page a mailed link opens: a button that posts, and the post that uses the token.

    The GET never acts (mail scanners follow links), and neither answer sends the address,
    which holds the token, on to another site. After the post, a signed-in user goes to the
    account page and anyone else to the sign-in form.

    Args:
        p: the pages.
        path: the page's path, with ``{token}``; ``name`` is its route name and template.
        use: the ``Accounts`` method that uses the token once.
        done: the success message for a signed-in user; ``done_signed_out`` for others.
    """

    @p.get(path, name)
    async def button_page(token: str) -> Response:
        """The button."""
        return p.page(name, {"token": token}, headers=NO_REFERRER)

    @p.post(path, name)
    async def button(
        request: Request, token: str, accounts: Accounts, identity: Identity, flash: Flash
    ) -> Response:
        """Use the token (the link works once)."""
        try:
            await use(accounts, token)
        except InvalidToken as exc:
            context = {"token": token, "error": str(exc)}
            return p.page(name, context, 400, NO_REFERRER)
        if identity.user is not None:
            flash.success(done)
            return redirect(request.url_for("auth:account"))
        flash.success(done_signed_out)
        return redirect(request.url_for("auth:login"))

"""The JSON API of the account flows (``/api/auth/...``), on the ``Accounts`` service.

Sessions (a cookie) carry the sign-in, as for the pages: a browser front end on the same
site uses this API directly; other clients use tokens. Every answer that concerns an
e-mail address is the same whether or not it has an account.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import msgspec

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._identity import current_user
from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth._routes import login_required
from schooner.contrib.mail import InvalidMessage
from schooner.di import Inject
from schooner.exceptions import ValidationError
from schooner.routing import Router

__all__ = ["Me", "api_router"]

User = Annotated[AbstractUser, Inject(current_user)]

_SENT = {"detail": "If this address has an account, we have sent it a message."}


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    """E-mail address and password."""

    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=4096)]


# An address the account will have: described as one in the schema (format "email").
NewEmail = Annotated[str, msgspec.Meta(max_length=254, extra_json_schema={"format": "email"})]


# A password the account will have: the schema cannot hold every rule it must meet.
ChosenPassword = Annotated[
    str,
    msgspec.Meta(
        max_length=4096,
        description=(
            "Checked against the site's password rules (by default: at least 10 characters, "
            "not only digits, not a common password, not like the e-mail address or user "
            "name); a 422 names each rule it breaks."
        ),
    ),
]


class Registration(msgspec.Struct, forbid_unknown_fields=True):
    """A new account."""

    email: NewEmail
    password: ChosenPassword
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=150)] | None = None


class EmailOnly(msgspec.Struct, forbid_unknown_fields=True):
    """An e-mail address."""

    email: Annotated[str, msgspec.Meta(max_length=254)]


class TokenOnly(msgspec.Struct, forbid_unknown_fields=True):
    """A token from a link in a mail."""

    token: Annotated[str, msgspec.Meta(max_length=1000)]


class NewPassword(msgspec.Struct, forbid_unknown_fields=True):
    """A reset link's token and the new password."""

    token: Annotated[str, msgspec.Meta(max_length=1000)]
    password: ChosenPassword


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    """The current password and the new one."""

    current_password: Annotated[str, msgspec.Meta(max_length=4096)]
    new_password: ChosenPassword


class EmailChange(msgspec.Struct, forbid_unknown_fields=True):
    """The new address, confirmed with the password."""

    email: NewEmail
    password: Annotated[str, msgspec.Meta(max_length=4096)]


class PasswordOnly(msgspec.Struct, forbid_unknown_fields=True):
    """The password, to confirm a destructive action."""

    password: Annotated[str, msgspec.Meta(max_length=4096)]


class Me(msgspec.Struct):
    """The signed-in account, as the API shows it."""

    id: int
    email: str
    username: str | None
    email_verified: bool
    is_staff: bool
    is_superuser: bool

    @classmethod
    def of(cls, user: AbstractUser) -> Me:
        """The public view of ``user``."""
        return cls(
            id=user.id,
            email=user.email,
            username=user.username,
            email_verified=user.email_verified,
            is_staff=user.is_staff,
            is_superuser=user.is_superuser,
        )


class LoginResult(msgspec.Struct):
    """The outcome of a sign-in: the user, or a second factor to give first."""

    user: Me | None
    mfa_required: bool = False
    mfa_methods: list[str] = msgspec.field(default_factory=list)


class Detail(msgspec.Struct):
    """A sentence for the user."""

    detail: str


@contextlib.contextmanager
def _email_field(field: str) -> Iterator[None]:
    """A typed address that is not one is a validation error of that body field (422 with
    ``errors``, as the OpenAPI document says), not a bare problem."""
    try:
        yield
    except InvalidMessage as exc:
        raise ValidationError(
            [{"loc": ["body", field], "msg": str(exc), "type": "email"}]
        ) from None


def api_router(*, registration: bool) -> Router:
    """The JSON API routes (names in the ``auth-api`` namespace)."""
    router = Router(tags=["accounts"])

    @router.post(
        "/login",
        name="login",
        responses={429: "Too many failed sign-ins for this account or address."},
    )
    async def login(body: Credentials, accounts: Accounts) -> LoginResult:
        """Sign in with e-mail and password; the session cookie carries the sign-in.

        Answers ``mfa_required`` when a second factor must be given next, with the
        factors this user has set up (``totp``, ``passkey``)."""
        user = await accounts.authenticate(body.email, body.password)
        if await accounts.login(user):
            return LoginResult(user=Me.of(user))
        return LoginResult(
            user=None, mfa_required=True, mfa_methods=await accounts.pending_methods()
        )

    @router.post("/logout", name="logout", status_code=204)
    async def logout(accounts: Accounts) -> None:
        """Sign out of this session (it is deleted on the server)."""
        await accounts.logout()

    @router.get("/me", name="me", meta=[login_required])
    async def me(user: User) -> Me:
        """The signed-in account."""
        return Me.of(user)

    if registration:

        @router.post("/register", name="register", status_code=202)
        async def register(body: Registration, accounts: Accounts) -> Detail:
            """Open an account; a verification link is mailed to the address.

            The answer is the same when the address already has an account."""
            with _email_field("email"):
                await accounts.register(body.email, body.password, username=body.username)
            return Detail(**_SENT)

    @router.post("/verify-email/resend", name="resend_verification", status_code=202)
    async def resend(body: EmailOnly, accounts: Accounts) -> Detail:
        """Mail a new verification link (the same answer for any address)."""
        await accounts.resend_verification(body.email)
        return Detail(**_SENT)

    @router.post("/verify-email", name="verify_email")
    async def verify(body: TokenOnly, accounts: Accounts) -> Detail:
        """Verify an address with the token from the mailed link (single use)."""
        await accounts.verify_email(body.token)
        return Detail(detail="Your e-mail address is verified.")

    @router.post("/password-reset", name="password_reset", status_code=202)
    async def reset(body: EmailOnly, accounts: Accounts) -> Detail:
        """Mail a password-reset link (the same answer for any address)."""
        await accounts.request_password_reset(body.email)
        return Detail(**_SENT)

    @router.post("/password-reset/confirm", name="password_reset_confirm")
    async def reset_confirm(body: NewPassword, accounts: Accounts) -> Detail:
        """Set a new password with a reset token (single use; every session ends)."""
        await accounts.reset_password(body.token, body.password)
        return Detail(detail="Your password has been changed. You can sign in now.")

    @router.post("/password", name="password_change", meta=[login_required])
    async def change(body: PasswordChange, user: User, accounts: Accounts) -> Detail:
        """Change the password; other sessions end, this one stays."""
        await accounts.change_password(user, body.current_password, body.new_password)
        return Detail(detail="Your password has been changed.")

    @router.post("/email", name="email_change", status_code=202, meta=[login_required])
    async def email(body: EmailChange, user: User, accounts: Accounts) -> Detail:
        """Ask to change the address: a confirmation link goes to the new one."""
        with _email_field("email"):
            await accounts.request_email_change(user, body.email, body.password)
        return Detail(detail="We have sent a confirmation link to the new address.")

    @router.post("/email/confirm", name="email_change_confirm")
    async def email_confirm(body: TokenOnly, accounts: Accounts) -> Detail:
        """Switch to the new address with the token from the mailed link."""
        await accounts.confirm_email_change(body.token)
        return Detail(detail="Your e-mail address has been changed.")

    @router.post("/sign-out-everywhere", name="sign_out_everywhere", meta=[login_required])
    async def everywhere(user: User, accounts: Accounts) -> Detail:
        """End every other session and refresh token of the account."""
        await accounts.sign_out_everywhere(user)
        return Detail(detail="You have been signed out everywhere else.")

    @router.post("/delete", name="delete_account", status_code=204, meta=[login_required])
    async def delete(body: PasswordOnly, user: User, accounts: Accounts) -> None:
        """Delete the account, confirmed with the password."""
        await accounts.delete_account(user, body.password)

    return router

"""``Accounts``: every account flow as one injectable service.

The pages and the JSON API both call it, and so can your own handlers::

    @app.post("/signup")
    async def signup(body: SignUp, accounts: Accounts) -> dict[str, str]:
        await accounts.register(body.email, body.password)
        return {"status": "check your inbox"}

Nothing here tells a caller whether an e-mail address has an account: sign-in failures
share one error, registration and reset requests answer the same way for known and unknown
addresses (mail goes out after the response, so timing does not tell either), and unknown
accounts cost a password hash like known ones.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from schooner.contrib.auth._identity import IDENTITY_KEY, Identity
from schooner.contrib.auth._links import Purpose
from schooner.contrib.auth._models import AbstractUser, new_security_stamp
from schooner.contrib.auth._validators import validate_password
from schooner.contrib.auth.exceptions import (
    EmailNotVerified,
    InvalidCredentials,
    InvalidToken,
)
from schooner.contrib.mail import InvalidMessage, validate_address
from schooner.contrib.orm import AsyncSession
from schooner.contrib.sessions import Session, get_session
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = ["PENDING_KEY", "Accounts", "accounts_provider"]

logger = logging.getLogger("schooner.auth")

PENDING_KEY = "_auth_pending"
"""Session key of a sign-in waiting for its second factor."""


class Accounts:
    """The account flows for one request (injected by type: ``accounts: Accounts``).

    Args:
        auth: the app's ``Auth`` component.
        request: the current request.
        db: the request's database session (changes commit with the request).
    """

    def __init__(self, auth: Auth, request: Request, db: AsyncSession) -> None:
        self.auth = auth
        self.request = request
        self.db = db

    # -- lookups ------------------------------------------------------------------------------

    async def find_by_email(self, email: str) -> AbstractUser | None:
        """The account with this e-mail address (case and surrounding spaces ignored)."""
        model = self.auth.user_model
        key = model.normalize_email(email)
        found: AbstractUser | None = await self.db.scalar(
            select(model).where(model.email_key == key)
        )
        return found

    # -- passwords ------------------------------------------------------------------------------

    def check_password_rules(
        self, password: str, user: AbstractUser | None = None, **attrs: Any
    ) -> None:
        """Check a new password against the validators.

        Raises:
            PasswordRejected: with every reason.
        """
        attributes: dict[str, str | None] = {}
        if user is not None:
            attributes = {"email": user.email, "username": user.username}
        attributes.update({k: v for k, v in attrs.items() if isinstance(v, str) or v is None})
        validate_password(password, attributes=attributes, validators=self.auth.validators)

    async def set_password(self, user: AbstractUser, password: str) -> None:
        """Hash and store a new password, and sign the user out everywhere else.

        The security stamp changes, so every other session and refresh token stops working
        and every reset link made before is void. Does not check the validators.
        """
        user.password = await self.auth.hasher.hash(password)
        user.security_stamp = new_security_stamp()

    async def check_password(self, user: AbstractUser, password: str) -> bool:
        """Whether ``password`` is the user's, upgrading an old hash when it is."""
        result = await self.auth.hasher.verify(password, user.password)
        if result.valid and result.needs_rehash:
            user.password = await self.auth.hasher.hash(password)
        return result.valid

    # -- sign-in ------------------------------------------------------------------------------

    async def authenticate(self, email: str, password: str) -> AbstractUser:
        """The account these credentials open, counted by the sign-in throttle.

        Raises:
            LoginThrottled: too many failures for this address or this client (checked
                before the password, with the same answer for every account).
            InvalidCredentials: unknown e-mail, wrong password or disabled account — one
                error for all three.
            EmailNotVerified: the password is right but the address was never verified
                (and the app requires it).
        """
        throttle = self.auth.throttle
        await throttle.check(self.request, email)
        user = await self.find_by_email(email)
        if user is None:
            await self.auth.hasher.verify_dummy(password)
            valid = False
        else:
            valid = await self.check_password(user, password) and user.is_active
        if not valid:
            locked = await throttle.failed(self.request, email)
            await self.auth.audit.record(
                "lockout" if locked else "login_failed",
                request=self.request,
                user=user,
                identifier=AbstractUser.normalize_email(email),
            )
            raise InvalidCredentials()
        assert user is not None
        await throttle.succeeded(self.request, email)
        if self.auth.config.require_verified_email and not user.email_verified:
            raise EmailNotVerified(
                "Please verify your e-mail address first: we sent you a link. Ask for a new "
                "one if it has expired."
            )
        return user

    async def login(self, user: AbstractUser) -> bool:
        """Sign ``user`` in on this browser; ``False`` when a second factor is needed first.

        With a second factor enrolled, the session only remembers who is half-way
        through; :meth:`complete_login` finishes once the factor is checked.
        """
        methods = [f.name for f in self.auth.second_factors if await f.enrolled(user, self.db)]
        if methods:
            session = await get_session(self.request)
            session[PENDING_KEY] = {"user": user.id, "at": _now().timestamp(), "methods": methods}
            return False
        await self.complete_login(user)
        return True

    async def complete_login(self, user: AbstractUser, *, method: str = "password") -> None:
        """Finish signing in: a fresh session, ``last_login`` and the audit event."""
        await self.auth.start_session(self.request, user)
        user.last_login = _now()
        await self.auth.audit.record(
            "login", request=self.request, session=self.db, user=user, method=method
        )

    async def pending_user(self, *, max_age: int = 300) -> AbstractUser | None:
        """The user half-way through signing in (password checked, second factor not yet)."""
        session = await get_session(self.request)
        pending = session.get(PENDING_KEY)
        if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
            return None
        if _now().timestamp() - float(pending.get("at", 0)) > max_age:
            session.pop(PENDING_KEY, None)
            return None
        user: AbstractUser | None = await self.db.get(self.auth.user_model, pending["user"])
        return user if user is not None and user.is_active else None

    async def pending_methods(self) -> list[str]:
        """The second factors the half-signed-in user has set up (none when nobody is)."""
        pending = (await get_session(self.request)).get(PENDING_KEY)
        methods = pending.get("methods") if isinstance(pending, dict) else None
        return [m for m in methods if isinstance(m, str)] if isinstance(methods, list) else []

    async def logout(self) -> None:
        """Sign out of this browser (the server-side session is deleted)."""
        identity = await self.auth.identify(self.request)
        if identity.user is not None:
            await self.auth.audit.record(
                "logout", request=self.request, session=self.db, user=identity.user
            )
        await self.auth.end_session(self.request)

    async def sign_out_everywhere(self, user: AbstractUser) -> None:
        """End every session and refresh token of ``user``, but keep this browser signed in."""
        user.security_stamp = new_security_stamp()
        await self.auth.audit.record(
            "signed_out_everywhere", request=self.request, session=self.db, user=user
        )
        identity: Identity | None = self.request.scope.get(IDENTITY_KEY)
        if identity is not None and identity.method == "session":
            await self.auth.start_session(self.request, user)

    # -- registration ---------------------------------------------------------------------------

    async def register(
        self, email: str, password: str, *, username: str | None = None
    ) -> AbstractUser | None:
        """Open an account and mail its verification link.

        Whether or not the address already has an account, the caller sees the same thing:
        for a known address, its owner gets a mail saying someone tried to sign up (with a
        reset link) instead of a second account being made. Returns the new user, or
        ``None`` when the address was taken (for the caller's logs only: answer the same).

        Raises:
            InvalidMessage: ``email`` is not an e-mail address (also a ``ValueError``).
            PasswordRejected: the password fails the validators.
        """
        address = _clean_email(email)
        self.check_password_rules(password, email=address, username=username)
        hashed = await self.auth.hasher.hash(password)
        existing = await self.find_by_email(address)
        if existing is not None:
            # Recorded like a new account's event, so both answers take the same work.
            await self.auth.audit.record(
                "registration_existing", request=self.request, session=self.db, user=existing
            )
            self._mail_later(
                "auth/mail/already_registered",
                existing,
                {"reset_url": self._page("password_reset")},
            )
            return None
        user = self.auth.user_model(email=address, username=username or None)
        user.password = hashed
        self.db.add(user)
        await self.db.flush()
        await self.auth.audit.record("registered", request=self.request, session=self.db, user=user)
        await self.send_verification(user)
        return user

    async def send_verification(self, user: AbstractUser) -> None:
        """Mail ``user`` a link that verifies their address (after the response is sent)."""
        if user.email_verified:
            return
        token = self.auth.links.make("verify-email", user)
        self._mail_later("auth/mail/verify_email", user, {"url": self._link("verify_email", token)})

    async def resend_verification(self, email: str) -> None:
        """Mail a new verification link if ``email`` has an unverified account; the same
        answer either way."""
        user = await self.find_by_email(email)
        if user is not None and user.is_active:
            await self.send_verification(user)

    async def verify_email(self, token: str) -> AbstractUser:
        """Mark the address in ``token`` verified.

        Raises:
            InvalidToken: forged, expired, or already used.
        """
        user = await self._user_for("verify-email", token, self.auth.config.verification_max_age)
        user.email_verified = True
        await self.auth.audit.record(
            "email_verified", request=self.request, session=self.db, user=user
        )
        return user

    # -- password reset and change --------------------------------------------------------------

    async def request_password_reset(self, email: str) -> None:
        """Mail a reset link if the address has an active account; the same answer either
        way, with the same work in the request (a lookup and an audit row; the mail goes
        out after the response)."""
        user = await self.find_by_email(email)
        known = user is not None and user.is_active
        await self.auth.audit.record(
            "password_reset_requested",
            request=self.request,
            session=self.db,
            user=user if known else None,
            identifier=AbstractUser.normalize_email(email)[:254],
        )
        if user is None or not known:
            return
        token = self.auth.links.make("reset-password", user)
        self._mail_later(
            "auth/mail/password_reset", user, {"url": self._link("password_reset_confirm", token)}
        )

    async def check_reset_token(self, token: str) -> AbstractUser:
        """The user a reset link is for, without using it (to show the form).

        Raises:
            InvalidToken: forged, expired or already used.
        """
        return await self._user_for("reset-password", token, self.auth.config.reset_max_age)

    async def reset_password(self, token: str, password: str) -> AbstractUser:
        """Set a new password from a reset link; the link is void afterwards.

        Raises:
            InvalidToken: forged, expired or already used.
            PasswordRejected: the new password fails the validators.
        """
        user = await self.check_reset_token(token)
        self.check_password_rules(password, user)
        await self.set_password(user, password)
        # Following the link proved the address is theirs.
        user.email_verified = True
        await self.auth.audit.record(
            "password_reset", request=self.request, session=self.db, user=user
        )
        return user

    async def change_password(self, user: AbstractUser, current: str, new: str) -> None:
        """Change the password of a signed-in user who knows the current one; other
        sessions end, this one stays.

        Raises:
            InvalidCredentials: ``current`` is wrong.
            PasswordRejected: ``new`` fails the validators.
        """
        if not await self.check_password(user, current):
            raise InvalidCredentials("The current password is incorrect.")
        self.check_password_rules(new, user)
        await self.set_password(user, new)
        await self.auth.audit.record(
            "password_changed", request=self.request, session=self.db, user=user
        )
        await self._keep_signed_in(user)

    # -- e-mail change --------------------------------------------------------------------------

    async def request_email_change(self, user: AbstractUser, new_email: str, password: str) -> None:
        """Mail a confirmation link to the new address; nothing changes until it is used.

        Raises:
            InvalidCredentials: ``password`` is wrong.
            InvalidMessage: ``new_email`` is not an e-mail address.
        """
        if not await self.check_password(user, password):
            raise InvalidCredentials("The password is incorrect.")
        address = _clean_email(new_email)
        taken = await self.find_by_email(address)
        await self.auth.audit.record(
            "email_change_requested", request=self.request, session=self.db, user=user
        )
        if taken is not None:
            # Tell the owner of that address, not the requester (no enumeration).
            self._mail_later("auth/mail/email_taken", taken, {})
            return
        token = self.auth.links.make("change-email", user, extra=address)
        self._mail_later(
            "auth/mail/email_change",
            user,
            {"url": self._link("email_change_confirm", token)},
            to=address,
        )

    async def confirm_email_change(self, token: str) -> AbstractUser:
        """Switch to the new address in ``token`` (verified by following the link).

        Raises:
            InvalidToken: forged, expired, used, or the address was taken since.
        """
        user_id, address = self.auth.links.read(
            "change-email", token, max_age=self.auth.config.verification_max_age
        )
        user = await self.db.get(self.auth.user_model, user_id)
        self.auth.links.check("change-email", token, user)
        assert user is not None
        if not address or await self.find_by_email(address) is not None:
            raise InvalidToken("This address now belongs to another account.")
        old = user.email
        user.set_email(address)
        user.email_verified = True
        await self.auth.audit.record(
            "email_changed", request=self.request, session=self.db, user=user, previous=old
        )
        self._mail_later(
            "auth/mail/email_changed", user, {"old_email": old, "new_email": address}, to=old
        )
        return user

    # -- deletion -------------------------------------------------------------------------------

    async def delete_account(self, user: AbstractUser, password: str) -> None:
        """Delete the account (its sessions, tokens and factors go with it) and sign out.

        Raises:
            InvalidCredentials: ``password`` is wrong.
        """
        if not await self.check_password(user, password):
            raise InvalidCredentials("The password is incorrect.")
        await self.auth.audit.record(
            "account_deleted", request=self.request, session=self.db, identifier=user.email_key
        )
        await self.db.delete(user)
        await self.db.flush()
        await self.auth.end_session(self.request)

    # -- plumbing -------------------------------------------------------------------------------

    async def _user_for(self, purpose: Purpose, token: str, max_age: int) -> AbstractUser:
        user_id, _ = self.auth.links.read(purpose, token, max_age=max_age)
        user: AbstractUser | None = await self.db.get(self.auth.user_model, user_id)
        self.auth.links.check(purpose, token, user)
        assert user is not None
        if not user.is_active:
            raise InvalidToken("This link is not valid.")
        return user

    async def _keep_signed_in(self, user: AbstractUser) -> None:
        identity: Identity | None = self.request.scope.get(IDENTITY_KEY)
        if (
            identity is not None
            and identity.method == "session"
            and identity.user is not None
            and identity.user.id == user.id
        ):
            await self.auth.start_session(self.request, user)

    def _link(self, page: str, token: str) -> str:
        return self.auth.absolute_url(page, token=token)

    def _page(self, page: str) -> str:
        return self.auth.absolute_url(page)

    def _mail_later(
        self, template: str, user: AbstractUser, context: dict[str, Any], *, to: str | None = None
    ) -> None:
        """Render and send a mail after the response (see the module docstring)."""
        self.auth.send_mail_later(
            template, {"user_email": user.email, **context}, to=to or user.email
        )


def _clean_email(email: str) -> str:
    address = validate_address(email.strip(), field="email")
    if "<" in address:  # "Name <a@b>" is an address, but not an account's
        raise InvalidMessage("email: enter the address alone, such as name@example.com.")
    return address


def _now() -> datetime:
    return datetime.now(UTC)


async def accounts_provider(request: Request, db: AsyncSession, session: Session) -> Accounts:
    """The provider behind parameters annotated ``Accounts``.

    It declares the session, so every route using the service is a session route for the
    CSRF battery (sign-in forms included: no login CSRF).
    """
    from schooner.contrib.auth._identity import auth_of

    return Accounts(auth_of(request), request, db)

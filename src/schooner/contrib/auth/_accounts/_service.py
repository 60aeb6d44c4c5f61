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

from schooner.contrib.auth._accounts._mail_flows import MailFlows
from schooner.contrib.auth._identity import IDENTITY_KEY, Identity
from schooner.contrib.auth._models import AbstractUser, new_security_stamp
from schooner.contrib.auth.exceptions import EmailNotVerified, InvalidCredentials
from schooner.contrib.orm import AsyncSession
from schooner.contrib.sessions import Session, get_session
from schooner.http import Request

__all__ = ["PENDING_KEY", "Accounts", "accounts_provider"]

logger = logging.getLogger("schooner.auth")

PENDING_KEY = "_auth_pending"
"""Session key of a sign-in waiting for its second factor."""


class Accounts(MailFlows):
    """The account flows for one request (injected by type: ``accounts: Accounts``).

    Besides what it defines, it has the flows by mailed link (``register``,
    ``verify_email``, ``request_password_reset``, ``reset_password``,
    ``request_email_change``, ``confirm_email_change``…) and the lookups and password
    methods every flow uses (``find_by_email``, ``check_password``, ``set_password``…).

    Args:
        auth: the app's ``Auth`` component.
        request: the current request.
        db: the request's database session (changes commit with the request).
    """

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
        # The row's write lock first: concurrent sign-ins to one account then queue on it.
        # Flushed later, the event's insert (whose key check takes a shared lock on the row,
        # on InnoDB) could come first, and two sign-ins would deadlock on the update.
        await self.db.flush()
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

    # -- password change and deletion -----------------------------------------------------------

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

    async def _keep_signed_in(self, user: AbstractUser) -> None:
        identity: Identity | None = self.request.scope.get(IDENTITY_KEY)
        if (
            identity is not None
            and identity.method == "session"
            and identity.user is not None
            and identity.user.id == user.id
        ):
            await self.auth.start_session(self.request, user)


def _now() -> datetime:
    return datetime.now(UTC)


async def accounts_provider(request: Request, db: AsyncSession, session: Session) -> Accounts:
    """The provider behind parameters annotated ``Accounts``.

    It declares the session, so every route using the service is a session route for the
    CSRF battery (sign-in forms included: no login CSRF).
    """
    from schooner.contrib.auth._identity import auth_of

    return Accounts(auth_of(request), request, db)

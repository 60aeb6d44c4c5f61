"""The account flows that go through a link in mail: sign-up, verification, reset, new address.

They mail signed, expiring, single-use links (``_links``), and a flow ends when its link
comes back. None tells the caller whether an address has an account: registering a
taken address mails its owner instead, and a reset for an unknown address does the same
work as for a known one. Mail goes out after the response (``Auth.send_mail_later``), so
its timing does not tell either.
"""

from __future__ import annotations

from typing import Any

from schooner.contrib.auth._accounts._base import AccountsBase, clean_email
from schooner.contrib.auth._links import Purpose
from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth.exceptions import InvalidCredentials, InvalidToken

__all__ = ["MailFlows"]


class MailFlows(AccountsBase):
    """The flows by mailed link of ``Accounts`` (which inherits them)."""

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
        address = clean_email(email)
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

    # -- password reset -------------------------------------------------------------------------

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

    # -- e-mail change --------------------------------------------------------------------------

    async def request_email_change(self, user: AbstractUser, new_email: str, password: str) -> None:
        """Mail a confirmation link to the new address; nothing changes until it is used.

        Raises:
            InvalidCredentials: ``password`` is wrong.
            InvalidMessage: ``new_email`` is not an e-mail address.
        """
        if not await self.check_password(user, password):
            raise InvalidCredentials("The password is incorrect.")
        address = clean_email(new_email)
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

    # -- plumbing -------------------------------------------------------------------------------

    async def _user_for(self, purpose: Purpose, token: str, max_age: int) -> AbstractUser:
        user_id, _ = self.auth.links.read(purpose, token, max_age=max_age)
        user: AbstractUser | None = await self.db.get(self.auth.user_model, user_id)
        self.auth.links.check(purpose, token, user)
        assert user is not None
        if not user.is_active:
            raise InvalidToken("This link is not valid.")
        return user

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

"""``AccountsBase``: what every account flow stands on — the account's lookup and password.

The ``Accounts`` service is built in layers, one concept each: this base (the request,
its database session, finding an account, checking and setting a password), the flows
that go through a link in mail (``_mail_flows``), and the service itself, which signs in
and out (``_service``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from schooner.contrib.auth._models import AbstractUser, new_security_stamp
from schooner.contrib.auth._validators import validate_password
from schooner.contrib.mail import InvalidMessage, validate_address
from schooner.contrib.orm import AsyncSession
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = ["AccountsBase", "clean_email"]


class AccountsBase:
    """The account flows' common ground for one request (see ``Accounts``).

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


def clean_email(email: str) -> str:
    """``email`` checked and trimmed, for an account: an address alone, not ``Name <…>``.

    Raises:
        InvalidMessage: it is not an e-mail address (also a ``ValueError``).
    """
    address = validate_address(email.strip(), field="email")
    if "<" in address:  # "Name <a@b>" is an address, but not an account's
        raise InvalidMessage("email: enter the address alone, such as name@example.com.")
    return address

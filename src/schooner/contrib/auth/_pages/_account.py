"""The pages of a signed-in account: the overview, a new address, the end of the account.

A new address changes only when the link mailed to it is followed (its page is open to
anyone holding the link). Signing out everywhere keeps this browser signed in; deleting
the account, confirmed with the password, signs it out.
"""

from __future__ import annotations

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._pages._base import BAD_EMAIL, Pages, User, redirect, use_link
from schooner.contrib.auth._pages._forms import DeleteForm, EmailChangeForm, check_text
from schooner.contrib.auth.exceptions import InvalidCredentials
from schooner.contrib.mail import InvalidMessage
from schooner.contrib.sessions import Flash
from schooner.http import Request, Response

__all__ = ["account_end", "email_change", "overview"]


def overview(p: Pages) -> None:
    """The account overview."""

    @p.get("/", "account", guarded=True)
    async def account(user: User) -> Response:
        """The signed-in user's overview, linking to every account page."""
        return p.page("account", {"user": user})


def email_change(p: Pages) -> None:
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

    use_link(
        p,
        "/email-change/{token}",
        "email_change_confirm",
        Accounts.confirm_email_change,
        done="Your e-mail address has been changed.",
        done_signed_out="Your e-mail address has been changed.",
    )


def account_end(p: Pages) -> None:
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

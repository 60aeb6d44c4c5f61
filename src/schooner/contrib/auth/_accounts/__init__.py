"""``Accounts``: every account flow as one injectable service, built in layers.

``_base`` finds accounts and checks and sets passwords; ``_mail_flows`` adds the flows that
go through a link in mail (sign-up and verification, password reset, a new address);
``_service`` makes ``Accounts`` of them, with signing in and out, changing the password
and deleting the account. The rest of the battery imports from here.
"""

from __future__ import annotations

from schooner.contrib.auth._accounts._base import clean_email
from schooner.contrib.auth._accounts._service import PENDING_KEY, Accounts, accounts_provider

__all__ = ["PENDING_KEY", "Accounts", "accounts_provider", "clean_email"]

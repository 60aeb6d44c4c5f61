"""``pages_router``: every account page, flow by flow, on one router."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schooner.contrib.auth._pages._account import account_end, email_change, overview
from schooner.contrib.auth._pages._base import Pages
from schooner.contrib.auth._pages._passwords import password_change, password_reset
from schooner.contrib.auth._pages._sign_in import registration, sign_in, verification
from schooner.routing import Router

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = ["pages_router"]

FLOWS = (
    overview,
    sign_in,
    registration,
    verification,
    password_reset,
    password_change,
    email_change,
    account_end,
)
"""Each registers the handlers of one flow on the ``Pages``, in this order."""


def pages_router(auth: Auth) -> Router:
    """Every account page (route names in the ``auth`` namespace)."""
    pages = Pages(auth)
    for add in FLOWS:
        add(pages)
    return pages.router

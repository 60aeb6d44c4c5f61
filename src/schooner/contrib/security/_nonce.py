"""CSP nonces: made for a response only when a template or handler asks for one."""

from __future__ import annotations

import base64
import secrets

from schooner.exceptions import ImproperlyConfigured
from schooner.http import Request

__all__ = ["NONCE_KEY", "Nonce", "csp_nonce"]

NONCE_KEY = "schooner.csp_nonce"


class Nonce:
    """A response's nonce, made only if a template or handler asks for it."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: str | None = None

    def get(self) -> str:
        """The nonce, made on first use (128 random bits)."""
        if self.value is None:
            self.value = base64.b64encode(secrets.token_bytes(16)).decode()
        return self.value


def csp_nonce(request: Request) -> str:
    """This response's CSP nonce: ``<script nonce="{{ csp_nonce() }}">`` runs inline code.

    The nonce is added to ``script-src`` and ``style-src`` only when someone asked for it.
    As a dependency: ``nonce: Annotated[str, Inject(csp_nonce)]``.

    Raises:
        ImproperlyConfigured: the app has no ``SecurityHeaders`` component.
    """
    holder = request.scope.get(NONCE_KEY)
    if not isinstance(holder, Nonce):
        raise ImproperlyConfigured(
            "CSP nonces need the SecurityHeaders component: App(components=[SecurityHeaders()])."
        )
    return holder.get()

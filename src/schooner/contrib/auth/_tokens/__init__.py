"""Tokens for API clients: JWT access and refresh tokens, and personal API tokens.

Both are header credentials (``Authorization: Bearer …``), each an authenticator that
``Auth`` asks in turn: a JWT pair is what a client gets for an e-mail and password at
``/api/auth/token``, short-lived and renewed by rotation (``_jwt``, signed with the keys in
``_jwt_keys``); a personal API token (``sch_…``) is made by its user for a script, lives
until it expires or is revoked, and is stored as a digest (``_api_tokens``). ``_api`` has
their endpoints, and :func:`install_tokens` turns on what ``AuthConfig`` asks for.

The rest of the battery imports these names from here, not from the modules.
"""

from __future__ import annotations

from schooner.contrib.auth._tokens._api import install_tokens
from schooner.contrib.auth._tokens._api_tokens import ApiToken, ApiTokens, NewApiToken
from schooner.contrib.auth._tokens._jwt import JWTTokens, RefreshToken, TokenPair

__all__ = [
    "ApiToken",
    "ApiTokens",
    "JWTTokens",
    "NewApiToken",
    "RefreshToken",
    "TokenPair",
    "install_tokens",
]

"""``SessionsConfig``: every option of the ``Sessions`` component, validated."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar, Literal, TypedDict

import msgspec

from schooner.config import Secret
from schooner.contrib._config import ComponentConfig
from schooner.contrib.sessions._backends import SessionBackend
from schooner.exceptions import ImproperlyConfigured

__all__ = ["Expiry", "SameSite", "SessionsConfig", "SessionsOptions"]

Expiry = Literal["rolling", "absolute"]
"""``"rolling"``: the lifetime restarts with each use; ``"absolute"``: it counts from creation."""

SameSite = Literal["lax", "strict", "none"]
"""The cookie's ``SameSite`` attribute."""

# RFC 6265 §4.1.1: a cookie name is an HTTP token.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


class SessionsConfig(ComponentConfig, frozen=True, kw_only=True):
    """How sessions are stored, signed and sent: ``Sessions(config=SessionsConfig(...))``.

    Every field is also a keyword option of ``Sessions``; as a settings block it is the
    ``[schooner.sessions]`` table of ``schooner.toml``, and ``from_env()`` reads
    ``SESSIONS_<FIELD>`` variables.

    Attributes:
        backend: where data lives: ``CookieBackend`` (``None``, the default), ``RedisBackend``
            or ``DatabaseBackend``. Set in code.
        secret_keys: keys that sign the cookie, newest first; the first signs, all verify.
            ``None`` (default): the app's ``settings.secret_key`` then
            ``settings.secret_key_fallbacks``. Changing the key logs everybody out unless the
            old one stays in the list.
        cookie_name: the cookie's name.
        max_age: lifetime in seconds (two weeks by default).
        expiry: ``"rolling"`` (default): the lifetime restarts on every request that uses a
            non-empty session; ``"absolute"``: it counts from the session's creation.
        same_site: the cookie's ``SameSite`` (``"lax"`` by default).
        secure: mark the cookie ``Secure``; ``None`` (default) does so on HTTPS requests and
            always in production.
        domain: the cookie's ``Domain`` (``None``: this host only).
        path: the cookie's ``Path``.
    """

    env_prefix: ClassVar[str] = "SESSIONS_"

    backend: SessionBackend | None = None
    secret_keys: list[Secret] | None = None
    cookie_name: str = "session"
    max_age: int = 14 * 24 * 3600
    expiry: Expiry = "rolling"
    same_site: SameSite = "lax"
    secure: bool | None = None
    domain: str | None = None
    path: str = "/"

    def __post_init__(self) -> None:
        if self.backend is not None and not isinstance(self.backend, SessionBackend):
            raise ImproperlyConfigured(
                f"Sessions: backend must be a session backend (with load, save and delete), "
                f"not {type(self.backend).__name__}: use CookieBackend(), RedisBackend(url) "
                "or DatabaseBackend(db)."
            )
        if self.secret_keys is not None:
            keys = [Secret(k) if isinstance(k, str) else k for k in self.secret_keys]
            if not any(keys):
                raise ImproperlyConfigured(
                    "Sessions: secret_keys needs at least one key; leave it unset to use the "
                    "app's settings.secret_key."
                )
            msgspec.structs.force_setattr(self, "secret_keys", keys)
        if not _TOKEN.match(self.cookie_name):
            raise ImproperlyConfigured(
                f"Sessions: cookie_name {self.cookie_name!r} is not a valid cookie name; use "
                "letters, digits and !#$%&'*+-.^_`|~."
            )
        if self.max_age < 1:
            raise ImproperlyConfigured(
                f"Sessions: max_age must be at least 1 second (got {self.max_age}); it is the "
                "session's lifetime, e.g. 14 * 24 * 3600 for two weeks."
            )
        if self.expiry not in ("rolling", "absolute"):
            raise ImproperlyConfigured(
                f"Sessions: expiry is 'rolling' or 'absolute', not {self.expiry!r}."
            )
        if self.same_site not in ("lax", "strict", "none"):
            raise ImproperlyConfigured(
                f"Sessions: same_site is 'lax', 'strict' or 'none', not {self.same_site!r}."
            )
        if self.same_site == "none" and self.secure is False:
            raise ImproperlyConfigured(
                "Sessions: a SameSite=None cookie must be Secure (browsers drop it otherwise); "
                "leave secure unset or set it to True."
            )
        if not self.path.startswith("/") or any(c in self.path for c in ";\r\n"):
            raise ImproperlyConfigured(
                f"Sessions: path must start with '/' and contain no ';', not {self.path!r}."
            )
        if self.domain is not None and (not self.domain or any(c in self.domain for c in "; \r\n")):
            raise ImproperlyConfigured(
                f"Sessions: domain {self.domain!r} is not a host name; leave it unset for "
                "this host only."
            )


class SessionsOptions(TypedDict, total=False):
    """The keyword options of ``Sessions(...)``: the fields of :class:`SessionsConfig`
    (``backend`` is its first parameter)."""

    secret_keys: Sequence[str | Secret] | None
    cookie_name: str
    max_age: int
    expiry: Expiry
    same_site: SameSite
    secure: bool | None
    domain: str | None
    path: str

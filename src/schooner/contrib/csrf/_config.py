"""``CSRFConfig``: every option of the ``CSRF`` component, validated."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar, TypedDict

from schooner.contrib._config import ComponentConfig
from schooner.exceptions import ImproperlyConfigured

__all__ = ["CSRFConfig", "CSRFOptions"]

# The field name is written into an HTML attribute unescaped, so it is kept to safe characters.
_FIELD = re.compile(r"^[A-Za-z0-9_.:-]+$")
# RFC 9110 §5.1: a field name is a token.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# scheme://host[:port], where host may hold fnmatch wildcards ("https://*.example.com").
_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s?#]+/?$", re.IGNORECASE)


class CSRFConfig(ComponentConfig, frozen=True, kw_only=True):
    """Where the token travels, and which origins and paths are trusted.

    Every field is also a keyword option of ``CSRF``; as a settings block it is the
    ``[schooner.csrf]`` table, and ``from_env()`` reads ``CSRF_<FIELD>`` variables.

    Attributes:
        field_name: the form field that carries the token.
        header_name: the header that carries the token (fetch, htmx).
        trusted_origins: other origins allowed to send requests, ``fnmatch`` patterns such
            as ``"https://*.example.com"``, besides the app's ``settings.trusted_origins``.
        exempt_paths: path patterns (``fnmatch``) never checked, e.g. ``"/hooks/*"``.
    """

    env_prefix: ClassVar[str] = "CSRF_"

    field_name: str = "csrf_token"
    header_name: str = "X-CSRF-Token"
    trusted_origins: list[str] = []  # noqa: RUF012 - msgspec copies empty defaults
    exempt_paths: list[str] = []  # noqa: RUF012 - msgspec copies empty defaults

    def __post_init__(self) -> None:
        if not _FIELD.match(self.field_name):
            raise ImproperlyConfigured(
                f"CSRF: field_name {self.field_name!r} is not a usable form field name; use "
                "letters, digits and _ . : - only."
            )
        if not _TOKEN.match(self.header_name):
            raise ImproperlyConfigured(
                f"CSRF: header_name {self.header_name!r} is not a header name; use letters, "
                "digits and - (e.g. 'X-CSRF-Token')."
            )
        for origin in self.trusted_origins:
            if not _ORIGIN.match(origin):
                raise ImproperlyConfigured(
                    f"CSRF: trusted origin {origin!r} is not an origin; write it as "
                    "scheme://host[:port], e.g. 'https://example.com' or "
                    "'https://*.example.com', without a path."
                )
        for pattern in self.exempt_paths:
            if not pattern.startswith("/"):
                raise ImproperlyConfigured(
                    f"CSRF: exempt path {pattern!r} must start with '/' (it is matched "
                    "against the request path, e.g. '/hooks/*')."
                )


class CSRFOptions(TypedDict, total=False):
    """The keyword options of ``CSRF(...)``: the fields of :class:`CSRFConfig`."""

    field_name: str
    header_name: str
    trusted_origins: Sequence[str]
    exempt_paths: Sequence[str]

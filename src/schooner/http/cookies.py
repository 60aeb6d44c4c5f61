"""Cookie parsing (``Cookie`` request header) and formatting (``Set-Cookie``), RFC 6265."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Literal
from urllib.parse import quote, unquote

SameSite = Literal["lax", "strict", "none"]

# RFC 6265 §4.1.1 cookie-name is an HTTP token.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header into a dict; the first occurrence of a name wins.

    Malformed pairs are skipped rather than rejected, as browsers send what they stored.
    Values in double quotes are unquoted and percent-decoded.
    """
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, sep, value = chunk.partition("=")
        name = name.strip()
        if not sep or not name or not _TOKEN.match(name):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cookies.setdefault(name, unquote(value))
    return cookies


def format_set_cookie(
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    expires: datetime | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = True,
    samesite: SameSite | None = "lax",
    partitioned: bool = False,
) -> str:
    """Return one ``Set-Cookie`` header value.

    The value is percent-encoded so any string round-trips. ``SameSite=None`` requires
    ``Secure`` (browsers reject it otherwise), so it is refused without it.

    Raises:
        ValueError: for an invalid name, path or domain, or ``samesite="none"`` without ``secure``.
    """
    if not _TOKEN.match(name):
        raise ValueError(f"Invalid cookie name {name!r}: use letters, digits and !#$%&'*+-.^_`|~.")
    parts = [f"{name}={quote(value, safe='')}"]
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
    if expires is not None:
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        parts.append(f"Expires={format_datetime(expires.astimezone(UTC), usegmt=True)}")
    for label, attr in (("Path", path), ("Domain", domain)):
        if attr is not None:
            if any(c in attr for c in ";\r\n"):
                raise ValueError(f"Invalid cookie {label.lower()} {attr!r}.")
            parts.append(f"{label}={attr}")
    if samesite == "none" and not secure:
        raise ValueError("SameSite=None cookies must also be Secure; pass secure=True.")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        parts.append(f"SameSite={samesite.capitalize()}")
    if partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)

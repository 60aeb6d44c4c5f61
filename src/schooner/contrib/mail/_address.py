"""E-mail addresses and header values: parsed strictly, so that nothing can smuggle a header.

An address is written ``ada@example.com`` or ``Ada Lovelace <ada@example.com>`` (the name may
be quoted). The part before ``@`` is an RFC 5322 dot-atom of ASCII characters (no quoted
local parts, which servers treat inconsistently); the domain is a host name, and a Unicode
domain is stored in its ASCII (IDNA) form. A header value — a subject, a display name, an
extra header — may hold any text except control characters and line separators: CR or LF
in a header value is how header injection works, so such a value is refused, never cleaned.
"""

from __future__ import annotations

import re
import unicodedata
from email.headerregistry import Address

from schooner.contrib.mail.exceptions import InvalidMessage

__all__ = ["check_header_value", "has_line_break", "parse_address", "validate_address"]

# RFC 5322 §3.2.3: atext, and a dot-atom of it.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LOCAL = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
# RFC 1035 / 5890 host names (after IDNA): labels of letters, digits and inner hyphens.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_NAMED = re.compile(r"^(?P<name>.*?)\s*<(?P<address>[^<>]*)>$", re.DOTALL)
# Unicode line and paragraph separators: str.splitlines() breaks on them, so they are
# refused with the ASCII control characters.
_BREAKING = frozenset({"Cc", "Zl", "Zp"})
# RFC 2047 §2: =?charset?encoding?text?=. Mail programs (Python's own email package among
# them) decode such a word wherever they find it, so "=?utf-8?b?DQpCY2M6IC4uLg==?=" in a
# subject would become a line break and a Bcc header once decoded: refused like CR/LF.
_ENCODED_WORD = re.compile(r"=\?[^?]*\?[^?]*\?[^?]*\?=")


def check_header_value(value: str, *, field: str, allow_tab: bool = True) -> str:
    """Return ``value`` if it can be a header value, else raise :class:`InvalidMessage`.

    Refused: CR, LF and every other control character (tab excepted, when allowed), the
    Unicode line and paragraph separators, and anything of the form of an RFC 2047 encoded
    word (which decodes to other text, line breaks included).
    """
    if not isinstance(value, str):
        raise InvalidMessage(f"{field} must be text, not {type(value).__name__}.", field=field)
    for char in value:
        if unicodedata.category(char) in _BREAKING and not (allow_tab and char == "\t"):
            raise InvalidMessage(
                f"{field} contains the control character {char!r}: header values may not hold "
                "line breaks or control characters (they could add headers to the message).",
                field=field,
            )
    found = _ENCODED_WORD.search(value)
    if found is not None:
        raise InvalidMessage(
            f"{field} contains {found.group()!r}, which mail programs read as an encoded word "
            "(RFC 2047) and show as other text, possibly with line breaks: remove it.",
            field=field,
        )
    return value


def has_line_break(text: str) -> bool:
    """Whether ``text`` holds a character that breaks a header line (tab excepted)."""
    return any(unicodedata.category(c) in _BREAKING and c != "\t" for c in text)


def parse_address(text: str, *, field: str = "address") -> Address:
    """Parse one address (``a@example.com`` or ``Name <a@example.com>``) strictly.

    Raises:
        InvalidMessage: it is not one valid address; the message says why.
    """
    if not isinstance(text, str):
        raise InvalidMessage(
            f"{field}: an address is text, not {type(text).__name__}.", field=field
        )
    check_header_value(text, field=field, allow_tab=False)
    stripped = text.strip()
    found = _NAMED.match(stripped)
    name, spec = ("", stripped) if found is None else (found["name"], found["address"].strip())
    name = _unquote(name.strip())
    if "@" not in spec or any(c.isspace() for c in spec) or "," in spec:
        hint = " Give one address per list item." if "," in stripped else ""
        raise InvalidMessage(
            f"{field}: {text!r} is not an e-mail address (expected name@example.com or "
            f"Name <name@example.com>).{hint}",
            field=field,
        )
    local, _, domain = spec.rpartition("@")
    if not _LOCAL.fullmatch(local) or len(local) > 64:
        raise InvalidMessage(
            f"{field}: the part before '@' in {spec!r} is not valid: use ASCII letters, "
            "digits and !#$%&'*+-/=?^_`{|}~, with single dots between them (at most 64).",
            field=field,
        )
    ascii_domain = _ascii_domain(domain, spec, field)
    if len(local) + 1 + len(ascii_domain) > 254:
        raise InvalidMessage(f"{field}: {spec!r} is longer than 254 characters.", field=field)
    return Address(display_name=name, username=local, domain=ascii_domain)


def validate_address(text: str, *, field: str = "address") -> str:
    """Check an address and return it in its normal form (``Name <a@example.com>``).

    Use it where users type addresses (a form's clean step), so that a bad one is refused
    there rather than when a message is built. Unicode domains come back in their ASCII
    (IDNA) form.

    Raises:
        InvalidMessage: it is not one valid address; the message says why.
    """
    return str(parse_address(text, field=field))


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name


def _ascii_domain(domain: str, spec: str, field: str) -> str:
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        ascii_domain = ""
    if not ascii_domain or len(ascii_domain) > 253 or not _DOMAIN.fullmatch(ascii_domain):
        raise InvalidMessage(
            f"{field}: the domain of {spec!r} is not a valid host name.", field=field
        )
    return ascii_domain

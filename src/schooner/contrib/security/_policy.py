"""The security headers a response gets: the policy, its checks, and how changes apply."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from schooner.exceptions import ImproperlyConfigured
from schooner.types import Scope

__all__ = ["DEFAULT_CSP", "HeaderPolicy", "apply_changes", "check_header_value"]

DEFAULT_CSP: dict[str, str] = {
    "default-src": "'self'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
}

# Values browsers understand (Referrer Policy §3, HTML's X-Frame-Options and COOP).
REFERRER_POLICIES = frozenset(
    {"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
     "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"}
)  # fmt: skip
FRAME_OPTIONS = frozenset({"deny", "sameorigin"})
OPENER_POLICIES = frozenset(
    {"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"}
)
_DIRECTIVE = re.compile(r"^[a-z][a-z0-9-]*$")
_HSTS = re.compile(r"^max-age=\d+(\s*;\s*(includesubdomains|preload))*$", re.IGNORECASE)


@dataclass(frozen=True)
class HeaderPolicy:
    """The headers to send; ``None`` leaves a header out.

    Attributes:
        csp: Content-Security-Policy directives (name → sources).
        csp_report_only: send the policy as ``Content-Security-Policy-Report-Only``.
        content_type_options: ``X-Content-Type-Options``.
        referrer_policy: ``Referrer-Policy``.
        frame_options: ``X-Frame-Options`` (for old browsers; CSP ``frame-ancestors`` is
            the modern one).
        cross_origin_opener_policy: ``Cross-Origin-Opener-Policy``.
        hsts: ``Strict-Transport-Security``, sent on HTTPS responses only.
    """

    csp: Mapping[str, str] | None = field(default_factory=lambda: dict(DEFAULT_CSP))
    csp_report_only: bool = False
    content_type_options: str | None = "nosniff"
    referrer_policy: str | None = "strict-origin-when-cross-origin"
    frame_options: str | None = "DENY"
    cross_origin_opener_policy: str | None = "same-origin"
    hsts: str | None = None

    def headers(self, scope: Scope, nonce: str | None) -> list[tuple[bytes, bytes]]:
        """The header lines for one response."""
        out: list[tuple[bytes, bytes]] = []
        if self.csp is not None:
            name = b"content-security-policy"
            if self.csp_report_only:
                name += b"-report-only"
            out.append((name, _csp(self.csp, nonce).encode("latin-1")))
        for header, value in (
            (b"x-content-type-options", self.content_type_options),
            (b"referrer-policy", self.referrer_policy),
            (b"x-frame-options", self.frame_options),
            (b"cross-origin-opener-policy", self.cross_origin_opener_policy),
        ):
            if value is not None:
                out.append((header, value.encode("latin-1")))
        if self.hsts is not None and scope.get("scheme") in ("https", "wss"):
            # RFC 6797 §7.2: browsers ignore HSTS received over plain HTTP.
            out.append((b"strict-transport-security", self.hsts.encode("latin-1")))
        return out


POLICY_FIELDS = frozenset(HeaderPolicy.__dataclass_fields__)


def _csp(directives: Mapping[str, str], nonce: str | None) -> str:
    parts = dict(directives)
    if nonce is not None:
        token = f"'nonce-{nonce}'"
        for name in ("script-src", "style-src"):
            base = parts.get(name, parts.get("default-src", "'self'"))
            parts[name] = f"{base} {token}"
    return "; ".join(f"{name} {value}".strip() for name, value in parts.items())


def apply_changes(policy: HeaderPolicy, changes: Mapping[str, Any]) -> HeaderPolicy:
    """``policy`` with ``changes``: a ``csp`` mapping replaces the directives it names (a
    ``None`` directive is removed); ``csp=None`` drops the policy; other fields replace."""
    changes = dict(changes)
    csp = changes.pop("csp", ...)
    if csp is not ...:
        if csp is None:
            changes["csp"] = None
        else:
            merged = {**(policy.csp or {}), **csp}
            changes["csp"] = {k: v for k, v in merged.items() if v is not None}
    return replace(policy, **changes)


def check_header_value(owner: str, name: str, value: Any) -> None:
    """Refuse a value browsers would ignore or misread, saying what to write instead.

    Args:
        owner: who is being configured, for the message (``"SecurityHeaders"``).
        name: a :class:`HeaderPolicy` field.
        value: its new value (``None`` turns the header off and is always valid).

    Raises:
        ImproperlyConfigured: the value is not one browsers accept.
    """
    if value is None or name == "csp_report_only":
        return
    if name == "csp":
        _check_csp(owner, value)
        return
    text = str(value).strip().lower()
    if name == "content_type_options" and text != "nosniff":
        problem = "content_type_options is 'nosniff' (or None)"
    elif name == "referrer_policy" and not all(
        part.strip() in REFERRER_POLICIES for part in text.split(",")
    ):
        problem = f"referrer_policy is one of {', '.join(sorted(REFERRER_POLICIES))}"
    elif name == "frame_options" and text not in FRAME_OPTIONS:
        problem = "frame_options is 'DENY' or 'SAMEORIGIN' (or None, to allow framing)"
    elif name == "cross_origin_opener_policy" and text not in OPENER_POLICIES:
        problem = f"cross_origin_opener_policy is one of {', '.join(sorted(OPENER_POLICIES))}"
    elif name == "hsts" and not _HSTS.match(text):
        problem = "hsts looks like 'max-age=31536000; includeSubDomains' (or None)"
    else:
        return
    raise ImproperlyConfigured(f"{owner}: {problem}, not {value!r}.")


def _check_csp(owner: str, directives: Any) -> None:
    if not isinstance(directives, Mapping):
        raise ImproperlyConfigured(
            f"{owner}: csp is a mapping of directives, e.g. {{'img-src': \"'self' data:\"}}."
        )
    for directive, sources in directives.items():
        if not isinstance(directive, str) or not _DIRECTIVE.match(directive):
            raise ImproperlyConfigured(
                f"{owner}: {directive!r} is not a CSP directive name (lower case, like 'img-src')."
            )
        if sources is not None and (
            not isinstance(sources, str) or any(c in sources for c in ";,\r\n")
        ):
            raise ImproperlyConfigured(
                f"{owner}: the sources of {directive} must be one string of sources separated "
                f"by spaces (no ';' or ','), not {sources!r}."
            )

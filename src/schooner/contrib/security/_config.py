"""``SecurityHeadersConfig``: every option of the ``SecurityHeaders`` component, validated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, TypedDict

from schooner.contrib._config import ComponentConfig
from schooner.contrib.security._policy import check_header_value
from schooner.exceptions import ImproperlyConfigured

__all__ = ["SecurityHeadersConfig", "SecurityHeadersOptions"]


class SecurityHeadersConfig(ComponentConfig, frozen=True, kw_only=True):
    """Changes to the strict default headers, app-wide.

    Every field is also a keyword option of ``SecurityHeaders``; as a settings block it is
    the ``[schooner.security]`` table, and ``from_env()`` reads ``SECURITY_<FIELD>``
    variables. ``None`` turns a header off.

    Attributes:
        csp: directives that replace the defaults of the same name (a ``None`` source
            removes one), e.g. ``{"img-src": "'self' data:"}``; ``{}`` keeps the defaults
            and ``None`` sends no policy at all.
        csp_report_only: send the policy as ``Content-Security-Policy-Report-Only``, to try
            it before enforcing it.
        content_type_options: ``X-Content-Type-Options``.
        referrer_policy: ``Referrer-Policy``.
        frame_options: ``X-Frame-Options`` (``DENY``, ``SAMEORIGIN``).
        cross_origin_opener_policy: ``Cross-Origin-Opener-Policy``.
        hsts: ``Strict-Transport-Security`` on HTTPS responses; ``"auto"`` (default) sends
            ``max-age=31536000; includeSubDomains`` in production and nothing elsewhere.
    """

    env_prefix: ClassVar[str] = "SECURITY_"

    csp: dict[str, str | None] | None = {}  # noqa: RUF012 - msgspec copies empty defaults
    csp_report_only: bool = False
    content_type_options: str | None = "nosniff"
    referrer_policy: str | None = "strict-origin-when-cross-origin"
    frame_options: str | None = "DENY"
    cross_origin_opener_policy: str | None = "same-origin"
    hsts: str | None = "auto"

    def __post_init__(self) -> None:
        if self.csp is not None and not isinstance(self.csp, Mapping):
            raise ImproperlyConfigured(
                "SecurityHeaders: csp is a mapping of directives to sources, e.g. "
                "{'img-src': \"'self' data:\"}, or None for no policy."
            )
        for name in (
            "csp",
            "content_type_options",
            "referrer_policy",
            "frame_options",
            "cross_origin_opener_policy",
        ):
            check_header_value("SecurityHeaders", name, getattr(self, name))
        if self.hsts != "auto":
            check_header_value("SecurityHeaders", "hsts", self.hsts)


class SecurityHeadersOptions(TypedDict, total=False):
    """The keyword options of ``SecurityHeaders(...)``: the fields of
    :class:`SecurityHeadersConfig`."""

    csp: Mapping[str, str | None] | None
    csp_report_only: bool
    content_type_options: str | None
    referrer_policy: str | None
    frame_options: str | None
    cross_origin_opener_policy: str | None
    hsts: str | None

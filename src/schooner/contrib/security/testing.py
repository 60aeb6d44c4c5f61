"""Test helpers for apps with the ``SecurityHeaders`` component.

::

    from schooner.contrib.security.testing import csp_of

    def test_the_widget_can_be_framed_by_the_partner(client: TestClient) -> None:
        policy = csp_of(client.get("/widget"))
        assert policy["frame-ancestors"] == "https://partner.example"
        assert "script-src" not in policy

A policy is one long header; :func:`csp_of` splits it into directives, so a test states
what it means instead of matching a string.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["csp_of"]


class _Response(Protocol):
    @property
    def headers(self) -> _Headers: ...


class _Headers(Protocol):
    def get(self, key: str) -> str | None: ...


def csp_of(response: _Response, *, report_only: bool = False) -> dict[str, str]:
    """The response's Content-Security-Policy as ``{directive: sources}``.

    Args:
        response: a test client's response.
        report_only: read ``Content-Security-Policy-Report-Only`` instead.

    Raises:
        LookupError: the response has no such header.
    """
    name = "content-security-policy" + ("-report-only" if report_only else "")
    header = response.headers.get(name)
    if header is None:
        raise LookupError(f"The response has no {name} header.")
    policy: dict[str, str] = {}
    for part in header.split(";"):
        directive, _, sources = part.strip().partition(" ")
        if directive:
            policy.setdefault(directive.lower(), sources.strip())  # the first one counts
    return policy

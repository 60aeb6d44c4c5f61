"""Origins as browsers send them, normalised for comparison."""

from __future__ import annotations

import pytest

from schooner.http.origins import normalize_origin, own_origin


@pytest.mark.parametrize(
    ("origin", "normal"),
    [
        ("https://Example.COM", "https://example.com"),
        ("https://example.com:443", "https://example.com"),
        ("http://example.com:80/", "http://example.com"),
        ("http://example.com:8080", "http://example.com:8080"),
        ("https://example.com:80", "https://example.com:80"),
        ("null", "null"),
    ],
)
def test_normalize_origin(origin: str, normal: str) -> None:
    """Case, a trailing slash and the scheme's default port do not make another origin."""
    assert normalize_origin(origin) == normal


@pytest.mark.parametrize(
    ("scheme", "host", "server", "origin"),
    [
        ("https", "Shop.test", None, "https://shop.test"),
        ("wss", "shop.test:443", None, "https://shop.test"),
        ("ws", "shop.test:8000", None, "http://shop.test:8000"),
        ("http", None, ("10.0.0.2", 8000), "http://10.0.0.2:8000"),
    ],
)
def test_own_origin(
    scheme: str, host: str | None, server: tuple[str, int] | None, origin: str
) -> None:
    """A request's own origin comes from its scheme and Host (the server's address without)."""
    scope = {"type": "http", "scheme": scheme, "server": server}
    assert own_origin(scope, host) == origin


def test_trusted_origins() -> None:
    """Patterns are normalised once; an origin matches in any of its spellings."""
    from schooner.http.origins import TrustedOrigins

    trusted = TrustedOrigins(["https://*.Example.com:443/"])
    assert "https://shop.example.com" in trusted
    assert "HTTPS://shop.example.com:443" in trusted
    assert "https://example.org" not in trusted
    assert "http://shop.example.com" not in trusted
    assert None not in trusted

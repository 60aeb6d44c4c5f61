"""Client addresses: X-Forwarded-For is believed only through trusted proxies."""

from __future__ import annotations

import pytest

from schooner.contrib.ratelimit import TrustedProxies, client_address
from schooner.exceptions import ImproperlyConfigured

PROXIES = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", [], PROXIES, "203.0.113.9"),
        # Spoofed header from a client that is not a proxy: ignored.
        ("203.0.113.9", ["1.2.3.4"], PROXIES, "203.0.113.9"),
        # No proxies configured: the header is never read.
        ("10.0.0.1", ["1.2.3.4"], [], "10.0.0.1"),
        ("10.0.0.1", ["1.2.3.4"], PROXIES, "1.2.3.4"),
        # The client wrote "6.6.6.6" itself; the proxy appended what it saw.
        ("10.0.0.1", ["6.6.6.6, 1.2.3.4"], PROXIES, "1.2.3.4"),
        # Two proxies: skip every trusted hop from the right.
        ("10.0.0.1", ["6.6.6.6, 1.2.3.4, 192.0.2.7"], PROXIES, "1.2.3.4"),
        # Several headers are one list, in order.
        ("10.0.0.1", ["6.6.6.6", "1.2.3.4, 10.9.9.9"], PROXIES, "1.2.3.4"),
        # Every hop trusted: the left-most is the origin.
        ("10.0.0.1", ["10.1.1.1, 10.2.2.2"], PROXIES, "10.1.1.1"),
        ("10.0.0.1", [" "], PROXIES, "10.0.0.1"),
        ("2001:db8::1", ["2001:db8::2, 2a00::5"], PROXIES, "2a00::5"),
        ("192.0.2.7", ["garbage"], PROXIES, "garbage"),
    ],
)
def test_client_address(peer: str, forwarded: list[str], trusted: list[str], expected: str) -> None:
    """The right-most untrusted address wins, and only behind a trusted peer."""
    scope = {
        "type": "http",
        "client": (peer, 1234),
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }
    assert client_address(scope, TrustedProxies(trusted)) == expected


def test_no_client_gives_an_empty_address() -> None:
    """A scope without a client (some test servers) is the empty string, not an error."""
    assert client_address({"type": "http", "headers": []}, TrustedProxies()) == ""


def test_bad_proxy_entries_are_configuration_errors() -> None:
    """A trusted proxy that is not an address or network says how to write one."""
    with pytest.raises(ImproperlyConfigured, match=r"10\.0\.0\.0/8"):
        TrustedProxies(["proxy.internal"])


def test_membership_checks_addresses() -> None:
    """Addresses inside a network are trusted; non-addresses never are."""
    proxies = TrustedProxies(["10.0.0.0/8"])
    assert "10.20.30.40" in proxies
    assert "11.0.0.1" not in proxies
    assert "not-an-ip" not in proxies
    assert not TrustedProxies()

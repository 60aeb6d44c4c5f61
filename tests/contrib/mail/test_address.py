"""Addresses and header values: strict parsing, so nothing can add a header."""

from __future__ import annotations

import pytest

from schooner.contrib.mail import InvalidMessage, validate_address


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  ada@example.com ", "ada@example.com"),
        ("Ada Lovelace <ada@example.com>", "Ada Lovelace <ada@example.com>"),
        ('"Lovelace, Ada" <ada@example.com>', '"Lovelace, Ada" <ada@example.com>'),
        ("Lovelace, Ada <ada@example.com>", '"Lovelace, Ada" <ada@example.com>'),
        ('"Ada \\"the first\\"" <ada@example.com>', '"Ada \\"the first\\"" <ada@example.com>'),
        ("<ada@example.com>", "ada@example.com"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("o'hara@example.com", "o'hara@example.com"),
        ("root@localhost", "root@localhost"),
        ("ada@bücher.example", "ada@xn--bcher-kva.example"),
        ("Zoë <zoe@example.com>", "Zoë <zoe@example.com>"),
    ],
)
def test_valid_addresses_come_back_in_their_normal_form(given: str, normal: str) -> None:
    """Names are quoted when needed and Unicode domains become IDNA."""
    assert validate_address(given) == normal


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "not an e-mail address"),
        ("ada", "not an e-mail address"),
        ("ada@", "domain"),
        ("@example.com", "before '@'"),
        ("ada@@example.com", "before '@'"),
        ("a..b@example.com", "before '@'"),
        (".ada@example.com", "before '@'"),
        ("ada smith@example.com", "not an e-mail address"),
        ("a@example.com, b@example.com", "one address per list item"),
        ("ada@exa mple.com", "not an e-mail address"),
        ("ada@-example.com", "domain"),
        ("ada@example..com", "domain"),
        ("ada@[127.0.0.1]", "domain"),
        ("zoë@example.com", "before '@'"),
        ("x" * 65 + "@example.com", "before '@'"),
        ("ada@" + "a" * 250 + ".com", "domain"),
        ("ada@example.com\r\nBcc: victim@example.com", "control character"),
        ("Ada\n <ada@example.com>", "control character"),
        ("ada@example.com\x00", "control character"),
        ("Ada\u2028 <ada@example.com>", "control character"),
        ("Ada <ada@example.com", "not an e-mail address"),
    ],
)
def test_invalid_addresses_are_refused_with_a_reason(given: str, reason: str) -> None:
    """Each malformed address raises InvalidMessage (a ValueError) saying what is wrong."""
    with pytest.raises(InvalidMessage, match=reason) as caught:
        validate_address(given, field="to")
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == "to"


def test_non_text_is_refused() -> None:
    """An address must be a string, not bytes or a number."""
    with pytest.raises(InvalidMessage, match="text, not bytes"):
        validate_address(b"ada@example.com")  # type: ignore[arg-type]

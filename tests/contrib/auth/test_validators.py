"""Password validators: each rule's table, the shipped common list, and validate_password."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schooner.contrib.auth._passwords import MAX_PASSWORD_LENGTH, Argon2Parameters, PasswordHasher
from schooner.contrib.auth._validators import (
    DEFAULT_VALIDATORS,
    MinimumLength,
    NotCommon,
    NotNumeric,
    PasswordRejected,
    PasswordValidator,
    UserAttributeSimilarity,
    password_help_texts,
    validate_password,
)
from schooner.exceptions import ImproperlyConfigured, SchoonerError

ADA = {
    "email": "ada.lovelace@example.com",
    "username": "countess_ada",
    "first_name": "Augusta",
    "last_name": None,
}
ANY_TEXT = st.text(st.characters(exclude_categories=()))  # lone surrogates included


@pytest.mark.parametrize(
    ("min_length", "password", "accepted"),
    [
        (10, "a" * 9, False),
        (10, "a" * 10, True),
        (10, "", False),
        (10, "ééééééééé✓", True),  # characters, not bytes
        (1, "", False),
        (1, "x", True),
        (64, "x" * 63, False),
    ],
)
def test_minimum_length(min_length: int, password: str, accepted: bool) -> None:
    """Passwords shorter than min_length characters are refused with the minimum named."""
    message = MinimumLength(min_length).validate(password, {})
    if accepted:
        assert message is None
    else:
        unit = "character" if min_length == 1 else "characters"
        assert message == (
            f"This password is too short: it must contain at least {min_length} {unit}."
        )


def test_minimum_length_says_its_rule() -> None:
    """The help text names the minimum, 10 by default."""
    assert MinimumLength().help_text == "Your password must contain at least 10 characters."


@pytest.mark.parametrize("min_length", [0, -1, 8.5, "10", True])
def test_minimum_length_must_be_a_positive_integer(min_length: Any) -> None:
    """A minimum that is not a whole number of at least 1 is a configuration error."""
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        MinimumLength(min_length)


@pytest.mark.parametrize(
    ("password", "refused_for"),
    [
        ("ada.lovelace@example.com", "e-mail address"),
        ("ADA.LOVELACE", "e-mail address"),  # the local part whole, any case
        ("adalovelace", "e-mail address"),
        ("lovelace1", "e-mail address"),
        ("ecalevol", "e-mail address"),  # backwards: quick_ratio ignores order
        ("example99", "e-mail address"),
        ("countessada", "username"),
        ("countess", "username"),
        ("augusta!", "first name"),
        ("correct horse battery staple", None),
        ("Tr0ub4dor&3xyz", None),
        ("ada", "e-mail address"),  # a word of the address
        ("lace", None),  # too short a piece of "lovelace" to be 0.7 alike
    ],
)
def test_user_attribute_similarity(password: str, refused_for: str | None) -> None:
    """A password like an attribute, or one of its parts, is refused naming the attribute."""
    message = UserAttributeSimilarity().validate(password, ADA)
    if refused_for is None:
        assert message is None
    else:
        assert message == f"This password is too similar to your {refused_for}."


@pytest.mark.parametrize(
    ("attributes", "names", "password", "refused"),
    [
        ({}, ("email",), "ada.lovelace", False),
        ({"email": None}, ("email",), "ada.lovelace", False),
        ({"email": ""}, ("email",), "ada.lovelace", False),
        ({"nickname": "lovelace"}, ("email",), "lovelace1", False),
        ({"nickname": "lovelace"}, ("nickname",), "lovelace1", True),
    ],
)
def test_only_the_named_attributes_that_have_values_count(
    attributes: Mapping[str, str | None], names: tuple[str, ...], password: str, refused: bool
) -> None:
    """Missing, None and empty values are skipped; only the configured names are compared."""
    message = UserAttributeSimilarity(names).validate(password, attributes)
    assert (message is not None) == refused


def test_an_e_mail_address_local_part_is_compared_whole() -> None:
    """Words too short to match alone still match as the local part they make up."""
    attributes = {"email": "bo.li.ma.ke@a-very-long-domain-name.example.org"}
    message = UserAttributeSimilarity().validate("bolimake", attributes)
    assert message == "This password is too similar to your e-mail address."


def test_an_attribute_of_your_own_is_named_in_words() -> None:
    """A custom attribute's name is used in the message, underscores as spaces."""
    validator = UserAttributeSimilarity(["company_name"])
    message = validator.validate("analytical-engine", {"company_name": "Analytical Engines"})
    assert message == "This password is too similar to your company name."


@pytest.mark.parametrize(
    ("max_similarity", "password", "refused"),
    [
        (1.0, "lovelace", True),
        (1.0, "ecalevol", True),  # a rearrangement is still 1.0 by quick_ratio
        (1.0, "lovelace1", False),
        (0.7, "lovelace1", True),
        (0.1, "vole", True),
    ],
)
def test_max_similarity_sets_how_alike_is_too_alike(
    max_similarity: float, password: str, refused: bool
) -> None:
    """1.0 refuses only exact rearrangements; lower values refuse more."""
    validator = UserAttributeSimilarity(("last_name",), max_similarity=max_similarity)
    message = validator.validate(password, {"last_name": "Lovelace"})
    assert (message is not None) == refused


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"attributes": "email"}, "sequence of attribute names"),
        ({"attributes": ["email", 3]}, "sequence of attribute names"),
        ({"max_similarity": 0.05}, "between 0.1 and 1.0"),
        ({"max_similarity": 1.5}, "between 0.1 and 1.0"),
        ({"max_similarity": "0.7"}, "must be a number"),
    ],
)
def test_user_attribute_similarity_checks_its_options(
    options: dict[str, Any], message: str
) -> None:
    """A bare string of attributes or a similarity outside 0.1..1.0 is refused."""
    with pytest.raises(ImproperlyConfigured, match=message):
        UserAttributeSimilarity(**options)


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("1234567890", True),
        ("0000000000000000", True),
        ("١٢٣٤٥٦٧٨٩٠", True),  # Arabic-Indic digits are digits too
        ("12345678901x", False),
        ("1234 5678 90", False),
        ("", False),
    ],
)
def test_not_numeric(password: str, refused: bool) -> None:
    """Passwords of digits only are refused."""
    message = NotNumeric().validate(password, {})
    assert message == ("This password is entirely numeric." if refused else None)


def test_the_shipped_common_list_is_whole() -> None:
    """Django's list ships: at least 10,000 passwords, the usual suspects among them."""
    passwords = NotCommon().passwords
    assert len(passwords) >= 10_000
    assert {"password", "123456", "qwerty", "letmein", "iloveyou"} <= passwords
    assert all(p == p.lower().strip() and p for p in passwords)


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("password", True),
        ("PassWord", True),
        ("  qwerty\t", True),
        ("123456", True),
        ("correct horse battery staple", False),
        ("password-for-schooner-7", False),
    ],
)
def test_not_common(password: str, refused: bool) -> None:
    """A listed password is refused whatever its case and surrounding spaces."""
    message = NotCommon().validate(password, {})
    assert message == ("This password is too common." if refused else None)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_not_common_reads_a_list_of_your_own(tmp_path: Path, compress: bool) -> None:
    """A plain or gzipped list of one's own is used instead, lowercased, blank lines skipped."""
    content = b"Schooner2024\n\n  MainSail  \nanchor\n"
    path = tmp_path / ("list.txt.gz" if compress else "list.txt")
    path.write_bytes(gzip.compress(content) if compress else content)
    validator = NotCommon(path)
    assert validator.passwords == {"schooner2024", "mainsail", "anchor"}
    assert validator.validate("SCHOONER2024", {}) == "This password is too common."
    assert validator.validate("password", {}) is None


def test_not_common_refuses_a_missing_list(tmp_path: Path) -> None:
    """A path that is not a file is a configuration error when the validator is built."""
    with pytest.raises(ImproperlyConfigured, match="is not a file"):
        NotCommon(tmp_path / "missing.txt")


@pytest.mark.parametrize(
    "content", [b"\x1f\x8b\x08 truncated gzip", b"\xff\xfe not utf-8"], ids=["gzip", "utf-8"]
)
def test_not_common_says_when_a_list_cannot_be_read(tmp_path: Path, content: bytes) -> None:
    """A broken gzip or a list that is not UTF-8 is reported when it is first read."""
    path = tmp_path / "broken.txt"
    path.write_bytes(content)
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        NotCommon(path).validate("password", {})


@pytest.mark.parametrize(
    ("password", "attributes", "messages"),
    [
        (
            "123",
            {},
            [
                "This password is too short: it must contain at least 10 characters.",
                "This password is too common.",
                "This password is entirely numeric.",
            ],
        ),
        (
            "lovelace",
            {"email": "ada.lovelace@example.com"},
            [
                "This password is too short: it must contain at least 10 characters.",
                "This password is too similar to your e-mail address.",
            ],
        ),
        ("1234567890", {}, ["This password is too common.", "This password is entirely numeric."]),
        (
            "iloveyou",
            {},
            [
                "This password is too short: it must contain at least 10 characters.",
                "This password is too common.",
            ],
        ),
    ],
)
def test_validate_password_reports_every_failing_rule(
    password: str, attributes: dict[str, str], messages: list[str]
) -> None:
    """All the default validators run and every message is raised together, in order."""
    with pytest.raises(PasswordRejected) as caught:
        validate_password(password, attributes=attributes)
    assert caught.value.messages == messages
    assert str(caught.value) == " ".join(messages)
    assert isinstance(caught.value, SchoonerError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "Tr0ub4dor&3xyz", "mainsail-at-dawn-42"]
)
def test_validate_password_accepts_good_passwords(password: str) -> None:
    """A long, uncommon password unlike the user's details passes."""
    validate_password(password, attributes=ADA)  # no PasswordRejected


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("x" * (MAX_PASSWORD_LENGTH + 1), "at most 4,096 characters"),
        ("pass\ud800word-long-enough", "not valid text"),
    ],
    ids=["overlong", "surrogate"],
)
def test_passwords_that_cannot_be_hashed_are_refused_by_any_validators(
    password: str, message: str
) -> None:
    """Even with no validators, a password the hasher would refuse is rejected here."""
    with pytest.raises(PasswordRejected, match=message):
        validate_password(password, validators=[])


def test_the_longest_hashable_password_passes_with_no_validators() -> None:
    """MAX_PASSWORD_LENGTH characters exactly is not refused for length."""
    validate_password("x" * MAX_PASSWORD_LENGTH, validators=[])  # no PasswordRejected


class NoSchooner:
    """A validator of one's own, following the protocol."""

    help_text = "Your password can’t mention schooners."

    def validate(self, password: str, attributes: Mapping[str, str | None]) -> str | None:
        return "This password mentions a schooner." if "schooner" in password.lower() else None


def test_validators_of_your_own_replace_the_defaults() -> None:
    """Given validators run instead of the defaults; objects with the two members qualify."""
    validator = NoSchooner()
    assert isinstance(validator, PasswordValidator)
    assert all(isinstance(v, PasswordValidator) for v in DEFAULT_VALIDATORS)
    with pytest.raises(PasswordRejected) as caught:
        validate_password("Schooner", validators=[validator, MinimumLength(12)])
    assert caught.value.messages == [
        "This password mentions a schooner.",
        "This password is too short: it must contain at least 12 characters.",
    ]
    validate_password("123", validators=[validator])  # no PasswordRejected


def test_help_texts_list_the_rules() -> None:
    """password_help_texts() gives each validator's rule, the defaults' by default."""
    assert password_help_texts() == [
        "Your password must contain at least 10 characters.",
        "Your password can’t be too similar to your other personal information.",
        "Your password can’t be a commonly used password.",
        "Your password can’t be entirely numeric.",
    ]
    assert password_help_texts([NoSchooner()]) == ["Your password can’t mention schooners."]


def test_a_password_must_be_text() -> None:
    """Bytes are a programming error, not a rejected password."""
    with pytest.raises(TypeError, match="not bytes"):
        validate_password(b"hunter2")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    password=ANY_TEXT,
    attributes=st.dictionaries(
        st.sampled_from(["email", "username", "first_name", "last_name", "other"]),
        st.none() | ANY_TEXT,
    ),
)
def test_any_text_is_accepted_or_rejected_never_an_error(
    password: str, attributes: dict[str, str | None]
) -> None:
    """Hypothesis: arbitrary passwords and attributes raise nothing but PasswordRejected."""
    messages: list[str] = []
    try:
        validate_password(password, attributes=attributes)
    except PasswordRejected as exc:
        messages = exc.messages
        assert messages, "a rejection says why"
    assert all(isinstance(m, str) and m for m in messages)


@settings(max_examples=100, deadline=None)
@given(password=ANY_TEXT | st.text(min_size=4090, max_size=4100))
def test_a_password_validate_password_accepts_always_hashes(password: str) -> None:
    """Hypothesis: whatever passes validate_password (no rules) hashes without error."""
    try:
        validate_password(password, validators=[])
    except PasswordRejected:
        return
    hasher = PasswordHasher(Argon2Parameters(time_cost=1, memory_cost=64))
    encoded = asyncio.run(hasher.hash(password))
    assert asyncio.run(hasher.verify(password, encoded))

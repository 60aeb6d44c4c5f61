"""Password validators: refuse passwords that are short, common, numeric or like the user's.

``validate_password(password, attributes={"email": ...})`` runs every validator and raises
:class:`PasswordRejected` with all their messages at once, so a sign-up form can show them
together; ``password_help_texts()`` says the rules before anyone types. A validator is any
object with ``validate(password, attributes) -> message | None`` and ``help_text``.

Whatever the validators, ``validate_password`` refuses a password that
:class:`~schooner.contrib.auth.PasswordHasher` could not hash (longer than
``MAX_PASSWORD_LENGTH``, or not valid text): a password it accepts always hashes.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import zlib
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from pathlib import Path
from types import MappingProxyType
from typing import Final, Protocol, runtime_checkable

from schooner.contrib.auth._hash_formats import is_text
from schooner.contrib.auth._passwords import MAX_PASSWORD_LENGTH
from schooner.exceptions import ImproperlyConfigured, SchoonerError

__all__ = [
    "DEFAULT_VALIDATORS",
    "MinimumLength",
    "NotCommon",
    "NotNumeric",
    "PasswordRejected",
    "PasswordValidator",
    "UserAttributeSimilarity",
    "password_help_texts",
    "validate_password",
]

COMMON_PASSWORDS: Final = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
_NO_ATTRIBUTES: Final[Mapping[str, str | None]] = MappingProxyType({})
_LABELS: Final = {"email": "e-mail address", "first_name": "first name", "last_name": "last name"}
_SEPARATORS: Final = re.compile(r"[\W_]+")


class PasswordRejected(SchoonerError, ValueError):
    """A password failed validation; :attr:`messages` says every reason, for the user.

    Attributes:
        messages: one sentence per failing rule, in the order of the validators.
    """

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__(" ".join(self.messages))


@runtime_checkable
class PasswordValidator(Protocol):
    """One rule for passwords: the four classes below follow it, and so can your own."""

    @property
    def help_text(self) -> str:
        """The rule, said to the user before they choose (``"Your password must …"``)."""
        ...

    def validate(self, password: str, attributes: Mapping[str, str | None]) -> str | None:
        """The message for the user if ``password`` breaks the rule, else ``None``.

        ``attributes`` are what is known of the user (``{"email": ..., "username": ...}``);
        values may be ``None``.
        """
        ...


class MinimumLength:
    """At least ``min_length`` characters (10 by default; NIST SP 800-63B's floor is 8).

    Length is what makes a password hard to guess; prefer a longer minimum to rules about
    character classes.
    """

    def __init__(self, min_length: int = 10) -> None:
        if isinstance(min_length, bool) or not isinstance(min_length, int) or min_length < 1:
            raise ImproperlyConfigured(
                f"MinimumLength(min_length=...) must be an integer of at least 1, not "
                f"{min_length!r}."
            )
        self.min_length = min_length

    @property
    def help_text(self) -> str:
        return f"Your password must contain at least {_characters(self.min_length)}."

    def validate(self, password: str, attributes: Mapping[str, str | None]) -> str | None:
        if len(password) < self.min_length:
            return (
                f"This password is too short: it must contain at least "
                f"{_characters(self.min_length)}."
            )
        return None


class UserAttributeSimilarity:
    """Not too like the user's own details: e-mail address, username, names.

    Each attribute is compared whole and in parts (split at anything but letters and
    digits, and an e-mail address's local part whole), case-insensitively, with
    :class:`difflib.SequenceMatcher`'s ``quick_ratio``, as Django does: a part at least
    ``max_similarity`` alike rejects the password. ``quick_ratio`` ignores order, so a
    name written backwards is caught too.

    Args:
        attributes: the keys of ``attributes`` to compare, in order; missing or ``None``
            values are skipped.
        max_similarity: from 0.1 (rejects nearly anything sharing letters) to 1.0 (only
            rearrangements of a part); 0.7 by default.
    """

    def __init__(
        self,
        attributes: Sequence[str] = ("email", "username", "first_name", "last_name"),
        *,
        max_similarity: float = 0.7,
    ) -> None:
        if isinstance(attributes, str) or not all(isinstance(a, str) for a in attributes):
            raise ImproperlyConfigured(
                "UserAttributeSimilarity(attributes=...) takes a sequence of attribute names, "
                f"like ('email', 'username'), not {attributes!r}."
            )
        if isinstance(max_similarity, bool) or not isinstance(max_similarity, int | float):
            raise ImproperlyConfigured(f"max_similarity must be a number, not {max_similarity!r}.")
        if not 0.1 <= max_similarity <= 1.0:
            raise ImproperlyConfigured(
                f"max_similarity must be between 0.1 and 1.0, not {max_similarity}: below 0.1 "
                "nearly every password would be refused."
            )
        self.attributes = tuple(attributes)
        self.max_similarity = float(max_similarity)

    @property
    def help_text(self) -> str:
        return "Your password can’t be too similar to your other personal information."

    def validate(self, password: str, attributes: Mapping[str, str | None]) -> str | None:
        folded = password.casefold()
        for name in self.attributes:
            value = attributes.get(name)
            if not isinstance(value, str):
                continue
            if any(self._similar(folded, part) for part in _parts(value.casefold())):
                label = _LABELS.get(name, name.replace("_", " "))
                return f"This password is too similar to your {label}."
        return None

    def _similar(self, password: str, part: str) -> bool:
        # quick_ratio is 2·matches / (len(a) + len(b)), and matches ≤ the shorter length:
        # when even that bound is below max_similarity, skip the comparison.
        if 2 * min(len(password), len(part)) < self.max_similarity * (len(password) + len(part)):
            return False
        return SequenceMatcher(a=password, b=part, autojunk=False).quick_ratio() >= (
            self.max_similarity
        )


class NotNumeric:
    """Not digits only: a numeric password of any usual length falls to a quick search."""

    @property
    def help_text(self) -> str:
        return "Your password can’t be entirely numeric."

    def validate(self, password: str, attributes: Mapping[str, str | None]) -> str | None:
        return "This password is entirely numeric." if password.isdigit() else None


class NotCommon:
    """Not one of the passwords people choose most (compared lowercased, stripped).

    The shipped list is Django's: Royce Williams' 20,000 common passwords, lowercased and
    de-duplicated to 19,640 (see ``data/NOTICE``). Give ``path`` for your own list:
    one password per line, plain text or gzip. A list is read once per process, on the
    first check; read :attr:`passwords` at startup to pay that cost there.

    Raises:
        ImproperlyConfigured: ``path`` is not a file.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        if path is None:
            self.path = COMMON_PASSWORDS
        else:
            self.path = Path(path).resolve()
            if not self.path.is_file():
                raise ImproperlyConfigured(
                    f"NotCommon(path=...): {str(path)!r} is not a file. Give a list of "
                    "passwords, one per line, plain or gzipped."
                )

    @property
    def passwords(self) -> frozenset[str]:
        """The list, lowercased."""
        return _load(self.path)

    @property
    def help_text(self) -> str:
        return "Your password can’t be a commonly used password."

    def validate(self, password: str, attributes: Mapping[str, str | None]) -> str | None:
        return (
            "This password is too common." if password.lower().strip() in self.passwords else None
        )


DEFAULT_VALIDATORS: Final[tuple[PasswordValidator, ...]] = (
    MinimumLength(),
    UserAttributeSimilarity(),
    NotCommon(),
    NotNumeric(),
)
"""At least 10 characters, not like the user's details, not common, not only digits."""


def validate_password(
    password: str,
    *,
    attributes: Mapping[str, str | None] = _NO_ATTRIBUTES,
    validators: Sequence[PasswordValidator] | None = None,
) -> None:
    """Check ``password`` against every validator; raise with all their messages.

    Args:
        password: the password the user chose.
        attributes: what is known of the user, for :class:`UserAttributeSimilarity`
            (``{"email": form.email, "username": form.username}``).
        validators: the rules; :data:`DEFAULT_VALIDATORS` when ``None`` (``[]`` for none).

    Raises:
        PasswordRejected: one or more rules failed; ``messages`` lists each. A password
            too long to hash or that is not valid text is refused whatever the validators.
    """
    if not isinstance(password, str):
        raise TypeError(f"A password is text (str), not {type(password).__name__}.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRejected(
            [
                f"This password is too long: it may contain at most "
                f"{_characters(MAX_PASSWORD_LENGTH)}."
            ]
        )
    if not is_text(password):
        raise PasswordRejected(["This password contains characters that are not valid text."])
    messages = []
    for validator in DEFAULT_VALIDATORS if validators is None else validators:
        message = validator.validate(password, attributes)
        if message:
            messages.append(message)
    if messages:
        raise PasswordRejected(messages)


def password_help_texts(validators: Sequence[PasswordValidator] | None = None) -> list[str]:
    """The rules of ``validators`` (:data:`DEFAULT_VALIDATORS` when ``None``), to show the
    user before they choose a password."""
    return [v.help_text for v in (DEFAULT_VALIDATORS if validators is None else validators)]


def _characters(count: int) -> str:
    return f"{count:,} character" if count == 1 else f"{count:,} characters"


def _parts(value: str) -> set[str]:
    """``value``, its words, and an e-mail address's local part whole."""
    parts = {value, *_SEPARATORS.split(value)}
    if "@" in value:
        parts.add(value.rpartition("@")[0])
    parts.discard("")
    return parts


@functools.cache
def _load(path: Path) -> frozenset[str]:
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":  # the gzip magic number (RFC 1952 §2.3.1)
            data = gzip.decompress(data)
        text = data.decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise ImproperlyConfigured(
            f"The password list {str(path)!r} cannot be read ({exc}): it must be UTF-8 text, "
            "one password per line, plain or gzipped."
        ) from exc
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())

"""Stored password hashes: which can verify a password, and how, found without hashing.

A stored hash is data read from a database, so it is parsed with care: :func:`checker`
recognises argon2 PHC strings (``$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>``, what
argon2-cffi writes), Django's ``argon2$argon2id$…`` (and its older ``argon2$argon2i$…``)
and Django's ``pbkdf2_sha256$…`` and ``pbkdf2_sha1$…``, and gives back a function that
checks a password against it. Anything else — unusable markers (``!…``), unknown formats,
garbled strings, and costs past sane bounds, which a planted hash could use to exhaust the
server — gets ``None``: the hasher then fails the check, with the same work as a real one.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from collections.abc import Callable
from typing import Final

from schooner.exceptions import MissingDependency

try:
    import argon2
    from argon2.exceptions import Argon2Error
except ImportError:  # pragma: no cover - exercised without the extra
    raise MissingDependency("argon2-cffi", "auth") from None

__all__ = ["UNUSABLE_PREFIX", "argon2_matches", "checker", "is_text"]

UNUSABLE_PREFIX: Final = "!"
"""The prefix of an unusable password, which no password verifies against (Django's)."""

# Bounds on the work a stored hash may ask for. A hash is data read from a database: a
# garbled or planted one with m=4 GiB or a billion iterations must fail, not exhaust the
# server. The bounds sit far above Django's defaults (pbkdf2: 1,000,000 iterations;
# argon2: m=100 MiB, t=2, p=8) and never below the hasher's own parameters.
_MAX_PBKDF2_ITERATIONS: Final = 10_000_000
_MAX_ARGON2_MEMORY_COST: Final = 262_144  # KiB = 256 MiB
_MAX_ARGON2_TIME_COST: Final = 16
_MAX_ARGON2_PARALLELISM: Final = 16

# Django's pbkdf2 hashers: algorithm name → hashlib digest.
_PBKDF2_DIGESTS: Final = {"pbkdf2_sha256": "sha256", "pbkdf2_sha1": "sha1"}
_DJANGO_ARGON2_PREFIX: Final = "argon2"


def is_text(value: str) -> bool:
    """Whether UTF-8 can encode ``value``: not when it holds lone surrogates, which a
    broken client's input may decode to."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def checker(encoded: str | None, hasher: argon2.PasswordHasher) -> Callable[[str], bool] | None:
    """A function checking a password against ``encoded``, or ``None`` if it cannot
    verify (cheap: parses, hashes nothing).

    Args:
        encoded: the stored value.
        hasher: argon2-cffi's hasher with the app's parameters: it verifies argon2
            hashes, and argon2 costs up to its own are always within bounds.
    """
    if not isinstance(encoded, str) or not encoded or encoded.startswith(UNUSABLE_PREFIX):
        return None
    phc = encoded
    if encoded.startswith(_DJANGO_ARGON2_PREFIX + "$argon2"):
        phc = encoded.removeprefix(_DJANGO_ARGON2_PREFIX)
    if phc.startswith("$argon2"):
        return _argon2_checker(phc, hasher)
    algorithm = encoded.split("$", 1)[0]
    if algorithm in _PBKDF2_DIGESTS:
        return _pbkdf2_checker(_PBKDF2_DIGESTS[algorithm], encoded)
    return None


def argon2_matches(hasher: argon2.PasswordHasher, phc: str, password: str) -> bool:
    """Whether ``password`` matches the argon2 hash ``phc`` (never raises)."""
    try:
        return hasher.verify(phc, password)
    except (Argon2Error, ValueError):  # a mismatch, or a hash argon2 cannot read
        return False


def _argon2_checker(phc: str, hasher: argon2.PasswordHasher) -> Callable[[str], bool] | None:
    try:
        found = argon2.extract_parameters(phc)
    except ValueError:
        return None
    if (
        found.memory_cost > max(hasher.memory_cost, _MAX_ARGON2_MEMORY_COST)
        or found.time_cost > max(hasher.time_cost, _MAX_ARGON2_TIME_COST)
        or found.parallelism > max(hasher.parallelism, _MAX_ARGON2_PARALLELISM)
        or min(found.memory_cost, found.time_cost, found.parallelism) < 1
    ):
        return None
    return functools.partial(argon2_matches, hasher, phc)


def _pbkdf2_checker(digest: str, encoded: str) -> Callable[[str], bool] | None:
    """Parse Django's ``<algorithm>$<iterations>$<salt>$<base64 hash>``."""
    parts = encoded.split("$")
    if len(parts) != 4:
        return None
    _, iterations, salt, hashed = parts
    if not (iterations.isascii() and iterations.isdigit()):
        return None
    rounds = int(iterations)
    if not 1 <= rounds <= _MAX_PBKDF2_ITERATIONS or not salt or not is_text(salt):
        return None
    try:
        expected = base64.b64decode(hashed.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        return None
    if len(expected) != hashlib.new(digest).digest_size:
        return None
    return functools.partial(_pbkdf2_matches, digest, rounds, salt.encode(), expected)


def _pbkdf2_matches(digest: str, rounds: int, salt: bytes, expected: bytes, password: str) -> bool:
    derived = hashlib.pbkdf2_hmac(digest, password.encode(), salt, rounds)
    return hmac.compare_digest(derived, expected)

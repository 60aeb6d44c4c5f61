"""PasswordHasher: argon2id hashes, Django's formats, bad input, and work that hides accounts."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import argon2
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schooner.contrib.auth._passwords import (
    MAX_PASSWORD_LENGTH,
    Argon2Parameters,
    InvalidPassword,
    PasswordHasher,
    PasswordTooLong,
    Verification,
)
from schooner.exceptions import ImproperlyConfigured, SchoonerError

# Cheap parameters, so that the suite hashes hundreds of times in well under a second;
# the defaults are tested on their own below.
CHEAP = Argon2Parameters(time_cost=1, memory_cost=256, parallelism=1)
CHEAP_PREFIX = "$argon2id$v=19$m=256,t=1,p=1$"

# Made with Django 5.2.19 (django.contrib.auth.hashers, argon2-cffi 25.1.0), in a separate
# virtualenv: make_password(password, salt, algorithm) for the pbkdf2 ones at Django's
# default 1,000,000 iterations and its Argon2PasswordHasher defaults (m=100 MiB, t=2, p=8);
# PBKDF2PasswordHasher().encode(password, salt, 260000) for the older iteration counts
# (Django 3.2's default); and Django's Argon2PasswordHasher switched to argon2i with m=512,
# t=2, p=2 for the format Django wrote before it moved to argon2id.
DJANGO_HASHES = [
    (
        "correct horse battery staple",
        "pbkdf2_sha256$1000000$q0xTeYgFcIRjSSIXaVYYRk$wVCaQKXX8hHeMnYmXCmwbFlsS+H9QbYsaTf1xxMUggQ=",
    ),
    ("lètmein ✓", "pbkdf2_sha1$1000000$seasalt$I1kFzJhS3QaTsJY5TGnX6U5+qb4="),
    ("hunter2", "pbkdf2_sha256$260000$Zs0fNlb0ElJ3$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2IkqTEi0="),
    ("hunter2", "pbkdf2_sha1$260000$Zs0fNlb0ElJ3$tzN76Q7s+1rOEowh5nhNLCEBm1c="),
    ("", "pbkdf2_sha256$1000$emptysalt123$H/zeUEn3NyBDb6ao/brsT+RLvy0piCE8KClNR/m0w9U="),
    (
        "correct horse battery staple",
        "argon2$argon2id$v=19$m=102400,t=2,p=8$cTB4VGVZZ0ZjSVJqU1NJWGFWWVlSaw"
        "$9PZ0Muie8jEhtsYBRhJ8RLV667M46fPW4oBLlRf8+mw",
    ),
    (
        "hunter2",
        "argon2$argon2i$v=19$m=512,t=2,p=2$WnMwZk5sYjBFbEozeHl6dw"
        "$d7mmF1g6S+w4rfjglOlH3AMO4yIZqLf5DvKkfupmCh4",
    ),
]

REAL = "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43

# Values that are no hash this hasher can verify: each is not usable and never verifies.
UNUSABLE_VALUES = [
    None,
    "",
    "!",
    "!Jx3kq0bNiY8vTzLr1cW2uE5hA7dF9gS4pO6mZ",
    "hunter2",
    "$argon2id$",
    "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ",
    "$argon2x$v=19$m=256,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
    "$argon2id$v=19$m=999999999,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
    "$argon2id$v=19$m=256,t=1000000,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
    "$argon2id$v=19$m=256,t=1,p=1000$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
    "$argon2id$v=19$m=0,t=0,p=0$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
    "$argon2id$v=19$m=x,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
    "argon2$",
    "argon2$argon2id$garbage",
    "pbkdf2_sha256$",
    "pbkdf2_sha256$260000$Zs0fNlb0ElJ3",
    "pbkdf2_sha256$abc$Zs0fNlb0ElJ3$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2IkqTEi0=",
    "pbkdf2_sha256$-5$Zs0fNlb0ElJ3$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2IkqTEi0=",
    "pbkdf2_sha256$0$Zs0fNlb0ElJ3$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2IkqTEi0=",
    "pbkdf2_sha256$²$Zs0fNlb0ElJ3$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2IkqTEi0=",
    "pbkdf2_sha256$99999999999$Zs0fNlb0ElJ3$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2IkqTEi0=",
    "pbkdf2_sha256$260000$$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2IkqTEi0=",
    "pbkdf2_sha256$260000$Zs0fNlb0ElJ3$not base64!",
    "pbkdf2_sha256$260000$Zs0fNlb0ElJ3$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2Ikq=",
    "pbkdf2_sha256$260000$Zs0fNlb0ElJ3$tzN76Q7s+1rOEowh5nhNLCEBm1c=",
    "pbkdf2_sha256$260000$Zs0\ud800$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2IkqTEi0=",
    "pbkdf2_sha256$260000$Zs0fNlb0ElJ3$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2IkqTEi0=$extra",
    "pbkdf2_sha512$260000$Zs0fNlb0ElJ3$4F4+ccoQ9Z1iMyNlO6t/XMalc8rxzPu0/gO2IkqTEi0=",
    "bcrypt_sha256$$2b$12$LQv3c1yqBWVHxkd0LHAkCOYz6TtxMQJqhN8/LewKyNHOJbmSC4TkW",
    "md5$seasalt$3a1b1c1d1e1f",
    "sha1$$0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33",
    "\x00\x01\x02",
    "ü" * 100,
]


@pytest.fixture
def hasher() -> PasswordHasher:
    """A hasher with cheap parameters."""
    return PasswordHasher(CHEAP)


class ArgonSpy:
    """Counts argon2-cffi's hash and verify calls (and how many run at once), then calls
    through: what the hasher does is observed, not how long it takes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, pause: float = 0.0) -> None:
        self.hashed = 0
        self.verified: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()
        self._pause = pause
        real_hash, real_verify = argon2.PasswordHasher.hash, argon2.PasswordHasher.verify

        def spy_hash(ph: argon2.PasswordHasher, password: str, **kwargs: Any) -> Any:
            self.hashed += 1
            return self._track(lambda: real_hash(ph, password, **kwargs))

        def spy_verify(ph: argon2.PasswordHasher, encoded: str, password: str) -> Any:
            self.verified.append(encoded)
            return self._track(lambda: real_verify(ph, encoded, password))

        monkeypatch.setattr(argon2.PasswordHasher, "hash", spy_hash)
        monkeypatch.setattr(argon2.PasswordHasher, "verify", spy_verify)

    def _track(self, call: Callable[[], Any]) -> Any:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(self._pause)
            return call()
        finally:
            with self._lock:
                self.running -= 1


@pytest.mark.parametrize(
    "password",
    ["hunter2", "", " ", "lètmein ✓", "密码🔑", "nul\x00byte", "x" * MAX_PASSWORD_LENGTH],
    ids=["ascii", "empty", "space", "accents", "cjk-emoji", "nul", "longest"],
)
async def test_a_hash_verifies_its_password_only(hasher: PasswordHasher, password: str) -> None:
    """hash() makes an argon2id hash that verify() accepts for the password and no other."""
    encoded = await hasher.hash(password)
    assert encoded.startswith(CHEAP_PREFIX)
    assert await hasher.verify(password, encoded) == Verification(valid=True, needs_rehash=False)
    assert await hasher.verify(password + "x", encoded) == Verification(valid=False)
    assert not hasher.needs_rehash(encoded)
    assert hasher.is_usable(encoded)


async def test_the_same_password_hashes_differently_each_time(hasher: PasswordHasher) -> None:
    """Each hash has its own random salt."""
    first, second = await hasher.hash("hunter2"), await hasher.hash("hunter2")
    assert first != second
    assert await hasher.verify("hunter2", first)
    assert await hasher.verify("hunter2", second)


@pytest.mark.parametrize(
    ("parameters", "prefix"),
    [
        (Argon2Parameters(), "$argon2id$v=19$m=19456,t=2,p=1$"),
        (Argon2Parameters.rfc9106_low_memory(), "$argon2id$v=19$m=65536,t=3,p=4$"),
    ],
    ids=["owasp-default", "rfc9106-low-memory"],
)
async def test_the_parameters_are_written_in_the_hash(
    parameters: Argon2Parameters, prefix: str
) -> None:
    """The default is OWASP's argon2id minimum; RFC 9106's second option is one call away."""
    hasher = PasswordHasher(parameters)
    encoded = await hasher.hash("hunter2")
    assert encoded.startswith(prefix)
    salt, digest = encoded.removeprefix(prefix).split("$")
    assert len(base64.b64decode(salt + "==")) == 16
    assert len(base64.b64decode(digest + "==")) == 32
    assert await hasher.verify("hunter2", encoded) == Verification(valid=True)


@pytest.mark.parametrize(
    "changed",
    [
        {"time_cost": 2},
        {"memory_cost": 512},
        {"parallelism": 2},
        {"hash_len": 16},
        {"salt_len": 24},
    ],
    ids=lambda changed: next(iter(changed)),
)
async def test_a_hash_with_other_parameters_verifies_and_needs_a_rehash(
    changed: dict[str, int],
) -> None:
    """A hash made with older parameters still verifies, flagged for hashing again."""
    old = PasswordHasher(CHEAP)
    new = PasswordHasher(msgspec.structs.replace(CHEAP, **changed))
    encoded = await old.hash("hunter2")
    assert await new.verify("hunter2", encoded) == Verification(valid=True, needs_rehash=True)
    assert await new.verify("hunter3", encoded) == Verification(valid=False, needs_rehash=False)
    assert new.needs_rehash(encoded)
    assert not old.needs_rehash(encoded)
    rehashed = await new.hash("hunter2")
    assert await new.verify("hunter2", rehashed) == Verification(valid=True, needs_rehash=False)


async def test_argon2i_and_argon2d_hashes_need_a_rehash(hasher: PasswordHasher) -> None:
    """Another argon2 variant with the same costs verifies but is upgraded to argon2id."""
    for kind in (argon2.Type.I, argon2.Type.D):
        other = argon2.PasswordHasher(time_cost=1, memory_cost=256, parallelism=1, type=kind)
        encoded = other.hash("hunter2")
        assert await hasher.verify("hunter2", encoded) == Verification(True, needs_rehash=True)


@pytest.mark.parametrize(
    ("password", "encoded"),
    DJANGO_HASHES,
    ids=["-".join(e.split("$")[:2]) for _, e in DJANGO_HASHES],
)
async def test_djangos_hashes_verify_and_need_a_rehash(
    hasher: PasswordHasher, password: str, encoded: str
) -> None:
    """Hashes made by Django verify for their password, and only it, flagged for upgrade."""
    assert hasher.is_usable(encoded)
    assert hasher.needs_rehash(encoded)
    assert await hasher.verify(password, encoded) == Verification(valid=True, needs_rehash=True)
    assert await hasher.verify(password + " ", encoded) == Verification(valid=False)


@pytest.mark.parametrize(
    ("digest", "salt", "iterations"),
    [("sha256", "plainsalt", 1), ("sha256", "sälz✓", 1200), ("sha1", "x" * 64, 10_000)],
)
async def test_pbkdf2_hashes_are_derived_as_django_derives_them(
    hasher: PasswordHasher, digest: str, salt: str, iterations: int
) -> None:
    """A pbkdf2 string built with hashlib (UTF-8 salt, standard base64) verifies."""
    derived = hashlib.pbkdf2_hmac(digest, "pässword".encode(), salt.encode(), iterations)
    encoded = f"pbkdf2_{digest}${iterations}${salt}${base64.b64encode(derived).decode()}"
    assert await hasher.verify("pässword", encoded) == Verification(True, needs_rehash=True)
    assert not await hasher.verify("password", encoded)
    tampered = derived[:-1] + bytes([derived[-1] ^ 1])  # the whole digest is compared
    encoded = f"pbkdf2_{digest}${iterations}${salt}${base64.b64encode(tampered).decode()}"
    assert not await hasher.verify("pässword", encoded)


@pytest.mark.parametrize("encoded", UNUSABLE_VALUES, ids=repr)
async def test_values_that_are_no_hash_never_verify_nor_raise(
    hasher: PasswordHasher, encoded: str | None
) -> None:
    """Unusable markers, unknown formats, garbled strings and absurd costs simply fail."""
    assert not hasher.is_usable(encoded)
    assert not hasher.needs_rehash(encoded)
    assert await hasher.verify("hunter2", encoded) == Verification(valid=False)
    assert await hasher.verify("", encoded) == Verification(valid=False)


@pytest.mark.parametrize(
    "corrupt",
    [
        REAL,
        REAL[:-1],
        REAL.replace("c29tZXNhbHRzb21lc2FsdA", "c29t"),
        REAL.replace("A" * 43, "*" * 43),
        REAL.replace("v=19", "v=18"),
    ],
    ids=["wrong-digest", "truncated", "short-salt", "bad-base64", "old-version"],
)
async def test_corrupt_argon2_hashes_fail_without_raising(
    hasher: PasswordHasher, corrupt: str
) -> None:
    """A hash that parses but is damaged does not verify, and nothing escapes."""
    assert await hasher.verify("hunter2", corrupt) == Verification(valid=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    encoded=st.one_of(
        st.text(st.characters(exclude_categories=())),
        st.from_regex(r"\A(\$argon2(id|i|d)\$|argon2\$argon2id\$|pbkdf2_sha(256|1)\$)[ -~]*"),
    ),
    password=st.text(st.characters(exclude_categories=()), max_size=30),
)
def test_no_stored_value_makes_verify_raise(encoded: str, password: str) -> None:
    """Hypothesis: any text as a stored hash (most of it hash-shaped) fails quietly."""
    hasher = PasswordHasher(CHEAP)
    result = asyncio.run(hasher.verify(password, encoded))
    assert result == Verification(valid=False)
    assert isinstance(hasher.is_usable(encoded), bool)
    assert isinstance(hasher.needs_rehash(encoded), bool)


async def test_an_overlong_password_is_refused_before_hashing(hasher: PasswordHasher) -> None:
    """Past MAX_PASSWORD_LENGTH, hash() raises PasswordTooLong and verify() fails at once."""
    longest = "p" * MAX_PASSWORD_LENGTH
    encoded = await hasher.hash(longest)
    with pytest.raises(PasswordTooLong, match="4097 characters long; at most 4096") as caught:
        await hasher.hash(longest + "p")
    assert caught.value.length == MAX_PASSWORD_LENGTH + 1
    assert isinstance(caught.value, InvalidPassword)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, SchoonerError)
    assert await hasher.verify(longest + "p", encoded) == Verification(valid=False)
    assert await hasher.verify(longest, encoded) == Verification(valid=True)


async def test_a_password_that_is_not_text_is_refused(hasher: PasswordHasher) -> None:
    """Lone surrogates cannot be encoded: hash() raises InvalidPassword, verify() fails."""
    encoded = await hasher.hash("hunter2")
    with pytest.raises(InvalidPassword, match="surrogate"):
        await hasher.hash("hunter\ud8002")
    assert await hasher.verify("hunter\ud8002", encoded) == Verification(valid=False)
    with pytest.raises(TypeError, match="not bytes"):
        await hasher.hash(b"hunter2")  # type: ignore[arg-type]
    assert await hasher.verify(b"hunter2", encoded) == Verification(valid=False)  # type: ignore[arg-type]


async def test_unusable_markers_are_fresh_and_never_verify(hasher: PasswordHasher) -> None:
    """make_unusable() gives a different '!'-prefixed value each time; nothing verifies."""
    first, second = PasswordHasher.make_unusable(), hasher.make_unusable()
    assert first != second
    assert first.startswith(PasswordHasher.UNUSABLE)
    assert len(first) == 41
    for password in ("", first, first[1:], "hunter2"):
        assert await hasher.verify(password, first) == Verification(valid=False)
    assert not hasher.is_usable(first)
    assert not hasher.needs_rehash(first)


async def test_verify_dummy_verifies_against_a_hash_of_the_current_parameters(
    hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """verify_dummy() hashes once, then runs one real argon2 verification per call."""
    spy = ArgonSpy(monkeypatch)
    await hasher.verify_dummy("hunter2")
    await hasher.verify_dummy("another guess")
    assert spy.hashed == 1
    assert len(spy.verified) == 2
    assert spy.verified[0] == spy.verified[1]
    assert spy.verified[0].startswith(CHEAP_PREFIX)


@pytest.mark.parametrize("encoded", [None, "!", "!unusable-marker", "garbled", "md5$a$b"])
async def test_failing_for_lack_of_a_hash_costs_a_real_verification(
    hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch, encoded: str | None
) -> None:
    """No account, an unusable password or an unknown format each cost one argon2 verify,
    as a wrong password does, so that timing does not tell them apart."""
    real = await hasher.hash("hunter2")
    spy = ArgonSpy(monkeypatch)
    assert not await hasher.verify("guess", real)
    assert not await hasher.verify("guess", encoded)
    assert len(spy.verified) == 2
    assert spy.verified[1].startswith(CHEAP_PREFIX)


async def test_an_overlong_password_costs_nothing_with_or_without_an_account(
    hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An overlong password fails before any work, for an account and for none alike."""
    real = await hasher.hash("hunter2")
    spy = ArgonSpy(monkeypatch)
    overlong = "x" * (MAX_PASSWORD_LENGTH + 1)
    assert not await hasher.verify(overlong, real)
    assert not await hasher.verify(overlong, None)
    await hasher.verify_dummy(overlong)
    assert (spy.hashed, spy.verified) == (0, [])


async def test_concurrent_hashes_are_bounded_by_max_concurrency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Six hashes at once run at most two at a time with max_concurrency=2."""
    spy = ArgonSpy(monkeypatch, pause=0.02)
    hasher = PasswordHasher(CHEAP, max_concurrency=2)
    hashes = await asyncio.gather(*(hasher.hash(f"password {i}") for i in range(6)))
    assert len(set(hashes)) == 6
    assert spy.most_at_once == 2


async def test_a_cancelled_hash_keeps_its_slot_until_its_thread_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cancelling a caller does not free its slot while argon2 still runs in the thread."""
    spy = ArgonSpy(monkeypatch, pause=0.1)
    hasher = PasswordHasher(CHEAP, max_concurrency=1)
    first = asyncio.create_task(hasher.hash("first"))
    while spy.running == 0:
        await asyncio.sleep(0.001)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await hasher.verify("second", await hasher.hash("second"))
    assert spy.most_at_once == 1


def test_one_hasher_serves_several_event_loops() -> None:
    """The concurrency limit is made per event loop, so the hasher outlives a loop."""
    hasher = PasswordHasher(CHEAP, max_concurrency=1)
    encoded = asyncio.run(hasher.hash("hunter2"))
    assert asyncio.run(hasher.verify("hunter2", encoded))


def test_a_verification_is_true_only_when_valid() -> None:
    """`if await hasher.verify(...)` reads as it should: a failed check is falsy."""
    assert Verification(valid=True)
    assert Verification(valid=True, needs_rehash=True)
    assert not Verification(valid=False)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"time_cost": 0}, "time_cost must be an integer of at least 1"),
        ({"parallelism": 0}, "parallelism must be an integer of at least 1"),
        ({"memory_cost": 7}, "memory_cost must be an integer of at least 8"),
        ({"memory_cost": 31, "parallelism": 4}, "memory_cost must be an integer of at least 32"),
        ({"hash_len": 8}, "hash_len must be an integer of at least 16"),
        ({"salt_len": 8}, "salt_len must be an integer of at least 16"),
        ({"time_cost": True}, "time_cost must be an integer"),
        ({"memory_cost": 19456.0}, "memory_cost must be an integer"),
    ],
)
def test_bad_parameters_are_refused(options: dict[str, Any], message: str) -> None:
    """Argon2Parameters checks each cost and says what it must be."""
    with pytest.raises(ImproperlyConfigured, match=message):
        Argon2Parameters(**options)


def test_parameters_read_from_settings() -> None:
    """A settings table converts to Argon2Parameters; unknown keys are an error."""
    parameters = msgspec.convert({"memory_cost": 65536, "time_cost": 3}, Argon2Parameters)
    assert parameters == Argon2Parameters(memory_cost=65536, time_cost=3)
    with pytest.raises(msgspec.ValidationError, match="memroy_cost"):
        msgspec.convert({"memroy_cost": 65536}, Argon2Parameters)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_concurrency": 0}, "at least 1"),
        ({"max_concurrency": True}, "must be an integer"),
        ({"max_concurrency": "4"}, "must be an integer"),
        ({"parameters": {"memory_cost": 65536}}, "takes Argon2Parameters, not dict"),
    ],
)
def test_bad_hasher_options_are_refused(options: dict[str, Any], message: str) -> None:
    """PasswordHasher checks its options when it is built."""
    with pytest.raises(ImproperlyConfigured, match=message):
        PasswordHasher(**options)


def test_max_concurrency_defaults_to_the_cpu_count() -> None:
    """Without max_concurrency, as many hashes run together as there are CPUs."""
    assert PasswordHasher().max_concurrency == (os.cpu_count() or 2)

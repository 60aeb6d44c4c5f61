"""``PasswordHasher``: argon2id for new hashes, Django's formats verified for migration.

New hashes are argon2id (RFC 9106) in the PHC string format argon2-cffi writes
(``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>``). Hashes made by Django are verified as
they are, so that accounts move over without a reset: ``pbkdf2_sha256$…``, ``pbkdf2_sha1$…``
and ``argon2$argon2id$…`` (or Django's older ``argon2$argon2i$…``). Any hash that is not
argon2id with the current parameters verifies with ``needs_rehash=True``: store
``await hasher.hash(password)`` in its place while the password is at hand, on login.

Hashing is slow and takes memory on purpose, so it runs in worker threads, at most
``max_concurrency`` at a time per event loop: memory stays under ``max_concurrency ×
memory_cost`` however many logins arrive together. Nothing a stored value holds can make a
check raise (an unknown format, a garbled string, an absurd cost: the check fails), and
every failing check costs the same work as a real one, so response times do not tell which
accounts exist or have a password. Which stored values can verify, and how, is
``_hash_formats``.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Final, TypeVar

import msgspec

from schooner.concurrency import run_sync
from schooner.contrib.auth._hash_formats import UNUSABLE_PREFIX, argon2_matches, checker, is_text
from schooner.exceptions import ImproperlyConfigured, MissingDependency, SchoonerError

try:
    import argon2
except ImportError:  # pragma: no cover - exercised without the extra
    raise MissingDependency("argon2-cffi", "auth") from None

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "Argon2Parameters",
    "InvalidPassword",
    "PasswordHasher",
    "PasswordTooLong",
    "Verification",
]

T = TypeVar("T")

MAX_PASSWORD_LENGTH: Final = 4096
"""The longest password accepted, in characters.

Far above any real password or passphrase; a bound stops a client from making the server
hash megabytes per request (OWASP's Authentication Cheat Sheet asks for a maximum against
that attack; Django used the same 4096 in 2013 for the same reason).
"""


class InvalidPassword(SchoonerError, ValueError):
    """The password cannot be hashed: it is too long, or it is not valid Unicode text.

    ``validate_password`` refuses such passwords with a message for the user first, so a
    password that passed it never raises this.
    """


class PasswordTooLong(InvalidPassword):
    """The password is longer than :data:`MAX_PASSWORD_LENGTH` characters."""

    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(
            f"The password is {length} characters long; at most {MAX_PASSWORD_LENGTH} are "
            "accepted. Refuse it with validate_password() before hashing."
        )


class Argon2Parameters(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The cost of an argon2id hash: memory, passes and lanes.

    The defaults are the OWASP Password Storage Cheat Sheet's recommended minimum for
    argon2id: 19 MiB of memory, 2 passes, 1 lane. One hash then takes about 40 ms on a
    core of a small server, which a login can afford, and every guess costs an attacker
    as much.

    RFC 9106 §4 recommends, where memory allows, m=2 GiB, t=1, p=4, and as its second
    option m=64 MiB, t=3, p=4 (:meth:`rfc9106_low_memory`). Choose by budget: the hasher
    runs at most ``max_concurrency`` hashes together, so memory peaks near
    ``max_concurrency × memory_cost``; raise ``memory_cost`` first (memory is what makes
    GPU and ASIC attacks expensive), then ``time_cost``, until a hash takes as long as a
    login may (``benchmarks/passwords.py`` measures it). Changing the parameters later is
    safe: old hashes still verify, with ``needs_rehash=True``.

    Attributes:
        time_cost: passes over the memory (t), at least 1.
        memory_cost: memory in KiB (m), at least 8 × ``parallelism``.
        parallelism: lanes (p), each hashed by its own thread; at least 1.
        hash_len: bytes of output, at least 16.
        salt_len: bytes of random salt, at least 16 (RFC 9106 §3.1 recommends 16).
    """

    time_cost: int = 2
    memory_cost: int = 19_456
    parallelism: int = 1
    hash_len: int = 32
    salt_len: int = 16

    def __post_init__(self) -> None:
        minimums = {
            "time_cost": 1,
            "parallelism": 1,
            "memory_cost": 8 * max(self.parallelism, 1),
            "hash_len": 16,
            "salt_len": 16,
        }
        for name, least in minimums.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ImproperlyConfigured(
                    f"Argon2Parameters.{name} must be an integer of at least {least}, not "
                    f"{value!r}. The defaults (t=2, m=19456 KiB, p=1) are OWASP's minimum."
                )

    @classmethod
    def rfc9106_low_memory(cls) -> Argon2Parameters:
        """RFC 9106's second recommended option: m=64 MiB, t=3, p=4."""
        return cls(time_cost=3, memory_cost=65_536, parallelism=4)


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of :meth:`PasswordHasher.verify`; true when the password matched.

    Attributes:
        valid: the password matches the hash.
        needs_rehash: it matched, and the hash is not argon2id with the hasher's current
            parameters (an older cost, or a Django format): hash the password again and
            store the new hash.
    """

    valid: bool
    needs_rehash: bool = False

    def __bool__(self) -> bool:
        return self.valid


_INVALID: Final = Verification(valid=False)


class PasswordHasher:
    """Hash passwords with argon2id and verify them, off the event loop.

    ::

        hasher = PasswordHasher()
        user.password_hash = await hasher.hash(form.password)

        result = await hasher.verify(form.password, user.password_hash if user else None)
        if not result:
            raise Unauthorized()
        if result.needs_rehash:
            user.password_hash = await hasher.hash(form.password)

    Verifying against ``None`` (no such account), an unusable marker or a value in no known
    format does the work of a real verification and fails, so that response times do not
    tell which accounts exist; :meth:`verify_dummy` says the same thing explicitly.

    Args:
        parameters: the cost of new hashes; OWASP's minimum for argon2id by default.
        max_concurrency: hashes run together at most, per event loop (the rest wait);
            the number of CPUs by default. Memory peaks near ``max_concurrency ×
            parameters.memory_cost``.
    """

    UNUSABLE: ClassVar[str] = UNUSABLE_PREFIX
    """The prefix of an unusable password: a value that no password verifies against,
    for accounts that sign in another way (Django's convention, so its markers carry over).
    :meth:`make_unusable` makes one."""

    def __init__(
        self, parameters: Argon2Parameters | None = None, *, max_concurrency: int | None = None
    ) -> None:
        self.parameters = Argon2Parameters() if parameters is None else parameters
        if not isinstance(self.parameters, Argon2Parameters):
            raise ImproperlyConfigured(
                f"PasswordHasher(parameters=...) takes Argon2Parameters, not "
                f"{type(self.parameters).__name__}."
            )
        if max_concurrency is None:
            max_concurrency = os.cpu_count() or 2
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
            raise ImproperlyConfigured(
                f"max_concurrency must be an integer, not {type(max_concurrency).__name__}."
            )
        if max_concurrency < 1:
            raise ImproperlyConfigured(
                f"max_concurrency must be at least 1, not {max_concurrency}."
            )
        self.max_concurrency = max_concurrency
        p = self.parameters
        self._argon2 = argon2.PasswordHasher(
            time_cost=p.time_cost,
            memory_cost=p.memory_cost,
            parallelism=p.parallelism,
            hash_len=p.hash_len,
            salt_len=p.salt_len,
            type=argon2.Type.ID,
        )
        self._limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._limits = weakref.WeakKeyDictionary()
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        """Hash ``password`` with argon2id and a fresh random salt.

        Raises:
            PasswordTooLong: it is longer than :data:`MAX_PASSWORD_LENGTH` characters.
            InvalidPassword: it is not text that UTF-8 can encode (lone surrogates).
        """
        if not isinstance(password, str):
            raise TypeError(f"A password is text (str), not {type(password).__name__}.")
        if len(password) > MAX_PASSWORD_LENGTH:
            raise PasswordTooLong(len(password))
        if not is_text(password):
            raise InvalidPassword(
                "The password contains unpaired surrogate characters, which are not text "
                "and cannot be encoded as UTF-8. Refuse it with validate_password()."
            )
        return await self._in_worker(self._argon2.hash, password)

    async def verify(self, password: str, encoded: str | None) -> Verification:
        """Check ``password`` against a stored hash; never raises for a bad hash.

        ``encoded`` may be a hash this hasher made, one of Django's formats, ``None`` (no
        account) or an unusable marker: the last two, and anything unrecognised or garbled,
        cost the work of a real check and do not verify. A password longer than
        :data:`MAX_PASSWORD_LENGTH`, or that is not valid text, fails at once whoever asks.
        """
        if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
            return _INVALID
        if not is_text(password):
            return _INVALID
        check = checker(encoded, self._argon2)
        if check is None:
            dummy = await self._dummy_hash()
            await self._in_worker(functools.partial(argon2_matches, self._argon2, dummy), password)
            return _INVALID
        if not await self._in_worker(check, password):
            return _INVALID
        return Verification(valid=True, needs_rehash=self.needs_rehash(encoded))

    async def verify_dummy(self, password: str) -> None:
        """Do the work of verifying ``password``, for a login to an account that does not
        exist: it then takes as long as one to an account that does.

        The first call hashes a random password with the current parameters (once per
        hasher); every call verifies ``password`` against that hash, exactly as
        :meth:`verify` would.
        """
        await self.verify(password, None)

    def needs_rehash(self, encoded: str | None) -> bool:
        """Whether a usable hash is anything but argon2id with the current parameters.

        ``False`` when :meth:`is_usable` is: no password verifies, so there is none to
        hash again.
        """
        if encoded is None or not self.is_usable(encoded):
            return False
        try:
            return self._argon2.check_needs_rehash(encoded)
        except ValueError:  # not a PHC argon2 string: one of Django's formats
            return True

    def is_usable(self, encoded: str | None) -> bool:
        """Whether some password could verify against ``encoded``.

        ``False`` for ``None``, ``""``, unusable markers, formats this hasher does not
        verify, garbled hashes and hashes whose cost is past the sane bounds.
        """
        return checker(encoded, self._argon2) is not None

    @classmethod
    def make_unusable(cls) -> str:
        """A fresh unusable password: :attr:`UNUSABLE` and 40 random characters.

        The random part makes each marker different, so that tokens derived from the
        stored value (password-reset links) differ between accounts too.
        """
        return cls.UNUSABLE + secrets.token_urlsafe(30)

    async def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(32))
        return self._dummy

    async def _in_worker(self, func: Callable[..., T], *args: str) -> T:
        """Run ``func(*args)`` in a worker thread, at most ``max_concurrency`` at a time."""
        loop = asyncio.get_running_loop()
        limit = self._limits.get(loop)
        if limit is None:
            limit = self._limits[loop] = asyncio.Semaphore(self.max_concurrency)
        await limit.acquire()
        task = loop.create_task(run_sync(func, *args))

        def done(task: asyncio.Task[T]) -> None:
            # A thread cannot be stopped: if the caller is cancelled, its slot is held until
            # the hash really ends, so memory stays bounded during a flood of cancellations.
            limit.release()
            if not task.cancelled():
                task.exception()  # retrieved: nothing is logged when the caller has left

        task.add_done_callback(done)
        return await asyncio.shield(task)

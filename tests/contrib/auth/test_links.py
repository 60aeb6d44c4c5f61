"""Link tokens: signed, for one purpose, expiring, and void once the state they cover changes."""

from __future__ import annotations

import pytest

from schooner.contrib.auth import InvalidToken, User
from schooner.contrib.auth._links import LinkSigner


def user() -> User:
    """A user with the state the fingerprints cover."""
    made = User(email="ada@example.com", email_verified=False)
    made.id = 7
    made.password = "$argon2id$v=19$m=1024,t=1,p=1$salt$hash"
    made.security_stamp = "stamp-one"
    return made


def test_a_token_reads_back_for_its_purpose() -> None:
    """make() then read() gives the user id; check() accepts the unchanged user."""
    signer, account = LinkSigner(["key"]), user()
    token = signer.make("reset-password", account)
    assert signer.read("reset-password", token, max_age=60) == (7, "")
    signer.check("reset-password", token, account)


@pytest.mark.parametrize(
    "purpose", ["verify-email", "change-email"], ids=["verify", "change-email"]
)
def test_a_token_for_another_purpose_is_refused(purpose: str) -> None:
    """A reset token cannot verify an address or change it."""
    signer = LinkSigner(["key"])
    token = signer.make("reset-password", user())
    with pytest.raises(InvalidToken):
        signer.read(purpose, token, max_age=60)  # type: ignore[arg-type]


def test_tampered_and_foreign_tokens_are_refused() -> None:
    """A changed character or another app's key fails the signature."""
    token = LinkSigner(["key"]).make("verify-email", user())
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad, signer in ((tampered, LinkSigner(["key"])), (token, LinkSigner(["other"]))):
        with pytest.raises(InvalidToken):
            signer.read("verify-email", bad, max_age=60)
    with pytest.raises(InvalidToken):
        LinkSigner(["key"]).read("verify-email", "not a token at all", max_age=60)


def test_old_keys_still_verify() -> None:
    """After a key rotation, links signed with the previous key work until it is dropped."""
    account = user()
    token = LinkSigner(["old"]).make("verify-email", account)
    rotated = LinkSigner(["new", "old"])
    assert rotated.read("verify-email", token, max_age=60)[0] == 7
    rotated.check("verify-email", token, account)
    with pytest.raises(InvalidToken):
        LinkSigner(["new"]).read("verify-email", token, max_age=60)


def test_expired_tokens_are_refused() -> None:
    """A token older than max_age (whole seconds, as signed) is refused."""
    import time

    signer = LinkSigner(["key"])
    token = signer.make("verify-email", user())
    time.sleep(1.1)
    with pytest.raises(InvalidToken, match="expired"):
        signer.read("verify-email", token, max_age=0)


@pytest.mark.parametrize(
    ("purpose", "change"),
    [
        ("reset-password", lambda u: setattr(u, "password", "$argon2id$new")),
        ("reset-password", lambda u: setattr(u, "security_stamp", "stamp-two")),
        ("reset-password", lambda u: u.set_email("ada@new.example")),
        ("verify-email", lambda u: setattr(u, "email_verified", True)),
        ("change-email", lambda u: u.set_email("other@example.com")),
    ],
)
def test_a_token_dies_with_the_state_it_covers(purpose: str, change: object) -> None:
    """Using a link changes what its fingerprint covers, so it works once."""
    signer, account = LinkSigner(["key"]), user()
    token = signer.make(purpose, account, extra="x@example.com")  # type: ignore[arg-type]
    change(account)  # type: ignore[operator]
    with pytest.raises(InvalidToken, match="already been used"):
        signer.check(purpose, token, account)  # type: ignore[arg-type]

"""Test helpers for apps with the ``Auth`` component.

::

    from schooner.contrib.auth.testing import create_user, force_login

    async def test_dashboard(app: App, async_client: AsyncTestClient) -> None:
        user = await create_user(app, "ada@example.com", password="correct horse battery")
        force_login(async_client, user)              # signed in, without the sign-in flow
        assert (await async_client.get("/dashboard")).status_code == 200

``create_user`` stores a verified, active account through the app's own database and
hasher; ``force_login`` gives the client the session a real sign-in would (signed with the
app's keys, with the user's security-stamp hash), so the app cannot tell it from one it set.
``fast_hasher()`` hashes with tiny argon2 parameters, for test apps only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schooner.contrib.auth._component import Auth
from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth._passwords import Argon2Parameters, PasswordHasher
from schooner.contrib.auth._signin import SESSION_HASH, SESSION_USER
from schooner.contrib.sessions.testing import read_session, write_session
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.testing import AsyncTestClient, TestClient

__all__ = ["create_user", "fast_hasher", "force_login", "logout"]


def _auth_of(app: App) -> Auth:
    auth = app.component(Auth)
    if auth is None:
        raise ImproperlyConfigured("The app has no Auth component: add Auth() to it.")
    return auth


def fast_hasher() -> PasswordHasher:
    """A hasher with the smallest argon2 parameters: fast tests, never production
    (``Auth(hasher=fast_hasher())`` in a test app)."""
    return PasswordHasher(Argon2Parameters(time_cost=1, memory_cost=1024, parallelism=1))


async def create_user(
    app: App, email: str, *, password: str | None = None, **fields: Any
) -> AbstractUser:
    """Store an account (verified and active unless ``fields`` say otherwise) and return it.

    Without ``password`` the account has none and can only be signed in with
    :func:`force_login`. The app must be started (inside the test client).
    """
    auth = _auth_of(app)
    fields.setdefault("email_verified", True)
    user = auth.user_model(email=email, **fields)
    user.password = await auth.hasher.hash(password) if password is not None else "!"
    async with auth.database.transaction() as session:
        session.add(user)
    return user


def force_login(client: TestClient | AsyncTestClient, user: AbstractUser) -> None:
    """Sign ``user`` in on ``client``, as a successful sign-in would (cookie sessions).

    Raises:
        ImproperlyConfigured: the client's app has no ``Auth`` component.
        TypeError: the app keeps sessions server-side: sign in through the app's routes.
    """
    app: Any = client.app
    auth = _auth_of(app)
    data = dict(read_session(client))
    data[SESSION_USER] = user.id
    data[SESSION_HASH] = auth.session_hash(user)
    write_session(client, data)


def logout(client: TestClient | AsyncTestClient) -> None:
    """Sign the client out (its session keeps its other data)."""
    data = {k: v for k, v in read_session(client).items() if k not in (SESSION_USER, SESSION_HASH)}
    write_session(client, data)

"""One session per request, committed before the response starts.

Why not simply commit in the dependency's cleanup? Schooner runs the code after a
provider's ``yield`` once the response has been *sent*: a commit that failed there could
no longer change what the client was told, so a ``201 Created`` could describe a row that
was never stored. Instead the session provider registers each session with the request's
:class:`RequestTransactions` (kept in the ASGI scope by :class:`TransactionMiddleware`), and
the middleware commits them when the handler's response *starts* — after the handler
returned, before the status line leaves. A failed commit is rolled back and its exception
raised, still before anything was sent: the server-error layer answers it with the app's
exception handler for it, as a route would. The database battery's handlers answer a
constraint violation or a failed optimistic-lock check with ``409`` and a value the database
cannot store with ``422`` (see ``_errors``); anything else is a ``500``.

When the handler raises (``HTTPException`` included), the exception reaches the provider's
``yield`` before any response exists, and the session is rolled back. It is closed in every
case. WebSocket handlers have no response to hold back: their session commits when the
handler returns.

One provider serves ``AsyncSession`` and sync ``Session`` alike: it runs on the event loop,
and a sync session's blocking calls (commit, rollback, close) go to the thread pool, so a
``def`` handler gets a session made and finished exactly like an ``async def`` one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from schooner.concurrency import run_sync
from schooner.exceptions import ImproperlyConfigured
from schooner.http import Request
from schooner.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "SCOPE_KEY",
    "RequestTransactions",
    "TransactionMiddleware",
    "session_provider",
]

logger = logging.getLogger("schooner.orm")

SCOPE_KEY = "schooner.orm.transactions"
"""Where :class:`TransactionMiddleware` keeps the request's :class:`RequestTransactions`."""

AnySession = AsyncSession | Session
S = TypeVar("S", AsyncSession, Session)


class RequestTransactions:
    """The sessions a request opened and has not finished yet, in the order opened."""

    __slots__ = ("open",)

    def __init__(self) -> None:
        self.open: list[AnySession] = []

    async def commit(self) -> None:
        """Commit every open session, first opened first.

        A session that fails to commit is rolled back and the error is raised; sessions
        after it are rolled back by their providers, which see the error. Databases do not
        share a transaction: one committed before the failure stays committed.
        """
        while self.open:
            session = self.open.pop(0)
            try:
                await _commit(session)
            except BaseException:
                await _rollback(session)
                raise


class TransactionMiddleware:
    """Commits the request's sessions when the response starts.

    Installed once by the first :class:`~schooner.contrib.orm.Database` component, as app
    middleware named ``orm.transactions``. A commit that fails raises before anything was
    sent, and the server-error layer answers it with the app's exception handler for it,
    as a route would (the battery's answer ``409``/``422``; see ``_errors``).

    Args:
        app: the inner app.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        transactions = RequestTransactions()
        scope[SCOPE_KEY] = transactions
        started = False

        async def committing_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                # The handler has returned and its response is ready; nothing has been
                # sent yet, so a failed commit can still become the answer.
                await transactions.commit()
                started = True
            await send(message)

        await self.app(scope, receive, committing_send)


async def _commit(session: AnySession) -> None:
    if isinstance(session, AsyncSession):
        await session.commit()
    else:
        await run_sync(session.commit)


async def _rollback(session: AnySession) -> None:
    try:
        if isinstance(session, AsyncSession):
            await session.rollback()
        else:
            await run_sync(session.rollback)
    except Exception:  # the connection may be gone; closing still releases it
        logger.warning("Rolling back a session failed", exc_info=True)


async def _close(session: AnySession) -> None:
    if isinstance(session, AsyncSession):
        await session.close()
    else:
        await run_sync(session.close)


def _transactions_of(request: Request) -> RequestTransactions | None:
    """The request's transactions; ``None`` for a websocket (it commits on return).

    Raises:
        ImproperlyConfigured: an HTTP request without :class:`TransactionMiddleware` — its
            session could only be committed after the response, which is refused.
    """
    transactions: RequestTransactions | None = request.scope.get(SCOPE_KEY)
    if transactions is None and request.scope.get("type") == "http":
        raise ImproperlyConfigured(
            "A database session was asked for, but the Database is not a component of this "
            "app: pass it to App(components=[db]) so that sessions are committed before the "
            "response."
        )
    return transactions


def session_provider(
    factory: Callable[[], S], *, name: str
) -> Callable[[Request], AsyncIterator[S]]:
    """Return the request-scoped provider of the sessions ``factory`` makes.

    ``factory`` makes ``AsyncSession`` s or sync ``Session`` s; the provider is the same
    for both (see the module documentation). ``name`` names it in error messages and
    ``schooner routes``.
    """

    async def session(request: Request) -> AsyncIterator[S]:
        transactions = _transactions_of(request)
        db_session = factory()
        if transactions is not None:
            transactions.open.append(db_session)
        try:
            yield db_session
            if transactions is None:
                await _commit(db_session)  # websocket: no response to hold back
            elif db_session in transactions.open:
                # The response bypassed TransactionMiddleware: never commit unseen.
                logger.warning("A response was sent without committing; rolled back.")
                await _rollback(db_session)
        except BaseException:
            await _rollback(db_session)
            raise
        finally:
            if transactions is not None and db_session in transactions.open:
                transactions.open.remove(db_session)
            await _close(db_session)

    session.__qualname__ = name
    return session

"""One session per request, committed before the response starts.

Why not simply commit in the dependency's cleanup? Schooner runs the code after a
provider's ``yield`` once the response has been *sent*: a commit that failed there could
no longer change what the client was told, so a ``201 Created`` could describe a row that
was never stored. Instead the session provider registers each session with the request's
:class:`RequestTransactions` (kept in the ASGI scope by :class:`TransactionMiddleware`), and
the middleware commits them when the handler's response *starts* — after the handler
returned, before the status line leaves. A failed commit is rolled back and becomes an
error response:

* a constraint violation (``IntegrityError``) or a failed optimistic-lock check
  (``StaleDataError``) → ``409 Conflict`` problem (the status is configurable);
* anything else → the exception propagates and the client gets ``500``.

When the handler raises (``HTTPException`` included), the exception reaches the provider's
``yield`` before any response exists, and the session is rolled back. It is closed in every
case. WebSocket handlers have no response to hold back: their session commits when the
handler returns.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from schooner.concurrency import run_sync
from schooner.exceptions import HTTPException, ImproperlyConfigured
from schooner.http import Request
from schooner.middleware.errors import problem_response
from schooner.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "SCOPE_KEY",
    "RequestTransactions",
    "TransactionMiddleware",
    "async_session_provider",
    "sync_session_provider",
]

logger = logging.getLogger("schooner.orm")

SCOPE_KEY = "schooner.orm.transactions"
"""Where :class:`TransactionMiddleware` keeps the request's :class:`RequestTransactions`."""

_CONFLICTS = (IntegrityError, StaleDataError)
_CONFLICT_DETAIL = {
    IntegrityError: "The change conflicts with data already stored: a unique, foreign-key "
    "or check constraint refused it.",
    StaleDataError: "The record was changed by someone else since it was read; reload it "
    "and try again.",
}


class RequestTransactions:
    """The sessions a request opened and has not finished yet, in the order opened."""

    __slots__ = ("open",)

    def __init__(self) -> None:
        self.open: list[AsyncSession | Session] = []

    async def commit(self) -> None:
        """Commit every open session, first opened first.

        A session that fails to commit is rolled back and the error is raised; sessions
        after it are rolled back by their providers, which see the error. Databases do not
        share a transaction: one committed before the failure stays committed.
        """
        while self.open:
            session = self.open.pop(0)
            try:
                if isinstance(session, AsyncSession):
                    await session.commit()
                else:
                    await run_sync(session.commit)
            except BaseException:
                await _rollback(session)
                raise


class TransactionMiddleware:
    """Commits the request's sessions when the response starts; turns conflicts into 409.

    Installed once by the first :class:`~schooner.contrib.orm.Database` component, as app
    middleware named ``orm.transactions``.

    Args:
        app: the inner app.
        conflict_status: status for ``IntegrityError`` and ``StaleDataError`` that reach
            this layer unhandled (``None``: let them become 500).
    """

    def __init__(self, app: ASGIApp, *, conflict_status: int | None = 409) -> None:
        self.app = app
        self.conflict_status = conflict_status

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

        try:
            await self.app(scope, receive, committing_send)
        except _CONFLICTS as exc:
            if started or self.conflict_status is None:
                raise
            logger.info("Answering %s to a conflict: %s", self.conflict_status, exc)
            response = problem_response(HTTPException(self.conflict_status, conflict_detail(exc)))
            await response(scope, receive, send)


async def _rollback(session: AsyncSession | Session) -> None:
    try:
        if isinstance(session, AsyncSession):
            await session.rollback()
        else:
            await run_sync(session.rollback)
    except Exception:  # the connection may be gone; closing still releases it
        logger.warning("Rolling back a session failed", exc_info=True)


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


def async_session_provider(
    factory: Callable[[], AsyncSession], *, label: str
) -> Callable[[Request], AsyncIterator[AsyncSession]]:
    """Return the request-scoped provider of ``AsyncSession`` s made by ``factory``."""

    async def session(request: Request) -> AsyncIterator[AsyncSession]:
        transactions = _transactions_of(request)
        db_session = factory()
        if transactions is not None:
            transactions.open.append(db_session)
        try:
            yield db_session
            if transactions is None:
                await db_session.commit()  # websocket: no response to hold back
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
            await db_session.close()

    session.__qualname__ = f"{label}.session"
    return session


def sync_session_provider(
    factory: Callable[[], Session], *, label: str
) -> Callable[[Request], Iterator[Session]]:
    """Return the request-scoped provider of sync ``Session`` s (for ``def`` handlers).

    Schooner runs the provider, the handler and the cleanup in worker threads, one after
    the other, so the session is never used by two threads at once.
    """

    def sync_session(request: Request) -> Iterator[Session]:
        transactions = _transactions_of(request)
        db_session = factory()
        if transactions is not None:
            transactions.open.append(db_session)
        try:
            yield db_session
            if transactions is None:
                db_session.commit()
            elif db_session in transactions.open:
                logger.warning("A response was sent without committing; rolled back.")
                db_session.rollback()
        except BaseException:
            _sync_rollback(db_session)
            raise
        finally:
            if transactions is not None and db_session in transactions.open:
                transactions.open.remove(db_session)
            db_session.close()

    sync_session.__qualname__ = f"{label}.sync_session"
    return sync_session


def _sync_rollback(session: Session) -> None:
    try:
        session.rollback()
    except Exception:
        logger.warning("Rolling back a session failed", exc_info=True)


def conflict_detail(exc: BaseException) -> str:
    """The problem ``detail`` sent for a conflict (no SQL, no values)."""
    return _CONFLICT_DETAIL[IntegrityError if isinstance(exc, IntegrityError) else StaleDataError]

"""A generator provider that commits when the handler succeeds and rolls back when it raises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from schooner import App, HTTPException, Inject


class Account:
    """Stands in for a database row changed inside a transaction."""

    def __init__(self) -> None:
        self.balance = 100
        self.pending = 0

    async def commit(self) -> None:
        self.balance += self.pending
        self.pending = 0

    async def rollback(self) -> None:
        self.pending = 0


async def get_account() -> Account:
    """App-scoped, so the balance outlives a request (a real app would use a database)."""
    return Account()


async def transaction(
    account: Annotated[Account, Inject(get_account, scope="app")],
) -> AsyncIterator[Account]:
    """A unit of work per request."""
    try:
        yield account
        await account.commit()  # reached only when the handler returned normally
    except Exception:
        await account.rollback()  # the handler's exception is raised here, at the yield
        raise


app = App()


@app.post("/withdraw")
async def withdraw(amount: int, account: Annotated[Account, Inject(transaction)]) -> dict[str, int]:
    """Stage a withdrawal; refuse it (and so roll back) when the balance would go negative."""
    account.pending -= amount
    if account.balance + account.pending < 0:
        raise HTTPException(409, "Insufficient funds.")
    return {"withdrawn": amount}


@app.get("/balance")
async def balance(account: Annotated[Account, Inject(get_account, scope="app")]) -> dict[str, int]:
    """The committed balance."""
    return {"balance": account.balance}

"""No lost updates: lock the row while you change it, or detect a concurrent change."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from schooner import App, HTTPException
from schooner.contrib.orm import (
    AsyncSession,
    Database,
    DatabaseConfig,
    IntPK,
    Model,
    Versioned,
    get_for_update,
    get_or_404,
)

db = Database(config=DatabaseConfig.from_env())
app = App(components=[db])
app.on_startup(db.create_all)


class Wallet(IntPK, Model):
    __tablename__ = "wallets"

    balance: Mapped[int] = mapped_column(default=0)


class WikiPage(IntPK, Versioned, Model):
    """``Versioned`` adds a ``version`` column that every UPDATE checks and increments."""

    __tablename__ = "wiki_pages"

    body: Mapped[str] = mapped_column(default="")


@app.post("/wallets", status_code=201)
async def open_wallet(session: AsyncSession) -> Wallet:
    wallet = Wallet(balance=100)
    session.add(wallet)
    await session.flush()
    return wallet


@app.post("/wallets/{wallet_id:int}/pay")
async def pay(wallet_id: int, amount: int, session: AsyncSession) -> Wallet:
    """Pessimistic: SELECT … FOR UPDATE; a concurrent payment waits for this one to commit."""
    wallet = await get_for_update(session, Wallet, wallet_id)
    if wallet.balance < amount:
        raise HTTPException(409, "Insufficient funds.")
    wallet.balance -= amount
    return wallet


@app.post("/pages", status_code=201)
async def new_page(session: AsyncSession) -> WikiPage:
    page = WikiPage(body="")
    session.add(page)
    await session.flush()
    return page


@app.put("/pages/{page_id:int}")
async def edit_page(page_id: int, body: str, version: int, session: AsyncSession) -> WikiPage:
    """Optimistic: the client sends the version it edited; a stale one is a 409."""
    page = await get_or_404(session, WikiPage, page_id)
    if page.version != version:
        raise HTTPException(409, "Someone else edited this page; reload it.")
    page.body = body
    await session.flush()  # UPDATE … WHERE id = ? AND version = ?  (StaleDataError → 409)
    return page

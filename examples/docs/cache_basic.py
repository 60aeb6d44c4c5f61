import asyncio

from schooner import App
from schooner.contrib.cache import Cache

cache = Cache(default_ttl=300)  # in memory, per process
app = App(components=[cache])

RATES = {"EUR": 1.0, "USD": 1.08}
lookups: list[str] = []


@cache.cached(ttl=60)  # the decorator comes from the component: no global cache
async def exchange_rate(currency: str) -> float:
    lookups.append(currency)  # stands in for a slow call to a remote service
    await asyncio.sleep(0.01)
    return RATES[currency]


@app.get("/rates/{currency}")
async def rate(currency: str) -> dict[str, float]:
    return {currency: await exchange_rate(currency)}


@app.get("/stats")
async def stats(cache: Cache) -> dict[str, int]:
    async def count_orders() -> int:  # the expensive query, run once a minute at most
        return 1234

    return {"orders": await cache.get_or_set("stats:orders", count_orders, ttl=60)}


@app.post("/stats/refresh")
async def refresh(cache: Cache) -> None:
    await cache.delete("stats:orders")

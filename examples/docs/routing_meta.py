"""Typed route metadata: what batteries read once, when the app is built."""

from __future__ import annotations

from schooner import App, Router, Settings
from schooner.contrib.csrf import CSRF, csrf_exempt
from schooner.contrib.ratelimit import RateLimit, rate_limit
from schooner.contrib.sessions import Sessions

app = App(settings=Settings.load(), components=[Sessions(), CSRF(), RateLimit()])

# Every route of this router gets the limit (each route still counts on its own).
api = Router(prefix="/api", meta=[rate_limit("100/minute")])


@api.get("/ships")
async def ships() -> list[str]:
    return ["Bluenose"]


@api.post("/search", meta=[rate_limit("5/second")])  # on top of the router's limit
async def search() -> list[str]:
    return []


@app.post("/hooks/payments", meta=[csrf_exempt])  # the provider signs its calls instead
async def payment_hook() -> str:
    return "ok"


app.include(api)

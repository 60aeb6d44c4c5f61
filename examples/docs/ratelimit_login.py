"""Limiting login attempts from a handler, per client address and account."""

from __future__ import annotations

import msgspec

from schooner import App, HTTPException, Request
from schooner.contrib.ratelimit import RateLimit, RateLimiter, normalize_identifier

app = App(components=[RateLimit()])


class Login(msgspec.Struct):
    """The login form."""

    email: str
    password: str


@app.post("/login")
async def login(form: Login, request: Request, limiter: RateLimiter) -> dict[str, str]:
    """Check the password; five wrong attempts a minute (twenty a day) and the door shuts."""
    # One key per account however it is spelled: " ADA@example.com", a hidden zero-width
    # space or full-width letters must not get a fresh budget (lower() is not enough).
    account = normalize_identifier(form.email)
    key = f"login:{limiter.client_address(request)}:{account}"
    result = await limiter.hit(key, "5/minute;20/day")
    if not result.allowed:
        raise HTTPException(429, "Too many attempts; try again later.", headers=result.headers())
    if form.password != "correct horse":
        raise HTTPException(401, f"Wrong password; {result.remaining} attempts left.")
    await limiter.clear(key, "5/minute;20/day")  # a success starts the count afresh
    return {"welcome": account}

import msgspec

from schooner import App, HTTPException, Request
from schooner.contrib.ratelimit import RateLimit, RateLimiter

app = App(components=[RateLimit()])


class Login(msgspec.Struct):
    email: str
    password: str


@app.post("/login")
async def login(form: Login, request: Request, limiter: RateLimiter) -> dict[str, str]:
    key = f"login:{limiter.client_address(request)}:{form.email.lower()}"
    result = await limiter.hit(key, "5/minute;20/day")
    if not result.allowed:
        raise HTTPException(429, "Too many attempts; try again later.", headers=result.headers())
    if form.password != "correct horse":
        raise HTTPException(401, f"Wrong password; {result.remaining} attempts left.")
    await limiter.clear(key, "5/minute;20/day")  # a success starts the count afresh
    return {"welcome": form.email}

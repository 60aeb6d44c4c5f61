from schooner import App
from schooner.contrib.ratelimit import RateLimit, rate_limit, rate_limit_exempt

app = App(
    components=[
        RateLimit(
            default="60/minute",  # every route without a limit of its own
            trusted_proxies=["10.0.0.0/8"],  # read X-Forwarded-For only from these peers
            exempt_paths=["/static/*"],
        )
    ]
)


# Several limits: all must allow the request.
@app.get("/search", meta=[rate_limit("2/second;30/minute")])
async def search(q: str) -> list[str]:
    return [q]


# Load balancers poll this.
@app.get("/healthz", meta=[rate_limit_exempt])
async def healthz() -> str:
    return "ok"


@app.get("/feed")
async def feed() -> list[str]:  # counted against the default limit
    return []

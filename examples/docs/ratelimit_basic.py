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


@app.get("/search")
@rate_limit("2/second;30/minute")  # several limits: all must allow the request
async def search(q: str) -> list[str]:
    return [q]


@app.get("/healthz")
@rate_limit_exempt  # load balancers poll this
async def healthz() -> str:
    return "ok"


@app.get("/feed")
async def feed() -> list[str]:  # counted against the default limit
    return []

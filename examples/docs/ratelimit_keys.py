from schooner import App, Request
from schooner.contrib.ratelimit import RateLimit, TrustedProxies, client_address, rate_limit

PROXIES = ["10.0.0.0/8"]
trusted = TrustedProxies(PROXIES)


def api_key(request: Request) -> str:
    # One counter per API key; callers without a key are counted by (proxy-aware) address.
    return request.headers.get("x-api-key") or "ip:" + client_address(request.scope, trusted)


app = App(components=[RateLimit(key=api_key, trusted_proxies=PROXIES)])


@app.get("/reports", meta=[rate_limit("3/minute")])
async def reports() -> list[str]:
    return ["q1", "q2"]


@app.post(
    "/exports",
    meta=[rate_limit("1/hour", key=lambda request: request.headers.get("x-api-key", "anonymous"))],
)
async def export() -> dict[str, str]:
    return {"status": "queued"}

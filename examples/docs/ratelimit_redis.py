import os

from schooner import App
from schooner.contrib.ratelimit import RateLimit, rate_limit

redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
app = App(components=[RateLimit(redis_url, prefix="shop:ratelimit")])


# Ten per client in total, however many instances serve them.
@app.post("/orders", meta=[rate_limit("10/minute")])
async def order() -> dict[str, str]:
    return {"status": "accepted"}

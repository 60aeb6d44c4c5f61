import os

from schooner import App
from schooner.contrib.ratelimit import RateLimit, rate_limit

redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
app = App(components=[RateLimit(redis_url, prefix="shop:ratelimit")])


@app.post("/orders")
@rate_limit("10/minute")  # ten per client in total, however many instances serve them
async def order() -> dict[str, str]:
    return {"status": "accepted"}

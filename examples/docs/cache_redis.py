import os

from schooner import App
from schooner.contrib.cache import Cache, RedisBackend, cache_response

redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
cache = Cache(RedisBackend(redis_url, prefix="shop:cache:"), default_ttl=120)
app = App(components=[cache])


# Every instance serves the same cached copy.
@app.get("/catalogue", meta=[cache_response(ttl=60)])
async def catalogue() -> list[str]:
    return ["kettle", "teapot"]

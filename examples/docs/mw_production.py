"""In production the app checks the Host header by itself, with settings.allowed_hosts."""

from __future__ import annotations

from schooner import App, Settings

# SCHOONER_ENVIRONMENT=production
# SCHOONER_ALLOWED_HOSTS=shop.example.com,www.shop.example.com
# SCHOONER_SECRET_KEY=...
app = App(settings=Settings.load())


@app.get("/")
async def home() -> dict[str, str]:
    """Answered for shop.example.com and www.shop.example.com; other hosts get a 400."""
    return {"shop": "open"}

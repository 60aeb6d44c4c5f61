"""StaticFiles on its own: one folder mounted by hand under /downloads."""

from __future__ import annotations

from pathlib import Path

from schooner import App
from schooner.staticfiles import StaticFiles

downloads = StaticFiles(
    [Path(__file__).parent / "static_assets" / "downloads"],
    prefix="/downloads",  # where it is mounted, for downloads.url()
    cache_control="public, max-age=300",  # plain names: five minutes, then revalidate
)

app = App()
app.mount("/downloads", downloads)


@app.get("/latest")
async def latest() -> dict[str, str]:
    return {"notes": downloads.url("notes.txt")}

"""Static files: a project folder that overrides a component's, and fingerprinted URLs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from schooner import App, HTMLResponse

ASSETS = Path(__file__).parent / "static_assets"


# --8<-- [start:component]
@dataclass
class Theme:
    """A component that ships its own static files (css/site.css, img/logo.svg)."""

    name: str = field(default="theme", init=False)

    def setup(self, app: App) -> None:
        app.add_static_dir(ASSETS / "theme", prefix="/static")


# --8<-- [end:component]

# --8<-- [start:app]
app = App()
# Declared first, so its css/site.css wins over the theme's.
app.add_static_dir(ASSETS / "project", prefix="/static")
app.add_component(Theme())


@app.get("/")
async def home() -> HTMLResponse:
    css = app.static_url("css/site.css")  # /static/css/site.<digest>.css
    logo = app.static_url("img/logo.svg")  # the theme's: the project has none
    return HTMLResponse(
        f'<link rel="stylesheet" href="{css}"><img src="{logo}" alt="logo"><h1>Ahoy</h1>'
    )


# --8<-- [end:app]

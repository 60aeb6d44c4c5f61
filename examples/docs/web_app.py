"""Templates, sessions, flash messages, CSRF and security headers in one small app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec

from schooner import App, Form, RedirectResponse, Request
from schooner.contrib.csrf import CSRF
from schooner.contrib.security import SecurityHeaders, security_headers
from schooner.contrib.sessions import Flash, Session, Sessions
from schooner.contrib.templates import TemplateResponse, Templates
from schooner.http import HTMLResponse

HERE = Path(__file__).parent

# --8<-- [start:app]
app = App(
    components=[
        SecurityHeaders(),  # wherever it is listed, every response gets the headers
        Sessions(secret_keys=["a-long-random-secret-from-the-environment-0123456789"]),
        CSRF(),
        Templates(HERE / "web_templates", globals={"harbour": "Portsmouth"}),
    ]
)
# --8<-- [end:app]


class NewBoat(msgspec.Struct):
    name: str


# --8<-- [start:routes]
@app.get("/boats")
async def boats(session: Session) -> TemplateResponse:
    """Render a template: the boats this visitor added, kept in their session."""
    return TemplateResponse("boats.html", {"boats": session.get("boats", [])})


@app.post("/boats")
async def add_boat(
    boat: Annotated[NewBoat, Form()], session: Session, flash: Flash
) -> RedirectResponse:
    """Store in the session, flash a message, redirect (post/redirect/get)."""
    session["boats"] = [*session.get("boats", []), boat.name]
    flash.success(f"{boat.name} is moored.")
    return RedirectResponse(app.url_path_for("boats"), 303)


@app.get("/boats/{name}")
async def boat(name: str, request: Request, templates: Templates) -> HTMLResponse:
    """Render with the injected Templates when you need the string or more control."""
    return await templates.response(request, "boats.html", {"boats": [name]})


@app.get(
    "/widget",
    meta=[security_headers(frame_options=None, csp={"frame-ancestors": "https://partner.example"})],
)
async def widget() -> str:
    """This one route may be framed by a partner's site."""
    return "⚓"


# --8<-- [end:routes]

"""Response classes and cookies."""

from __future__ import annotations

from schooner import (
    App,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

app = App()


@app.get("/page")
async def page() -> HTMLResponse:
    """HTML is sent as given: escape anything that came from a user first."""
    return HTMLResponse("<h1>Harbour</h1>")


@app.get("/plain")
async def plain() -> PlainTextResponse:
    """``text/plain; charset=utf-8`` with any status."""
    return PlainTextResponse("Not yet", status_code=202)


@app.get("/problem")
async def problem() -> JSONResponse:
    """``JSONResponse`` encodes with msgspec; ``media_type=`` overrides the content type."""
    return JSONResponse(
        {"title": "Out of stock"}, status_code=409, media_type="application/problem+json"
    )


@app.get("/old-page")
async def moved() -> RedirectResponse:
    """307 by default (method and body kept); pass 301, 302, 303 or 308 when you mean it."""
    return RedirectResponse("/page", status_code=301)


@app.post("/login")
async def login() -> Response:
    """Cookies are HttpOnly and SameSite=Lax by default, and Secure over HTTPS."""
    response = Response(status_code=204)
    response.set_cookie("session", "abc123", max_age=3600)
    response.set_cookie("theme", "dark", httponly=False, samesite="strict")
    return response


@app.post("/logout")
async def logout() -> Response:
    """``delete_cookie`` expires it; use the same path and domain it was set with."""
    response = Response(status_code=204)
    response.delete_cookie("session")
    return response

import itertools
from typing import Annotated

from schooner import App, Header
from schooner.contrib.cache import Cache, cache_response
from schooner.http import HTMLResponse

app = App(components=[Cache()])
renders = itertools.count(1)


@app.get("/about", meta=[cache_response(ttl=600)])
async def about() -> HTMLResponse:
    return HTMLResponse(f"<h1>About us</h1><!-- render {next(renders)} -->")


@app.get("/welcome", meta=[cache_response(ttl=600)])
async def welcome(accept_language: Annotated[str, Header()] = "en") -> HTMLResponse:
    greeting = "Bienvenue" if accept_language.startswith("fr") else "Welcome"
    # One cached copy per language: the key includes the headers Vary names.
    return HTMLResponse(f"<p>{greeting}</p>", headers={"Vary": "Accept-Language"})


# Cache "not found" answers too.
@app.get("/news", meta=[cache_response(ttl=600, statuses=(200, 404))])
async def news() -> HTMLResponse:
    return HTMLResponse("<p>No news yet.</p>", status_code=404)

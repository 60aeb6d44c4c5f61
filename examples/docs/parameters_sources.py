"""Where each parameter comes from: path, query, header, cookie — decided by its annotation."""

from __future__ import annotations

from typing import Annotated, Any

from schooner import App, Cookie, Header, Path, Query

app = App()

PageSize = Annotated[int, Query(ge=1, le=500, alias="page-size")]


@app.get("/shops/{shop_id:int}/products")
async def products(
    shop_id: int,  # named in the path template: a path parameter
    q: str | None = None,  # no marker, plain type: an optional query parameter
    page: Annotated[int, Query(ge=1)] = 1,  # a query parameter with a bound
    page_size: PageSize = 50,  # ?page-size=, between 1 and 500
    tag: Annotated[list[str] | None, Query()] = None,  # ?tag=a&tag=b → ["a", "b"]
    user_agent: Annotated[str | None, Header()] = None,  # the User-Agent header
    currency: Annotated[str, Cookie(pattern="^[A-Z]{3}$")] = "EUR",  # a cookie
) -> dict[str, Any]:
    """Every value arrives converted and validated, or the request is answered with 422."""
    return {
        "shop_id": shop_id,
        "q": q,
        "page": page,
        "page_size": page_size,
        "tag": tag,
        "user_agent": user_agent,
        "currency": currency,
    }


@app.get("/codes/{code}")
async def code(
    code: Annotated[str, Path(min_length=3, max_length=8)],
    version: Annotated[int, Header(alias="x-api-version")],
) -> dict[str, Any]:
    """``Path()`` adds constraints to a path parameter; a header without default is required."""
    return {"code": code, "version": version}

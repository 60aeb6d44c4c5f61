"""Test helpers for apps with the ``CSRF`` component.

::

    from schooner.contrib.csrf.testing import as_browser

    def test_comment(client: TestClient) -> None:
        as_browser(client)  # requests now come from the app's own pages
        assert client.post("/comments", data={"text": "hi"}).status_code == 200

Real browsers say where a request comes from (``Sec-Fetch-Site``, ``Origin``); the test
client says nothing, like a script or a browser too old to tell, so cookie routes ask it
for the token. :func:`as_browser` makes the client a current browser on the app's own
pages; :func:`csrf_token_from` reads the token out of a rendered page, for tests of the
token path itself.
"""

from __future__ import annotations

import html
import re
from typing import Literal, Protocol

__all__ = ["as_browser", "csrf_token_from"]

Site = Literal["same-origin", "same-site", "cross-site", "none"]

_INPUT = re.compile(r'<input[^>]*\bname="(?P<field>[^"]+)"[^>]*\bvalue="(?P<value>[^"]*)"')


class _Client(Protocol):
    @property
    def headers(self) -> _Headers: ...

    @property
    def base_url(self) -> object: ...


class _Headers(Protocol):
    def __setitem__(self, key: str, value: str) -> None: ...


def as_browser(client: _Client, *, site: Site = "same-origin", origin: str | None = None) -> None:
    """Make ``client``'s requests look like a current browser's.

    Args:
        client: a ``TestClient`` or ``AsyncTestClient`` (or an httpx client).
        site: the ``Sec-Fetch-Site`` value: ``"same-origin"`` (the app's own pages, the
            default), ``"cross-site"`` to play an attacker's page.
        origin: the ``Origin`` sent; the client's own base URL by default, or
            ``https://attacker.example`` for a cross-site request.
    """
    own = str(client.base_url).rstrip("/")
    client.headers["Sec-Fetch-Site"] = site
    if origin is None:
        origin = own if site in ("same-origin", "none") else "https://attacker.example"
    client.headers["Origin"] = origin


def csrf_token_from(page: str, *, field_name: str = "csrf_token") -> str:
    """The token of the first ``csrf_input()`` in an HTML page.

    Raises:
        LookupError: the page has no such hidden input.
    """
    for found in _INPUT.finditer(page):
        if found["field"] == field_name:
            return html.unescape(found["value"])
    raise LookupError(f"The page has no hidden input named {field_name!r}.")

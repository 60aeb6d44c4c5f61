"""Two providers that need each other: a startup error that names the whole cycle.

Building this app (or starting it with ``schooner run``) raises ``ImproperlyConfigured``.
"""

from __future__ import annotations

from typing import Annotated

from schooner import App, Inject


# Annotations are read when the app is built, so get_a may name get_b, defined below.
def get_a(b: Annotated[str, Inject(get_b)]) -> str:
    """Needs ``get_b``..."""
    return "a" + b


def get_b(a: Annotated[str, Inject(get_a)]) -> str:
    """...which needs ``get_a``."""
    return "b" + a


app = App()


@app.get("/")
async def index(a: Annotated[str, Inject(get_a)]) -> str:
    """Never served: the app refuses to start."""
    return a

"""Components: the one extension point for batteries and for your own code.

A component is any object with a ``name`` and a ``setup(app)`` method. Passed to
``App(components=[...])``, its ``setup`` runs once, in order, and may contribute through the
app's public methods:

* routes — ``app.include(router)`` or ``app.mount(...)``;
* middleware at a declared position — ``app.add_middleware(mw, before="Name")``;
* providers — ``app.provide(Type, provider, scope="app")``;
* lifespan hooks — ``app.on_startup(fn)``, ``app.on_shutdown(fn)``, ``app.add_lifespan(cm)``;
* CLI command groups — ``app.add_command(click_group)``;
* static and template folders — ``app.add_static_dir(path)``, ``app.add_template_dir(path)``;
* anything else a battery defines (model metadata, admin registrations) — under a key in
  ``app.extensions``.

There is no registry, autodiscovery or import side effect: a component is on only when it
is passed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from schooner.app import App


@runtime_checkable
class Component(Protocol):
    """What ``App(components=[...])`` accepts.

    Attributes:
        name: a unique, stable name (``"sessions"``, ``"blog"``); two components with the
            same name are a startup error.
    """

    name: str

    def setup(self, app: App) -> None:
        """Contribute routes, middleware, providers, hooks, commands and folders to ``app``."""
        ...

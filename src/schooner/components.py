"""Components: the one extension point for batteries and for your own code.

A component is any object with a ``name`` and a ``setup(app)`` method. Passed to
``App(components=[...])``, its ``setup`` runs once, in order, and contributes through the
app's public methods:

* the components it builds on — ``app.require(Sessions, by=self)`` (typed; a missing or
  misordered one is a startup error that says how to fix the list);
* routes — ``app.include(router)`` or ``app.mount(...)``;
* per-route rules — typed route metadata (``meta=[...]``) read once when the app is built,
  in ``app.on_build(hook)``; its middleware asks ``route_table.match(scope)`` per request;
* middleware at a declared position — ``app.add_middleware(mw, before="Name")``, or
  ``outermost=True`` for a layer that must see every response;
* providers — ``app.provide(Type, provider, scope="app")``;
* lifespan hooks — ``app.on_startup(fn)``, ``app.on_shutdown(fn)``, ``app.add_lifespan(cm)``;
* exception handlers — ``app.add_exception_handler(key, fn, replace=False)`` for defaults
  the user's own handlers override;
* CLI command groups — ``app.add_command(click_group)``;
* static folders — ``app.add_static_dir(path)``;
* template folders and template context — through the templates battery's
  ``TemplateFolders`` and ``ContextProvider`` protocols (methods on the component).

There is no registry, autodiscovery or import side effect: a component is on only when it
is passed in. ``docs/components.md`` teaches writing one, and the shape every battery has.
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

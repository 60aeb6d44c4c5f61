"""The ``Admin`` component: staff pages to list, search, add, change and delete rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from schooner.contrib.admin._config import AdminConfig, AdminOptions
from schooner.contrib.admin._dashboard import Panel, check_panels
from schooner.contrib.admin._options import ModelAdmin
from schooner.contrib.admin._pages import pages_router
from schooner.contrib.admin._registry import Registry
from schooner.contrib.auth import Auth
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.orm import Database
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.routing import RouteTable

__all__ = ["Admin"]

HERE = Path(__file__).parent


class Admin:
    """The admin site as a component: ``App(components=[..., Auth(), Admin(models=[...])])``.

    Needs, listed before it, the batteries it builds on: ``Database`` (the rows it edits and
    its log), ``Sessions``, ``Templates``, ``Forms``, ``CSRF`` (every form it posts is
    checked) and ``Auth`` with its pages (staff sign in on the accounts login page). The
    models are the ``ModelAdmin`` s given here and those of every component with an
    ``admin_models()`` method (:class:`~schooner.contrib.admin.AdminModels`), collected and
    checked when the app is built.

    Args:
        config: every option at once, e.g. a block of the project's settings.
        models: the project's models and how the admin shows them.
        dashboard: ``Panel`` s the index shows next to the models and recent actions.
        **options: fields of :class:`AdminConfig`, which win over ``config``.

    Raises:
        ImproperlyConfigured: an option is unknown or invalid, or ``models`` holds
            something else than ``ModelAdmin`` objects.
    """

    name = "admin"

    def __init__(
        self,
        *,
        config: AdminConfig | None = None,
        models: Sequence[ModelAdmin[Any]] = (),
        dashboard: Sequence[Panel] = (),
        **options: Unpack[AdminOptions],
    ) -> None:
        self.config = AdminConfig.build(config, dict(options), owner="Admin")
        if isinstance(models, str | bytes) or not isinstance(models, Sequence):
            raise ImproperlyConfigured("Admin(models=...) is a list of ModelAdmin(Model, ...).")
        for item in models:
            if not isinstance(item, ModelAdmin):
                raise ImproperlyConfigured(
                    f"Admin(models=[...]) holds {item!r}; write ModelAdmin({item!r}) "
                    "(with options if needed)."
                    if isinstance(item, type)
                    else f"Admin(models=[...]) holds {item!r}, which is not a ModelAdmin."
                )
        self.models: tuple[ModelAdmin[Any], ...] = tuple(models)
        self.dashboard = check_panels(dashboard)
        self.registry = Registry()
        self._app: App | None = None
        self._auth: Auth | None = None
        self._database: Database | None = None

    def __repr__(self) -> str:
        return f"Admin(prefix={self.config.prefix!r}, models={len(self.models)})"

    def setup(self, app: App) -> None:
        """Require the batteries it builds on; add the pages, the stylesheet and the hook
        that collects the models."""
        self._app = app
        self._database = app.require(Database, by=self)
        for battery in (Sessions, Templates, Forms, CSRF):
            app.require(battery, by=self)
        self._auth = app.require(Auth, by=self)
        if not self._auth.config.pages:
            raise ImproperlyConfigured(
                "Admin() signs staff in on the accounts battery's login page: use "
                "Auth(pages=True) (the default)."
            )
        app.include(pages_router(self), prefix=self.config.prefix, namespace="admin")
        app.add_static_dir(HERE / "static")
        app.on_build(self._collect)

    def _collect(self, table: RouteTable) -> None:
        """Collect and check every component's models (the build hook)."""
        metadata = self.database.metadata
        if metadata is None:  # pragma: no cover - the default database always has one
            raise ImproperlyConfigured("Admin(): the default Database has no metadata.")
        self.registry.build(
            self.app.components, per_page=self.config.list_per_page, metadata=metadata
        )

    def admin_models(self) -> Sequence[ModelAdmin[Any]]:
        """The models given to this component (it is an ``AdminModels`` like any other)."""
        return self.models

    def template_folders(self) -> list[Path]:
        """The admin's pages (``admin/...``), which the project's override."""
        return [HERE / "templates"]

    def migration_folders(self) -> Mapping[str, Path]:
        """The ``admin_log`` table's migrations (branch ``admin``, after ``auth``)."""
        return {"admin": HERE / "migrations"}

    @property
    def app(self) -> App:
        """The app this component is part of.

        Raises:
            ImproperlyConfigured: not part of an app yet.
        """
        if self._app is None:
            raise ImproperlyConfigured("This Admin() is not part of an app yet.")
        return self._app

    @property
    def auth(self) -> Auth:
        """The accounts battery the admin's users and permissions come from."""
        if self._auth is None:
            raise ImproperlyConfigured("This Admin() is not part of an app yet.")
        return self._auth

    @property
    def database(self) -> Database:
        """The default database, where the admin's models and its log live."""
        if self._database is None:
            raise ImproperlyConfigured("This Admin() is not part of an app yet.")
        return self._database

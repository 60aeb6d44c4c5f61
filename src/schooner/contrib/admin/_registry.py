"""Which models the admin shows: every ``ModelAdmin`` the app's components give, by name.

Registration is explicit. ``Admin(models=[...])`` lists the project's; any other component
contributes its own by having an ``admin_models()`` method (the :class:`AdminModels`
protocol, which it implements without importing this battery). They are collected when the
app is built, in the order of the components: importing a module registers nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import MetaData

from schooner.contrib.admin._options import ModelAdmin
from schooner.contrib.admin._plan import AdminModel
from schooner.exceptions import ImproperlyConfigured, NotFound

__all__ = ["AdminModels", "Registry"]


@runtime_checkable
class AdminModels(Protocol):
    """A component that puts models in the admin (the ``Admin`` component is one)::

    class Polls:
        name = "polls"

        def setup(self, app: App) -> None: ...

        def admin_models(self) -> Sequence[ModelAdmin[Any]]:
            return [ModelAdmin(Question, search_fields=["question_text"])]
    """

    def admin_models(self) -> Sequence[ModelAdmin[Any]]:
        """The component's models, each with its options."""
        ...


class Registry:
    """The admin's models, resolved, by ``(label, name)``: ``("polls", "question")``."""

    def __init__(self) -> None:
        self.models: dict[tuple[str, str], AdminModel] = {}
        self.owners: dict[type[Any], str] = {}

    def build(self, components: Iterable[object], *, per_page: int, metadata: MetaData) -> None:
        """Collect and resolve every component's ``ModelAdmin`` s (the build hook's work).

        Raises:
            ImproperlyConfigured: ``admin_models()`` gave something else than ``ModelAdmin``
                objects, a model is registered twice, lives in another database, or has an
                option naming what it does not have.
        """
        self.models = {}
        self.owners = {}
        for component in components:
            if not isinstance(component, AdminModels):
                continue
            owner = getattr(component, "name", type(component).__name__)
            given = component.admin_models()
            if isinstance(given, str | bytes) or not isinstance(given, Sequence):
                raise ImproperlyConfigured(
                    f"The component {owner!r}: admin_models() returns a list of ModelAdmin."
                )
            for options in given:
                self._add(options, owner=owner, per_page=per_page, metadata=metadata)
        for model in self.models.values():
            for name, target in model.autocomplete.items():
                other = self.of_class(target)
                if other is None or not other.search:
                    raise ImproperlyConfigured(
                        f"{model.where}: autocomplete_fields names {name!r}; give "
                        f"{target.__name__} a ModelAdmin with search_fields, which the "
                        "suggestions search."
                    )

    def _add(
        self, options: ModelAdmin[Any], *, owner: str, per_page: int, metadata: MetaData
    ) -> None:
        if not isinstance(options, ModelAdmin):
            raise ImproperlyConfigured(
                f"The component {owner!r} gave the admin {options!r}; it takes "
                "ModelAdmin(Model, ...) objects."
            )
        model = options.model
        if model in self.owners:
            raise ImproperlyConfigured(
                f"{model.__name__} is registered in the admin twice (by {self.owners[model]!r} "
                f"and {owner!r}); give each model one ModelAdmin."
            )
        resolved = AdminModel(options, per_page=per_page)
        table = getattr(model, "__table__", None)
        if table is None or table.key not in metadata.tables:
            raise ImproperlyConfigured(
                f"{resolved.where}: the table of {model.__name__} is not in the default "
                "database's metadata; the admin edits models of the default database."
            )
        key = (resolved.label, resolved.name)
        other = self.models.get(key)
        if other is not None:
            raise ImproperlyConfigured(
                f"{model.__name__} and {other.model.__name__} are both {key[0]}.{key[1]} in the "
                "admin; give one of them an __app_label__."
            )
        self.models[key] = resolved
        self.owners[model] = owner

    def get(self, label: str, name: str) -> AdminModel:
        """The model at ``/<label>/<name>``.

        Raises:
            NotFound: no model of the admin has that name.
        """
        found = self.models.get((label, name))
        if found is None:
            raise NotFound(f"The admin has no model {label}.{name}.")
        return found

    def of_class(self, model: type[Any]) -> AdminModel | None:
        """The registered model of a class, if any."""
        for item in self.models.values():
            if item.model is model:
                return item
        return None

    def grouped(self) -> list[tuple[str, list[AdminModel]]]:
        """Every model by label, labels and models in alphabetical order."""
        groups: dict[str, list[AdminModel]] = {}
        for (label, _), item in sorted(self.models.items()):
            groups.setdefault(label, []).append(item)
        return list(groups.items())

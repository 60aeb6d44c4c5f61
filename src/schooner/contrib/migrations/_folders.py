"""Migrations shipped by components: the :class:`MigrationFolders` protocol.

A battery that owns tables (the accounts battery's users, an admin's log) ships the Alembic
revisions that create them, as Django's contrib apps do, by having a ``migration_folders``
method. It does not import this battery: the ``schooner db`` commands and :func:`migrate`
find such components among ``app.components`` when they run, and add each folder to the
project's own as a **branch** of the same revision graph, named by its label::

    class Accounts:
        name = "accounts"

        def migration_folders(self) -> Mapping[str, Path]:
            return {"accounts": Path(__file__).parent / "migrations"}

The first revision in the folder says ``branch_labels = ("accounts",)``; later ones follow
it with ``down_revision`` as usual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from schooner.exceptions import ImproperlyConfigured

__all__ = ["Branch", "MigrationFolders", "branches_of"]

# A label Alembic can parse in "label@head" and that is no relative step ("x-1") or keyword.
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED = frozenset({"base", "head", "heads", "current"})


@runtime_checkable
class MigrationFolders(Protocol):
    """A component that ships database migrations for its own tables.

    Any component of the app with this method is one; it does not import the migrations
    battery. Its revisions join the project's: ``schooner db migrate`` applies them, and a
    migration ``makemigrations`` writes for the project depends on their latest revision,
    so a project table may have a foreign key to a component's table.
    """

    def migration_folders(self) -> Mapping[str, Path]:
        """Branch label -> folder of Alembic revision files, for the database ``"default"``.

        Only the default database takes migrations from components for now. The first
        revision in each folder carries ``branch_labels = ("<label>",)``; a label is a
        Python-identifier-like name (``"accounts"``), unique among the app's components.
        """
        ...


@dataclass(frozen=True, slots=True)
class Branch:
    """One folder a component ships: its label, its absolute path and who ships it."""

    label: str
    folder: Path
    owner: str

    def __str__(self) -> str:
        return f"the branch {self.label!r} of component {self.owner!r} ({self.folder})"


def branches_of(components: Iterable[object], *, database: str = "default") -> list[Branch]:
    """The branches the :class:`MigrationFolders` among ``components`` ship, in their order.

    Only the default database takes migrations from components for now: for any other
    ``database`` (a ``Database``'s alias) there are none.

    Raises:
        ImproperlyConfigured: a label is not a valid name or is used twice, or a folder
            does not exist or is shipped twice.
    """
    branches: list[Branch] = []
    if database != "default":
        return branches
    for component in components:
        if not isinstance(component, MigrationFolders):
            continue
        owner = str(getattr(component, "name", type(component).__name__))
        for label, folder in component.migration_folders().items():
            branch = Branch(label, Path(folder).resolve(), owner)
            _check(branch, branches)
            branches.append(branch)
    return branches


def _check(branch: Branch, earlier: list[Branch]) -> None:
    where = f"{branch.owner!r}.migration_folders()"
    if not isinstance(branch.label, str) or not _LABEL.fullmatch(branch.label):
        raise ImproperlyConfigured(
            f"{where} names a branch {branch.label!r}: a branch label is made of letters, "
            "digits and underscores and does not start with a digit (for example 'accounts')."
        )
    if branch.label in _RESERVED:
        raise ImproperlyConfigured(
            f"{where} names a branch {branch.label!r}, which Alembic reserves for its own "
            "revision names; choose another label (the component's name, for example)."
        )
    if not branch.folder.is_dir():
        raise ImproperlyConfigured(
            f"{where} gives {branch.folder} for the branch {branch.label!r}, which is not a "
            "folder; point it at the folder of the component's revision files."
        )
    for other in earlier:
        if other.label == branch.label:
            raise ImproperlyConfigured(
                f"Components {other.owner!r} and {branch.owner!r} both ship migrations for "
                f"the branch {branch.label!r}; each branch label names one folder."
            )
        if other.folder == branch.folder:
            raise ImproperlyConfigured(
                f"Components {other.owner!r} and {branch.owner!r} both ship {branch.folder} "
                f"(as {other.label!r} and {branch.label!r}); a folder belongs to one branch."
            )

"""Permissions for every model, stored by ``sync_permissions``; ``grant`` and groups for code.

Each mapped model of :class:`~schooner.contrib.orm.Model` has four permissions, as in
Django: ``<label>.view_<model>``, ``add_``, ``change_`` and ``delete_``, where ``<model>`` is
the lower-cased class name (``BlogPost`` → ``view_blogpost``, named "Can view blog post").
The *label* is the model's ``__app_label__`` when it has one, else the package that holds
its models module:

* ``blog.models`` → ``blog``; ``examples.blog.models`` → ``blog``;
* ``shop.models.orders`` (a ``models`` package) → ``shop``;
* ``schooner.contrib.auth._models`` → ``auth`` (``_models`` counts as ``models``);
* a module with no ``models`` part → its own last name: ``blog.views`` → ``views``, a
  model in ``app.py`` → ``app``, a top-level ``models.py`` → ``models``. Give such models
  an ``__app_label__`` to choose.

Permissions of your own come from a model's ``__permissions__ = [("publish_post", "Can
publish posts")]`` (with the model's label; read from the class itself, not inherited) and
from ``Auth(permissions=[("blog", "publish_post", "Can publish posts")])``.
:func:`sync_permissions` inserts the missing ones (``schooner users sync-permissions``); it
never deletes, and two processes may run it at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from sqlalchemy import MetaData, Table, insert, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import NoInspectionAvailable
from sqlalchemy.orm import Mapper, object_session
from sqlalchemy.sql.dml import Insert

from schooner.contrib.auth._models import AbstractUser, Group, Permission
from schooner.contrib.orm import AsyncSession, Database, Model, databases_of
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = [
    "ACTIONS",
    "PermissionSpec",
    "add_to_group",
    "app_label",
    "check_permission",
    "declared_permissions",
    "grant",
    "model_permissions",
    "sync_permissions",
]

PermissionSpec: TypeAlias = tuple[str, str, str]
"""``(label, codename, name)``: ``("blog", "publish_post", "Can publish posts")``."""

ACTIONS = ("view", "add", "change", "delete")
"""The permissions every model gets, in this order."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODELS_MODULES = frozenset({"models", "_models"})
_WORDS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# The columns' lengths in auth_permission.
_MAX_LABEL = _MAX_CODENAME = 100
_MAX_NAME = 255


def check_permission(label: Any, codename: Any, name: Any, *, where: str) -> None:
    """Check one permission's parts against what ``auth_permission`` and guards accept.

    Raises:
        ImproperlyConfigured: a part is not a name of letters, digits and underscores (the
            label and codename are joined with a dot in ``"blog.publish_post"``), is too
            long for its column, or the name is empty.
    """
    for part, value, longest in (
        ("label", label, _MAX_LABEL),
        ("codename", codename, _MAX_CODENAME),
    ):
        if not isinstance(value, str) or not _NAME.fullmatch(value) or len(value) > longest:
            raise ImproperlyConfigured(
                f"{where}: the {part} {value!r} must be letters, digits and underscores, not "
                f"starting with a digit, at most {longest} characters (like 'blog' and "
                "'publish_post' in 'blog.publish_post')."
            )
    if not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME:
        raise ImproperlyConfigured(
            f"{where}: the permission {label}.{codename} needs a name of 1 to {_MAX_NAME} "
            f"characters, such as 'Can publish posts', not {name!r}."
        )


def app_label(model: type[Any]) -> str:
    """The label of ``model``'s permissions: ``__app_label__``, else from its module.

    Raises:
        ImproperlyConfigured: ``__app_label__`` is not a valid label, or the module gives
            none (a model defined in ``__main__``).
    """
    declared = getattr(model, "__app_label__", None)
    if declared is not None:
        if not _valid_label(declared):
            raise ImproperlyConfigured(
                f"{model.__name__}.__app_label__ = {declared!r}: a label is letters, digits "
                f"and underscores, not starting with a digit, at most {_MAX_LABEL} characters."
            )
        return str(declared)
    parts = model.__module__.split(".")
    found = [i for i, part in enumerate(parts) if part in _MODELS_MODULES and i > 0]
    label = parts[found[-1] - 1] if found else parts[-1]
    if not _valid_label(label) or label.startswith("__"):
        raise ImproperlyConfigured(
            f"The model {model.__name__} is defined in {model.__module__!r}, which gives no "
            "permission label: set __app_label__ = 'blog' (for example) on the model."
        )
    return label


def _valid_label(value: Any) -> bool:
    return isinstance(value, str) and bool(_NAME.fullmatch(value)) and len(value) <= _MAX_LABEL


def model_permissions(source: MetaData | Iterable[type[Any]]) -> list[PermissionSpec]:
    """The permissions of models: view/add/change/delete each, then its ``__permissions__``;
    models in the order of their label and class name.

    Args:
        source: a ``MetaData`` (every mapped model of ``Model`` whose table is in it) or
            model classes.

    Raises:
        ImproperlyConfigured: a label or a ``__permissions__`` entry is invalid, a class is
            not a mapped model, or two models give one permission different names.
    """
    found: dict[tuple[str, str], PermissionSpec] = {}
    labelled = sorted(
        ((app_label(m), m) for m in _models(source)), key=lambda p: (p[0], p[1].__name__)
    )
    for label, model in labelled:
        base = model.__name__.lower()
        words = _WORDS.sub(" ", model.__name__).lower()
        specs = [(label, f"{action}_{base}", f"Can {action} {words}") for action in ACTIONS]
        specs += [(label, *pair) for pair in _declared(model)]
        for spec in specs:
            check_permission(*spec, where=f"The model {model.__name__}")
            _add(found, spec, where=f"the model {model.__name__}")
    return list(found.values())


def declared_permissions(auth: Auth) -> list[PermissionSpec]:
    """Every permission the app declares: its models' (in every database of the app),
    then ``Auth(permissions=...)``."""
    metadata = [db.metadata for db in databases_of(auth.app).values() if db.metadata is not None]
    found: dict[tuple[str, str], PermissionSpec] = {}
    models: dict[type[Any], None] = {}
    for tables in metadata:
        models.update(dict.fromkeys(_models(tables)))
    for spec in model_permissions(models):
        found[spec[0], spec[1]] = spec
    for label, codename, name in auth.config.permissions:
        _add(found, (label, codename, name), where="Auth(permissions=...)")
    return list(found.values())


async def sync_permissions(database: Database, auth: Auth) -> int:
    """Store the permissions the app declares that ``auth_permission`` lacks; how many.

    Idempotent, and never deletes nor renames. Safe when two processes run it at once (two
    deploys): each missing row is inserted in a short transaction of its own with the
    database's "insert unless present" (``ON CONFLICT DO NOTHING``, ``INSERT IGNORE``,
    ``INSERT OR IGNORE``), so the two wait for each other row by row, where one long
    transaction each could deadlock (InnoDB's gap locks do).

    Args:
        database: the database of the account tables (``auth.database``).
        auth: the app's ``Auth`` component, which knows the app's models and
            ``Auth(permissions=...)``.

    Raises:
        ImproperlyConfigured: a declared permission is invalid (see
            :func:`model_permissions`).
    """
    wanted = declared_permissions(auth)
    async with database.transaction() as db:
        rows = await db.execute(select(Permission.label, Permission.codename))
        present = {(label, codename) for label, codename in rows.all()}
    statement = _insert_unless_present(database.url.get_backend_name())
    added = 0
    for label, codename, name in wanted:
        if (label, codename) in present:
            continue
        async with database.transaction() as db:
            result: Any = await db.execute(
                statement.values(label=label, codename=codename, name=name)
            )
        added += max(result.rowcount, 0)
    return added


async def grant(db: AsyncSession, user_or_group: AbstractUser | Group, *names: str) -> None:
    """Give a user (directly) or a group the permissions ``names`` (``"blog.publish_post"``).

    The permissions must exist (:func:`sync_permissions` stores them); granting one twice
    changes nothing. Flushed in ``db``'s transaction.

    Raises:
        ImproperlyConfigured: a name is not ``label.codename`` or names no stored
            permission (the message says to run ``schooner users sync-permissions``).
    """
    target = await _attached(db, user_or_group)
    attribute = "permissions" if isinstance(target, Group) else "user_permissions"
    await db.refresh(target, [attribute])
    collection: list[Permission] = getattr(target, attribute)
    for permission in await _permissions_named(db, names):
        if permission not in collection:
            collection.append(permission)
    await db.flush()


async def add_to_group(db: AsyncSession, user: AbstractUser, group_name: str) -> Group:
    """Put ``user`` in the group ``group_name``, creating the group if needed; the group.

    Flushed in ``db``'s transaction; joining a group twice changes nothing.
    """
    if not isinstance(group_name, str) or not group_name.strip() or len(group_name) > 150:
        raise ValueError(f"A group name is 1 to 150 characters, not {group_name!r}.")
    group = await db.scalar(select(Group).where(Group.name == group_name))
    if group is None:
        group = Group(name=group_name)
        db.add(group)
    target = await _attached(db, user)
    await db.refresh(target, ["groups"])
    if group not in target.groups:
        target.groups.append(group)
    await db.flush()
    return group


def _models(source: MetaData | Iterable[type[Any]]) -> list[type[Any]]:
    """The model classes of ``source``."""
    if isinstance(source, MetaData):
        tables = set(source.tables.values())
        models = [m.class_ for m in Model.registry.mappers if m.local_table in tables]
    else:
        models = list(source)
        for model in models:
            if not (isinstance(model, type) and isinstance(_mapper(model), Mapper)):
                raise ImproperlyConfigured(f"{model!r} is not a mapped model class.")
    return models


def _mapper(model: type[Any]) -> Mapper[Any] | None:
    try:
        found: Any = inspect(model)
    except NoInspectionAvailable:
        return None
    return found if isinstance(found, Mapper) else None


def _declared(model: type[Any]) -> list[tuple[str, str]]:
    """``model.__permissions__``, checked: ``[(codename, name), ...]``."""
    declared = vars(model).get("__permissions__", ())
    where = f"{model.__name__}.__permissions__"
    if not isinstance(declared, Sequence) or isinstance(declared, str):
        raise ImproperlyConfigured(
            f"{where} is a list of (codename, name) pairs, such as "
            "[('publish_post', 'Can publish posts')]."
        )
    pairs = []
    for item in declared:
        if not isinstance(item, Sequence) or isinstance(item, str) or len(item) != 2:
            raise ImproperlyConfigured(
                f"{where}: {item!r} is not a (codename, name) pair, such as "
                "('publish_post', 'Can publish posts')."
            )
        pairs.append((item[0], item[1]))
    return pairs


def _add(found: dict[tuple[str, str], PermissionSpec], spec: PermissionSpec, *, where: str) -> None:
    key = (spec[0], spec[1])
    other = found.get(key)
    if other is not None and other[2] != spec[2]:
        raise ImproperlyConfigured(
            f"The permission {spec[0]}.{spec[1]} is declared twice with different names "
            f"({other[2]!r}, and {spec[2]!r} by {where}); give one of them another codename, "
            "or its model an __app_label__."
        )
    found.setdefault(key, spec)


def _insert_unless_present(dialect: str) -> Insert:
    table = cast(Table, Permission.__table__)
    if dialect == "postgresql":
        return pg_insert(table).on_conflict_do_nothing(index_elements=["label", "codename"])
    if dialect in ("mysql", "mariadb"):
        return insert(table).prefix_with("IGNORE")
    if dialect == "sqlite":
        return insert(table).prefix_with("OR IGNORE")
    return insert(table)  # another database: a concurrent insert fails on the unique key


async def _attached(db: AsyncSession, obj: Any) -> Any:
    """``obj`` as an instance of ``db``, flushed so that it has its id."""
    if object_session(obj) is not db.sync_session:
        obj = await db.merge(obj)
    if obj in db.new:
        await db.flush()
    return obj


async def _permissions_named(db: AsyncSession, names: Sequence[str]) -> list[Permission]:
    keys = []
    for name in names:
        label, dot, codename = name.partition(".") if isinstance(name, str) else ("", "", "")
        if not (dot and label and codename):
            raise ImproperlyConfigured(
                f"{name!r} is not a permission name: it is 'label.codename', such as "
                "'blog.change_post'."
            )
        keys.append((label, codename))
    rows = await db.scalars(select(Permission).where(Permission.label.in_({k[0] for k in keys})))
    stored = {(p.label, p.codename): p for p in rows}
    missing = [f"{label}.{codename}" for label, codename in keys if (label, codename) not in stored]
    if missing:
        raise ImproperlyConfigured(
            f"No permission {', '.join(missing)} is stored. Declare it (a model's "
            "__permissions__ or Auth(permissions=...)) and run `schooner users "
            "sync-permissions`; existing names are listed in the auth_permission table."
        )
    return [stored[key] for key in keys]

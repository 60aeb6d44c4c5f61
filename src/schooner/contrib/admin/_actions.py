"""What a project declares about a bulk action of the change list: ``Action``.

The list's rows have checkboxes; an action runs on the rows checked (or on every row of the
page). "Delete selected" is built in; a project adds its own as typed async functions::

    async def publish(db: AsyncSession, questions: list[Question]) -> str | None:
        for question in questions:
            question.published = True
        return f"Published {len(questions)} questions."

    ModelAdmin(Question, actions=[Action("Publish", publish, permission="change")])
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from schooner.exceptions import ImproperlyConfigured

__all__ = ["DELETE_SELECTED", "Action", "check_actions"]

M = TypeVar("M")

DELETE_SELECTED = "delete_selected"
"""The built-in action's name."""

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,59}")
_PERMISSIONS = ("view", "add", "change", "delete")


@dataclass(frozen=True, slots=True)
class Action(Generic[M]):
    """A bulk action of the change list.

    Args:
        title: its name in the action select (``"Publish"``).
        function: ``async (db, objects) -> str | None``: given the request's database
            session and the rows chosen (loaded, in key order), it changes them and may
            return the message to show (default: the title and how many rows). What it
            changes in the rows' columns is written to the audit log, row by row, as a
            change through the edit page is; a row it deletes is logged as deleted. If the
            database refuses its changes, none is kept and the page says so.
        permission: what the user needs on the model to see and run it: ``"view"``,
            ``"add"``, ``"change"`` (the default) or ``"delete"``.
        name: its value in the form (default: the function's name).
    """

    title: str
    function: Callable[[AsyncSession, list[M]], Awaitable[str | None]]
    _: KW_ONLY
    permission: Literal["view", "add", "change", "delete"] = "change"
    name: str | None = None

    def __post_init__(self) -> None:
        where = f"Action({self.title!r}, ...)"
        if not isinstance(self.title, str) or not self.title.strip():
            raise ImproperlyConfigured(f"{where}: the title is a non-empty string.")
        if not inspect.iscoroutinefunction(self.function):
            raise ImproperlyConfigured(
                f"{where}: the function is an async function (db, objects) -> str | None."
            )
        if self.permission not in _PERMISSIONS:
            raise ImproperlyConfigured(
                f"{where}: permission is one of {', '.join(_PERMISSIONS)} "
                f"(got {self.permission!r})."
            )
        name = self.name if self.name is not None else self.function.__name__
        if not isinstance(name, str) or not _NAME.fullmatch(name) or name == DELETE_SELECTED:
            raise ImproperlyConfigured(
                f"{where}: its name {name!r} is not a usable form value; give name= in "
                f"lowercase letters, digits and underscores (not {DELETE_SELECTED!r})."
            )
        object.__setattr__(self, "name", name)

    @property
    def key(self) -> str:
        """Its value in the form (the name, set when made)."""
        return self.name or self.function.__name__


def check_actions(actions: object, where: str) -> tuple[Action[Any], ...]:
    """``actions`` as a tuple of ``Action`` s with distinct names.

    Raises:
        ImproperlyConfigured: it is not a list of actions, or two share a name.
    """
    if not isinstance(actions, Sequence) or isinstance(actions, str | bytes):
        raise ImproperlyConfigured(f"{where}: actions is a list of Action(title, function).")
    found = tuple(actions)
    for action in found:
        if not isinstance(action, Action):
            raise ImproperlyConfigured(f"{where}: actions holds {action!r}, not an Action.")
    names = [action.key for action in found]
    if len(set(names)) != len(names):
        raise ImproperlyConfigured(f"{where}: two actions are named alike ({', '.join(names)}).")
    return found

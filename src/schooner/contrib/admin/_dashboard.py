"""The index's dashboard: panels the project adds next to the models and recent actions.

``Admin(dashboard=[Panel("Votes today", "polls/votes_panel.html", context=votes_today)])``:
each panel is a template of the project's, included in the index inside a titled section,
with what its ``context`` function returns as ``data``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

from schooner.contrib.auth import Auth, Identity
from schooner.contrib.orm import AsyncSession
from schooner.exceptions import ImproperlyConfigured

__all__ = ["Panel", "PanelContext", "check_panels", "shown_panels"]

PanelContext = Callable[[AsyncSession, Identity], Awaitable[Mapping[str, Any]]]
"""``async def context(db, identity) -> Mapping``: the values a panel's template shows."""


@dataclass(frozen=True, slots=True)
class Panel:
    """One panel of the admin's index.

    Args:
        title: its heading.
        template: the template drawn inside it (the project's, e.g. ``polls/panel.html``);
            it sees ``panel`` and ``data``, besides what every admin page sees.
        context: an ``async`` function ``(db, identity) -> Mapping`` giving ``data``
            (``None``: an empty ``data``). ``db`` is the request's session, read-only in use.
        permission: the accounts battery's permission a user needs to see the panel
            (``"polls.view_vote"``; ``None``: every staff user).

    Raises:
        ImproperlyConfigured: an empty title or template, a ``context`` that is not an
            ``async`` function, or a permission that is not ``"<label>.<codename>"``.
    """

    title: str
    template: str
    _: KW_ONLY
    context: PanelContext | None = None
    permission: str | None = None

    def __post_init__(self) -> None:
        where = f"Panel({self.title!r})"
        for option in ("title", "template"):
            value = getattr(self, option)
            if not isinstance(value, str) or not value.strip():
                raise ImproperlyConfigured(f"{where}: {option} is a non-empty string.")
        if self.context is not None and not inspect.iscoroutinefunction(self.context):
            raise ImproperlyConfigured(
                f"{where}: context is an async function (db, identity) -> Mapping."
            )
        permission = self.permission
        if permission is not None and (
            not isinstance(permission, str) or permission.count(".") != 1 or " " in permission
        ):
            raise ImproperlyConfigured(
                f"{where}: permission is '<label>.<codename>' (such as 'polls.view_vote')."
            )


def check_panels(panels: object) -> tuple[Panel, ...]:
    """``Admin(dashboard=...)`` as a tuple of panels, checked."""
    if isinstance(panels, str | bytes) or not isinstance(panels, Sequence):
        raise ImproperlyConfigured("Admin(dashboard=...) is a list of Panel(title, template).")
    for panel in panels:
        if not isinstance(panel, Panel):
            raise ImproperlyConfigured(f"Admin(dashboard=[...]) holds {panel!r}, not a Panel.")
    return tuple(panels)


async def shown_panels(
    panels: Sequence[Panel], auth: Auth, identity: Identity, db: AsyncSession
) -> list[dict[str, Any]]:
    """The panels the user may see, each with its ``data``.

    Raises:
        ImproperlyConfigured: a ``context`` function returned something else than a mapping.
    """
    shown = []
    for panel in panels:
        if panel.permission is not None and not await auth.has_perm(identity, panel.permission):
            continue
        data: Mapping[str, Any] = {}
        if panel.context is not None:
            data = await panel.context(db, identity)
            if not isinstance(data, Mapping):
                raise ImproperlyConfigured(
                    f"Panel({panel.title!r}): context returned {type(data).__name__}, "
                    "not a mapping."
                )
        shown.append({"panel": panel, "data": data})
    return shown

"""The fix for ``pitfalls_local_types.py``: the types a component's routes use live at
module level, where string annotations are resolved; the handler itself may stay local."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import msgspec

from schooner import App


# --8<-- [start:fixed]
class Note(msgspec.Struct):
    """A note: declared at module level, where the annotations below are resolved."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


@dataclass
class Notes:
    """Adds ``POST /notes``; the handler is local, the types it names are not."""

    name: str = field(default="notes", init=False)

    def setup(self, app: App) -> None:
        """Add ``POST /notes``."""

        @app.post("/notes", status_code=201)
        async def add_note(note: Note) -> Note:
            return note


# --8<-- [end:fixed]

app = App(components=[Notes()])

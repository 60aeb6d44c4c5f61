"""A pitfall: a type declared inside ``setup()`` cannot be found by string annotations.

With ``from __future__ import annotations`` every annotation is a string, resolved later
in the module's globals; a class local to ``setup()`` is not there, so the app refuses to
start. ``pitfalls_module_types.py`` is the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from schooner import App


# --8<-- [start:broken]
@dataclass
class Notes:
    """Declares the type its route reads inside ``setup()``: the app does not start."""

    name: str = field(default="notes", init=False)

    def setup(self, app: App) -> None:
        """Add ``POST /notes``."""

        class Note(msgspec.Struct):  # local to setup(): the annotation "Note" cannot see it
            text: str

        @app.post("/notes", status_code=201)
        async def add_note(note: Note) -> Note:
            return note


# --8<-- [end:broken]

app = App(components=[Notes()])

"""The ``Session``: a dict of JSON values that remembers whether it changed."""

from __future__ import annotations

import time
from collections.abc import Iterator, MutableMapping
from typing import Any

__all__ = ["Session"]


class Session(MutableMapping[str, Any]):
    """One visitor's session data; values must be JSON-serialisable.

    Assigning or deleting a key marks the session modified, so it is saved (and its cookie
    sent) when the response starts. Changing a value in place (``session["cart"].append(x)``)
    is not seen: assign the value again, or set ``session.modified = True``.

    Attributes:
        id: the backend's key for server-side sessions (``None`` for cookie sessions and
            for a session that was never saved).
        created: when the session was first created (seconds since the epoch, UTC).
        modified: whether it must be saved.
    """

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        id: str | None = None,
        created: float | None = None,
    ) -> None:
        self._data: dict[str, Any] = dict(data or {})
        self.id = id
        self.created = time.time() if created is None else created
        self.modified = False
        self.is_new = data is None
        self.regenerated = False
        self.previous_id: str | None = None
        self.invalidated = False

    # -- mapping ----------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<Session {sorted(self._data)}{' modified' if self.modified else ''}>"

    def to_dict(self) -> dict[str, Any]:
        """A shallow copy of the data."""
        return dict(self._data)

    # -- life cycle -------------------------------------------------------------------------

    def regenerate(self) -> None:
        """Keep the data under a new identity; call it when a user logs in.

        It defeats session fixation: an id an attacker planted before login is worthless
        afterwards (server-side backends delete the old entry).
        """
        self.regenerated = True
        self.modified = True

    def invalidate(self) -> None:
        """Empty the session and delete it (and its cookie); call it at logout."""
        self._data.clear()
        self.invalidated = True
        self.modified = True

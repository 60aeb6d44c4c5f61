"""The request target as routing sees it: the path, decoded strictly, relative to the root path."""

from __future__ import annotations

from schooner.exceptions import BadRequest
from schooner.http._sansio.query import DecodeError, decode_component
from schooner.types import Scope

__all__ = ["route_path"]


def route_path(scope: Scope) -> str:
    """The decoded path relative to ``root_path``.

    The raw path is decoded strictly so bad percent-encoding or non-UTF-8 is a 400, not a
    guess (servers decode leniently, replacing what they cannot read).

    Raises:
        BadRequest: the path is not valid percent-encoded UTF-8.
    """
    raw = scope.get("raw_path")
    if raw and b"%" in raw:
        try:
            path = decode_component(raw.split(b"?", 1)[0])
        except DecodeError as exc:
            raise BadRequest(detail=f"Malformed request path: {exc}.")
    else:
        path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return str(path)

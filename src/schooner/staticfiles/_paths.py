"""Turning a request path into a file safely, and fingerprinted file names, as pure functions.

A static path is only ever looked up after it has been split into plain segments: anything
that could step outside the folder (``..``, an absolute path, a backslash, a NUL byte, a
Windows drive) is refused before the file system is touched, and :func:`resolve_in` checks
again after symlinks are resolved.
"""

from __future__ import annotations

import stat
from pathlib import Path

DIGEST_LENGTH = 12
"""How many hex characters of the content hash go into a fingerprinted name."""


def split_request_path(path: str) -> tuple[str, ...] | None:
    """Split a decoded request sub-path (``/css/site.css``) into safe segments.

    The path must already be percent-decoded exactly once (so ``%252e`` arrives as the
    literal text ``%2e``, which is never decoded again and matches no file).

    Returns:
        The segments, or ``None`` when the path is empty or unsafe: an empty segment (which
        also catches absolute paths such as ``//etc/passwd``), a segment starting with ``.``
        (``.``, ``..`` and hidden files), or one containing a backslash, a colon (Windows
        drives and alternate data streams) or a control character such as NUL.
    """
    if path.startswith("/"):
        path = path[1:]
    if not path:
        return None
    segments = tuple(path.split("/"))
    for segment in segments:
        if not segment or segment.startswith(".") or "\\" in segment or ":" in segment:
            return None
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in segment):
            return None
    return segments


def resolve_in(root: Path, segments: tuple[str, ...]) -> Path | None:
    """Return the regular file ``root/segments…``, or ``None``.

    Symlinks are followed, but the file they lead to must still be inside ``root`` (which
    must itself be resolved); directories and special files are never returned.
    """
    try:
        resolved = root.joinpath(*segments).resolve(strict=True)
        mode = resolved.stat().st_mode
    except (OSError, RuntimeError):  # missing, a symlink loop, a name too long…
        return None
    if not resolved.is_relative_to(root) or not stat.S_ISREG(mode):
        return None
    return resolved


def fingerprint_name(name: str, digest: str) -> str:
    """Insert ``digest`` before the last extension: ``css/site.css`` → ``css/site.<digest>.css``.

    A name without an extension gets the digest at the end (``LICENSE.<digest>``).
    """
    folder, slash, base = name.rpartition("/")
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem or not ext:
        return f"{name}.{digest}"
    return f"{folder}{slash}{stem}.{digest}.{ext}"


def split_fingerprint(name: str) -> list[tuple[str, str]]:
    """Undo :func:`fingerprint_name`: ``css/site.<digest>.css`` → ``[("css/site.css", digest)]``.

    A name can be read two ways when both of its last two dotted parts look like digests
    (``data.<digest>.0123456789ab``), so every reading is returned, the one with an
    extension first; an empty list means the name carries no fingerprint.
    """
    folder, slash, base = name.rpartition("/")
    parts = base.split(".")
    readings: list[tuple[str, str]] = []
    if len(parts) >= 3 and _is_digest(parts[-2]) and any(parts[:-2]):
        readings.append((f"{folder}{slash}{'.'.join(parts[:-2])}.{parts[-1]}", parts[-2]))
    if len(parts) >= 2 and _is_digest(parts[-1]) and any(parts[:-1]):
        readings.append((f"{folder}{slash}{'.'.join(parts[:-1])}", parts[-1]))
    return readings


def _is_digest(text: str) -> bool:
    return len(text) == DIGEST_LENGTH and all(char in "0123456789abcdef" for char in text)

"""Choosing a precompressed sibling (``site.css.br``, ``site.css.gz``) from ``Accept-Encoding``.

RFC 9110 §12.5.3: each listed coding carries a quality ``q`` (1 by default); ``q=0`` means
"not acceptable"; ``*`` stands for every coding not listed. A coding the client does not
mention (and no ``*``) is not acceptable, so a request without the header gets the
uncompressed file.
"""

from __future__ import annotations

from collections.abc import Sequence

SIBLINGS: tuple[tuple[str, str], ...] = (("br", ".br"), ("gzip", ".gz"))
"""The content codings served from precompressed siblings, in order of preference."""


def parse_accept_encoding(header: str) -> dict[str, float]:
    """Map each coding in an ``Accept-Encoding`` value to its quality (lower-case names).

    ``x-gzip`` counts as ``gzip`` (RFC 9110 §8.4.1.3). Members with a malformed ``q`` are
    ignored rather than guessed.
    """
    qualities: dict[str, float] = {}
    for member in header.split(","):
        coding, *params = (part.strip() for part in member.split(";"))
        coding = coding.lower()
        if not coding:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if not 0.0 <= quality <= 1.0:
            continue
        qualities["gzip" if coding == "x-gzip" else coding] = quality
    return qualities


def choose_encoding(header: str | None, available: Sequence[str]) -> str | None:
    """Pick the coding to send among ``available`` (in order of preference), or ``None``.

    The coding with the highest quality wins; on a tie, the one listed first in
    ``available`` (``br`` before ``gzip``). ``None`` means send the file as it is.
    """
    if not header or not available:
        return None
    qualities = parse_accept_encoding(header)
    wildcard = qualities.get("*", 0.0)
    best: str | None = None
    best_quality = 0.0
    for coding in available:
        quality = qualities.get(coding, wildcard)
        if quality > best_quality:
            best, best_quality = coding, quality
    return best

"""A custom path converter: ``{day:date}`` matches ``2024-05-17`` and arrives as a ``date``."""

from __future__ import annotations

from datetime import date
from typing import Any

from schooner import App, Request


class DateConverter:
    """An ISO date such as ``2024-05-17``."""

    # The regular expression the segment must match (no groups).
    regex = r"\d{4}-\d{2}-\d{2}"
    # Tried before ``str`` (30) when two routes could match the same path.
    specificity = 15

    def to_python(self, value: str) -> date:
        """Parse the text; a ``ValueError`` (``2024-02-30``) makes the route not match."""
        return date.fromisoformat(value)

    def to_url(self, value: Any) -> str:
        """Turn a ``date`` back into path text for ``url_for``."""
        if not isinstance(value, date):
            raise ValueError(f"Expected a date, got {value!r}.")
        return value.isoformat()


app = App(converters={"date": DateConverter()})


@app.get("/archive/{day:date}")
async def archive(day: date, request: Request) -> dict[str, str]:
    """Show one day; link to the next one."""
    following = date.fromordinal(day.toordinal() + 1)
    return {
        "day": day.isoformat(),
        "weekday": day.strftime("%A"),
        "next": request.url_for("archive", day=following),
    }

"""Cleaning one submitted value: convert it to the field's type, check it, say what is wrong.

Messages are written for the visitor ("Enter at least 5 characters."), not for the
developer: msgspec's own messages are translated into such sentences.
"""

from __future__ import annotations

import datetime
import fnmatch
import re
from typing import Any

import msgspec

from schooner.contrib.forms._fields import FieldSpec
from schooner.datastructures import UploadFile

__all__ = ["FALSE", "TRUE", "clean"]

_MINUTES = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

TRUE = frozenset({"on", "true", "1", "yes"})
FALSE = frozenset({"", "off", "false", "0", "no"})


def clean(spec: FieldSpec, raw: Any) -> tuple[Any, str | None]:
    """Convert and check one field's submitted value; return ``(value, error)``."""
    if spec.is_file:
        return _clean_file(spec, raw)
    if spec.is_bool and not spec.multiple:
        if raw is None or raw is False:
            return False, None
        if raw is True:
            return True, None
        text = str(raw).strip().lower()
        if text in TRUE:
            return True, None
        if text in FALSE:
            return False, None
        return None, "Enter yes or no."
    if spec.multiple:
        items = [v for v in raw if not (isinstance(v, str) and v == "")]
        if not items:
            return (
                (None, "This field is required.") if spec.required else (list(spec.default), None)
            )
        values = []
        for item in items:
            value, error = _convert(spec, item)
            if error is not None:
                return None, error
            values.append(value)
        return values, None
    if raw is None or (isinstance(raw, str) and raw.strip() == "" and spec.annotation is not str):
        return (None, "This field is required.") if spec.required else (spec.default, None)
    if isinstance(raw, str) and raw == "" and spec.annotation is str:
        if spec.required:
            return None, "This field is required."
        if spec.optional:
            return None, None
    return _convert(spec, raw)


def _convert(spec: FieldSpec, raw: Any) -> tuple[Any, str | None]:
    choices = spec.choices
    if choices and str(raw) not in {value for value, _ in choices}:
        return None, "Select a valid choice."
    if spec.annotation is datetime.datetime and isinstance(raw, str) and _MINUTES.fullmatch(raw):
        # A datetime-local input sends no seconds when they are zero (HTML's "valid normalized
        # local date and time string"); RFC 3339, which msgspec reads, requires them.
        raw += ":00"
    try:
        return msgspec.convert(raw, spec.target, strict=False), None
    except msgspec.ValidationError as exc:
        return None, _readable(str(exc))


def _clean_file(spec: FieldSpec, raw: Any) -> tuple[Any, str | None]:
    if not isinstance(raw, UploadFile) or (not raw.filename and raw.size == 0):
        return (None, "Choose a file.") if spec.required else (None, None)
    limit = spec.field.max_size
    if limit is not None and raw.size > limit:
        return None, f"The file is too large ({raw.size} bytes); the limit is {limit} bytes."
    accepted = spec.field.content_types
    if accepted:
        media = (raw.content_type or "").split(";")[0].strip().lower()
        if not any(fnmatch.fnmatchcase(media, pattern.lower()) for pattern in accepted):
            return None, f"Files of type {media or 'unknown'} are not accepted."
    return raw, None


_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Expected `str` of length >= (\d+)"), "Enter at least {0} characters."),
    (re.compile(r"Expected `str` of length <= (\d+)"), "Enter at most {0} characters."),
    (re.compile(r"Expected `(?:int|float)` >= ([-\d.]+)"), "Enter a number of at least {0}."),
    (re.compile(r"Expected `(?:int|float)` <= ([-\d.]+)"), "Enter a number of at most {0}."),
    (re.compile(r"Expected `(?:int|float)` > ([-\d.]+)"), "Enter a number greater than {0}."),
    (re.compile(r"Expected `(?:int|float)` < ([-\d.]+)"), "Enter a number less than {0}."),
    (re.compile(r"Expected `str` matching regex"), "Enter a value in the expected format."),
    (re.compile(r"Expected `int`"), "Enter a whole number."),
    (re.compile(r"Expected `float`"), "Enter a number."),
    # "datetime" before "date": the date pattern is a prefix of the datetime message.
    (
        re.compile(r"Expected `datetime`|Invalid RFC3339 encoded datetime"),
        "Enter a valid date and time.",
    ),
    (re.compile(r"Expected `date`|Invalid RFC3339"), "Enter a valid date."),
    (re.compile(r"Invalid enum value"), "Select a valid choice."),
]


def _readable(message: str) -> str:
    for pattern, text in _MESSAGES:
        found = pattern.search(message)
        if found:
            return text.format(*found.groups())
    return message.split(" - at ")[0]

"""``TemplatesConfig``: every option of the ``Templates`` component, validated."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypedDict

import jinja2.ext
import msgspec

from schooner.contrib._config import ComponentConfig
from schooner.contrib.templates._protocols import ContextProcessor
from schooner.exceptions import ImproperlyConfigured

__all__ = ["TemplatesConfig", "TemplatesOptions"]


class TemplatesConfig(ComponentConfig, frozen=True, kw_only=True):
    """Where templates are found and what every template gets.

    Every field is also an option of ``Templates``; as a settings block it is the
    ``[schooner.templates]`` table, and ``from_env()`` reads ``TEMPLATES_<FIELD>``
    variables (the folders and the flags; functions are set in code).

    Attributes:
        directories: the project's template folders, searched first (relative paths are
            relative to the current folder).
        context_processors: ``(request) -> mapping`` callables (sync or async) whose
            results are added to every template's context.
        globals: names available in every template (functions, constants).
        filters: extra Jinja2 filters by name.
        extensions: Jinja2 extensions to load (import paths or extension classes).
        auto_reload: reload changed files; ``None`` (default) follows the app's debug mode.
        error_pages: answer browsers' errors (404, 403, 405, 500…) with HTML pages rendered
            from ``errors/<status>.html`` or ``errors/error.html`` (the battery ships a plain
            one); API clients keep getting problem details. Handlers you register win.
        async_rendering: compile templates for async rendering, so they can call async
            functions. Off by default: sync templates render about 1.6 times faster.
    """

    env_prefix: ClassVar[str] = "TEMPLATES_"

    directories: list[str] = msgspec.field(default_factory=lambda: ["templates"])
    context_processors: list[ContextProcessor] = []  # noqa: RUF012 - msgspec copies empty defaults
    globals: dict[str, Any] = {}  # noqa: RUF012 - msgspec copies empty defaults
    filters: dict[str, Callable[..., Any]] = {}  # noqa: RUF012 - msgspec copies empty defaults
    extensions: list[Any] = []  # noqa: RUF012 - msgspec copies empty defaults
    auto_reload: bool | None = None
    error_pages: bool = True
    async_rendering: bool = False

    def __post_init__(self) -> None:
        directories = _folders(self.directories)
        if not directories:
            raise ImproperlyConfigured(
                "Templates: directories is empty; give the folder your templates are in."
            )
        for directory in directories:
            if not Path(directory).is_dir():
                raise ImproperlyConfigured(
                    f"Template folder {str(Path(directory).resolve())!r} does not exist. "
                    "Create it, or pass Templates(...) the folder your templates are in."
                )
        # Options may arrive as any iterable or mapping: kept as lists and dicts.
        for name, kind in (
            ("directories", None),
            ("context_processors", list),
            ("globals", dict),
            ("filters", dict),
            ("extensions", list),
        ):
            value = directories if kind is None else kind(getattr(self, name))
            msgspec.structs.force_setattr(self, name, value)
        for processor in self.context_processors:
            if not callable(processor):
                raise ImproperlyConfigured(
                    f"Templates: context processor {processor!r} is not callable; give "
                    "functions (request) -> mapping."
                )
        for name, function in self.filters.items():
            if not callable(function):
                raise ImproperlyConfigured(f"Templates: filter {name!r} is not a function.")
        for extension in self.extensions:
            if not isinstance(extension, str) and not (
                isinstance(extension, type) and issubclass(extension, jinja2.ext.Extension)
            ):
                raise ImproperlyConfigured(
                    f"Templates: extension {extension!r} is neither an import path "
                    "('jinja2.ext.i18n') nor a jinja2.ext.Extension class."
                )


def _folders(value: Any) -> list[str]:
    # One folder or several, as text or paths: stored as a list of text.
    if isinstance(value, str | Path):
        return [str(value)]
    return [str(item) for item in value]


class TemplatesOptions(TypedDict, total=False):
    """The keyword options of ``Templates(...)``: the fields of :class:`TemplatesConfig`
    (``directories`` is its first parameter)."""

    context_processors: Iterable[ContextProcessor]
    globals: Mapping[str, Any]
    filters: Mapping[str, Callable[..., Any]]
    extensions: Sequence[str | type[jinja2.ext.Extension]]
    auto_reload: bool | None
    error_pages: bool
    async_rendering: bool

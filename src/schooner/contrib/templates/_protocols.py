"""How other components reach the templates battery without importing it.

A component adds to every template's context by having a ``template_context`` method
(:class:`ContextProvider`), and ships templates by having a ``template_folders`` method
(:class:`TemplateFolders`). The sessions, CSRF and security batteries are context providers;
the forms battery ships folders. None of them imports this battery.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from schooner.http import Request

__all__ = ["ContextProcessor", "ContextProvider", "TemplateFolders"]

ContextProcessor = Callable[[Request], Mapping[str, Any] | Awaitable[Mapping[str, Any]]]
"""``(request) -> mapping`` (sync or async): values added to every template's context."""


@runtime_checkable
class ContextProvider(Protocol):
    """A component that adds values to every template's context.

    Any component of the app with this method is one (the sessions battery adds
    ``get_flashed_messages``, CSRF ``csrf_token``, security headers ``csp_nonce``); it does
    not import this battery, and the order of the components does not matter.
    """

    def template_context(
        self, request: Request
    ) -> Mapping[str, Any] | Awaitable[Mapping[str, Any]]:
        """The values for this request (called once per rendered template)."""
        ...


@runtime_checkable
class TemplateFolders(Protocol):
    """A component that ships templates (the forms battery's macros, an admin's pages).

    Its folders are searched after the project's own, in the order of the components, so a
    project overrides a component's template by having one of the same name.
    """

    def template_folders(self) -> Sequence[Path]:
        """The folders to search, most important first."""
        ...

"""Test helpers for apps with the ``Templates`` component.

::

    from schooner.contrib.templates.testing import record_templates

    def test_an_invalid_post_shows_the_form_again(client: TestClient) -> None:
        with record_templates(client.app) as rendered:
            response = client.post("/posts", data={"title": ""})
        assert response.status_code == 422
        assert rendered.names == ["post_form.html"]
        assert rendered.context("post_form.html")["form"].errors["title"]

A page is easier to test by what it was rendered from — the template and the values it got
(a form with its errors, the rows of a list) — than by searching its HTML.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schooner.contrib.templates._component import Templates
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["RenderedTemplate", "RenderedTemplates", "record_templates"]


@dataclass(frozen=True)
class RenderedTemplate:
    """One render: the template's name and the full context it got.

    Attributes:
        name: the template rendered (the one chosen, when several names were given).
        context: every value the template saw: the handler's, the context providers' and
            ``request``.
    """

    name: str
    context: Mapping[str, Any]


class RenderedTemplates:
    """The templates rendered while :func:`record_templates` was active, in order."""

    def __init__(self) -> None:
        self.templates: list[RenderedTemplate] = []
        self._lock = threading.Lock()  # the sync test client renders on its own thread

    def _add(self, name: str, context: Mapping[str, Any]) -> None:
        with self._lock:
            self.templates.append(RenderedTemplate(name, dict(context)))

    def __iter__(self) -> Iterator[RenderedTemplate]:
        return iter(list(self.templates))

    def __len__(self) -> int:
        return len(self.templates)

    @property
    def names(self) -> list[str]:
        """The names of the templates rendered, in order (error pages included)."""
        return [template.name for template in self.templates]

    def context(self, name: str) -> Mapping[str, Any]:
        """The context of the last render of ``name``.

        Raises:
            LookupError: ``name`` was not rendered.
        """
        for template in reversed(self.templates):
            if template.name == name:
                return template.context
        raise LookupError(f"{name!r} was not rendered; rendered: {self.names or 'nothing'}.")


@contextmanager
def record_templates(app: App) -> Iterator[RenderedTemplates]:
    """Record every template the app renders inside the ``with`` block.

    Raises:
        ImproperlyConfigured: the app has no ``Templates`` component.
    """
    templates = app.component(Templates)
    if templates is None:
        raise ImproperlyConfigured(f"{app!r} has no Templates component to watch.")
    rendered = RenderedTemplates()
    templates._observers.append(rendered._add)
    try:
        yield rendered
    finally:
        templates._observers.remove(rendered._add)

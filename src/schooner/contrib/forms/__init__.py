"""Forms declared once as typed classes: parsed, validated and drawn accessibly.

::

    class CommentForm(Form):
        name: Annotated[str, Field(max_length=80)]
        body: Annotated[str, Field(widget="textarea", min_length=10)]

    @app.post("/comments")
    async def comment(form: CommentForm) -> TemplateResponse | RedirectResponse:
        if not form.is_valid:
            return TemplateResponse("comment.html", {"form": form}, status_code=422)
        ...

In a template (with the ``Forms`` component, listed after ``Templates``)::

    {% import "forms/macros.html" as forms %}
    <form method="post">{{ csrf_input() }}{{ forms.fields(form) }}<button>Send</button></form>

``Forms()`` takes no options. An invalid form is a value, not an exception
(``form.is_valid``, ``form.errors``; ``raise_for_errors()`` raises the core's 422
``ValidationError``), so the battery has no exceptions module; forms are plain objects
that tests build directly, and ``schooner.contrib.templates.testing.record_templates``
shows the form a page was rendered with, so it has no testing module either.
"""

from __future__ import annotations

from schooner.contrib.forms._component import Forms
from schooner.contrib.forms._fields import Field, FieldSpec, Widget
from schooner.contrib.forms._form import BoundField, Form

__all__ = ["BoundField", "Field", "FieldSpec", "Form", "Forms", "Widget"]

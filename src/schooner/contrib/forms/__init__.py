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

In a template (with the ``Forms`` component)::

    {% import "forms/macros.html" as forms %}
    <form method="post">{{ csrf_input() }}{{ forms.fields(form) }}<button>Send</button></form>
"""

from __future__ import annotations

from schooner.contrib.forms._component import Forms
from schooner.contrib.forms._fields import Field, FieldSpec, Widget
from schooner.contrib.forms._form import BoundField, Form

__all__ = ["BoundField", "Field", "FieldSpec", "Form", "Forms", "Widget"]

"""The blog's forms, declared once: validated on the server, drawn by the forms macros."""

from __future__ import annotations

from typing import Annotated

from schooner.contrib.forms import Field, Form


# --8<-- [start:post_form]
class PostForm(Form):
    """Write or edit a post (the author is the signed-in user)."""

    title: Annotated[str, Field(min_length=5, max_length=120, help_text="At least 5 characters.")]
    body: Annotated[str, Field(widget="textarea", min_length=20, label="Text")]


# --8<-- [end:post_form]


class CommentForm(Form):
    """Comment on a post."""

    name: Annotated[str, Field(max_length=80, autocomplete="name")]
    body: Annotated[str, Field(widget="textarea", min_length=2, max_length=2000, label="Comment")]

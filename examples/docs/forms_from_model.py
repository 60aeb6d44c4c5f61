"""A form made from a model's create schema, in one line."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.forms import Field, Form
from schooner.contrib.orm import IntPK, Model, schema_for


class Article(IntPK, Model):
    __tablename__ = "docs_articles"

    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    subtitle: Mapped[str | None] = mapped_column(String(200))


ArticleForm = Form.from_struct(
    schema_for(Article, mode="create"), fields={"body": Field(widget="textarea")}
)

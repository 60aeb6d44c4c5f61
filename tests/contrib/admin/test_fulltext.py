"""``ModelAdmin(search="fulltext")``: PostgreSQL's full-text search, the contains search
elsewhere."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from schooner import App
from schooner.contrib.admin import ModelAdmin
from schooner.exceptions import ImproperlyConfigured

from .conftest import sign_in, started
from .polls import QUESTIONS, Question
from .test_changelist import fill, listing, texts

NIGHT = "What colour is the sky at night?"
BLUE = "Is the SKY blue?"


async def searched(make_app: Callable[..., App], backend: str, *queries: str) -> list[list[str]]:
    """The questions each of ``queries`` finds, with full-text search on."""
    app = make_app(backend, models=[dataclasses.replace(QUESTIONS, search="fulltext")])
    found = []
    async for client in started(app):
        await fill(app)
        await sign_in(client)
        for q in queries:
            found.append(sorted(texts(await listing(client, "/admin/polls/question", q=q))))
    return found


async def test_postgresql_searches_words_phrases_and_exclusions(
    make_app: Callable[..., App],
) -> None:
    """On PostgreSQL words match their other forms, ``-word`` excludes, ``"a phrase"``
    keeps its order, and punctuation is no syntax error."""
    results = await searched(
        make_app,
        "postgresql",
        "sky",
        "skies",
        "sky -blue",
        '"sky at night"',
        '"night sky"',
        "colours",
        "blue or night",
        "'; & | ! (",
        "",
    )
    assert results[:4] == [[BLUE, NIGHT], [BLUE, NIGHT], [NIGHT], [NIGHT]]
    assert results[4:7] == [[], [NIGHT], [BLUE, NIGHT]]
    assert results[7] == []
    assert len(results[8]) == 5  # no search: the first page


@pytest.mark.parametrize("backend", ["sqlite", "mariadb"])
async def test_other_databases_search_as_contains_does(
    make_app: Callable[..., App], backend: str
) -> None:
    """Elsewhere every word must be found in a field, ignoring case; nothing is stemmed."""
    results = await searched(make_app, backend, "sky", "skies", "SKY night", "sky -blue")
    assert results == [[BLUE, NIGHT], [], [NIGHT], []]


def test_search_is_checked() -> None:
    """``search`` is ``"contains"`` or ``"fulltext"``."""
    with pytest.raises(ImproperlyConfigured, match="search is 'contains' or 'fulltext'"):
        ModelAdmin(Question, search="regex")  # type: ignore[arg-type]

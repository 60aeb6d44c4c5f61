"""The admin benchmark's data and pages: the rows, what a page must list, signing in.

Pure functions and a small cookie-keeping client, so that ``benchmarks/admin.py`` only
orchestrates. The rows are the same every run: choice ``i`` (1..rows) answers question
``(i - 1) % questions + 1`` with one of ten answers (six of which contain *maybe*), and
the votes are a fixed shuffle of ``0..rows - 1``, all different, so that "most votes
first" is one order whichever tiebreak an admin adds (Django adds ``-pk``, Schooner ``pk``).
"""

from __future__ import annotations

import html
import http.client
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from benchmarks.apps._admin_common import (
    SUPERUSER_EMAIL,
    SUPERUSER_PASSWORD,
    SUPERUSER_USERNAME,
)

PER_PAGE = 100
"""Rows per change-list page: the default of both admins."""

SEARCH_TERM = "maybe"
ANSWERS = (
    "Maybe yes",
    "Not at all",
    "Maybe no",
    "Yes",
    "Maybe later",
    "No",
    "Maybe never",
    "Not sure",
    "Maybe tomorrow",
    "Maybe sometimes",
)
"""The answers, in turn; six in ten contain the search term."""

START = datetime(2026, 1, 1, tzinfo=UTC)


def question_text(number: int) -> str:
    """Question ``number``'s text."""
    return f"Which answer, poll {number}?"


@dataclass
class PollsData:
    """The rows of a run (see the module documentation)."""

    rows: int
    question_count: int
    choices: list[tuple[int, int, str, int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        votes = list(range(self.rows))
        random.Random(13).shuffle(votes)
        self.choices = [
            (i, (i - 1) % self.question_count + 1, f"{ANSWERS[i % len(ANSWERS)]} #{i}", vote)
            for i, vote in enumerate(votes, start=1)
        ]

    def questions(self) -> Iterator[tuple[int, str, datetime]]:
        """``(id, question_text, pub_date)`` of every question."""
        for number in range(1, self.question_count + 1):
            yield number, question_text(number), START + timedelta(hours=number)

    def matching(self, term: str) -> int:
        """How many choices a search for ``term`` finds (case ignored)."""
        return sum(1 for choice in self.choices if term.lower() in choice[2].lower())

    def page(self, term: str, page: int) -> list[tuple[str, str, int]]:
        """``(choice_text, question_text, votes)`` of the rows page ``page`` lists, most votes
        first, searched for ``term`` (``""``: every row)."""
        found = [c for c in self.choices if term.lower() in c[2].lower()]
        found.sort(key=lambda choice: -choice[3])
        rows = found[(page - 1) * PER_PAGE : page * PER_PAGE]
        return [(text, question_text(question), votes) for _, question, text, votes in rows]


# -- checking a page ------------------------------------------------------------------------

# The row's heading cell: the link to the row (not a checkbox's label, which names it too).
_CHOICE = re.compile(r"<th[^>]*>\s*<a [^>]*>([A-Za-z ]+ #[0-9]+)</a>\s*</th>")
_QUESTION = re.compile(r">(Which answer, poll [0-9]+\?)<")
_VOTES = re.compile(r"<td[^>]*>([0-9]+)</td>")


def listed(body: str) -> list[tuple[str, str, int]]:
    """The ``(choice, question, votes)`` rows an admin page lists, in order.

    Both admins put each cell in its own element (``<th>``/``<a>`` for the first column,
    ``<td>`` for the others), so the three columns are read separately and zipped.
    """
    choices = _CHOICE.findall(body)
    questions = [html.unescape(text) for text in _QUESTION.findall(body)]
    votes = [int(number) for number in _VOTES.findall(body)]
    if not len(choices) == len(questions) == len(votes):
        return []
    return list(zip(choices, questions, votes, strict=True))


def check_page(
    status: int, headers: Mapping[str, str], raw: bytes, expected: list[tuple[str, str, int]]
) -> list[str]:
    """What is wrong with a change-list page that should list ``expected``."""
    if status != 200:
        return [f"status {status}, expected 200"]
    if not headers.get("content-type", "").startswith("text/html"):
        return [f"content-type {headers.get('content-type')!r}, expected text/html"]
    found = listed(raw.decode("utf-8", "replace"))
    if len(expected) != PER_PAGE:
        return [f"the data gives {len(expected)} rows for this page, not {PER_PAGE}"]
    if found != expected:
        pairs = enumerate(zip(found, expected, strict=False))
        first = next((i for i, (seen, wanted) in pairs if seen != wanted), None)
        detail = (
            f"row {first + 1} is {found[first]}, expected {expected[first]}"
            if first is not None
            else f"{len(found)} rows listed"
        )
        return [f"not the expected {len(expected)} rows: {detail}"]
    return []


# -- signing in -----------------------------------------------------------------------------


class Browser:
    """Requests to one local server with a cookie jar (``Set-Cookie`` kept, ``Cookie`` sent)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        """The ``Cookie`` header a browser would send."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def fetch(
        self, path: str, form: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        """GET ``path``, or POST ``form`` to it; the status, headers and text of the answer."""
        headers = {"Cookie": self.cookie} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST" if form is not None else "GET", path, body=body, headers=headers)
            response = conn.getresponse()
            for value in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            answer = {name.lower(): value for name, value in response.getheaders()}
            return response.status, answer, response.read().decode("utf-8", "replace")
        finally:
            conn.close()


def hidden_value(page: str, name: str) -> str:
    """The value of the hidden input ``name`` of a form page.

    Raises:
        LookupError: the page has none.
    """
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag:
            value = re.search(r'value="([^"]*)"', tag)
            if value:
                return html.unescape(value.group(1))
    raise LookupError(f"no hidden input {name!r} in the page")


def _signed_in(browser: Browser, status: int, changelist: str) -> str:
    """After the login post: a redirect, then the change list answers; the cookie."""
    if status not in (302, 303):
        raise RuntimeError(f"the sign-in was answered {status}, not a redirect")
    status, _, _ = browser.fetch(changelist)
    if status != 200:
        raise RuntimeError(f"signed in, {changelist} answers {status}")
    return browser.cookie


def sign_in_schooner(port: int, login: str, changelist: str) -> str:
    """Sign in on the accounts battery's login page, as a browser; the cookie header."""
    browser = Browser(port)
    target = f"{login}?next=/admin/"
    status, _, page = browser.fetch(target)
    if status != 200:
        raise RuntimeError(f"{target} answers {status}")
    form = {
        "email": SUPERUSER_EMAIL,
        "password": SUPERUSER_PASSWORD,
        "csrf_token": hidden_value(page, "csrf_token"),
    }
    status, _, _ = browser.fetch(target, form)
    return _signed_in(browser, status, changelist)


def sign_in_django(port: int, login: str, changelist: str) -> str:
    """Sign in on the Django admin's login page, as a browser; the cookie header."""
    browser = Browser(port)
    target = f"{login}?next=/admin/"
    status, _, page = browser.fetch(target)
    if status != 200:
        raise RuntimeError(f"{target} answers {status}")
    form = {
        "username": SUPERUSER_USERNAME,
        "password": SUPERUSER_PASSWORD,
        "csrfmiddlewaretoken": hidden_value(page, "csrfmiddlewaretoken"),
        "next": "/admin/",
    }
    status, _, _ = browser.fetch(target, form)
    return _signed_in(browser, status, changelist)

"""Mailer: finishing, sending and rendering messages from the app's templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest

from schooner import App, Request
from schooner.contrib.mail import (
    EmailMessage,
    Mail,
    Mailer,
    MailTemplateNotFound,
    MemoryBackend,
)
from schooner.contrib.templates import Templates
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

FROM = "Site <site@example.com>"
NAME = 'Tom & "Jerry" <b>'


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write template files under ``folder``."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


WELCOME = {
    "mail/welcome.txt": "Hello {{ name }}, welcome.",
    "mail/welcome.html": "<p>Hello {{ name }}, welcome.</p>",
    "mail/welcome.subject.txt": "Welcome, {{ name }}!\n",
}


def mail_app(folder: Path, files: dict[str, str] | None = None, **options: Any) -> App:
    """An app with templates from ``files`` and mail kept in memory."""
    write(folder, WELCOME if files is None else files)
    templates = Templates(folder, **options.pop("templates", {}))
    mail = Mail("memory", default_from=FROM, **options)
    app = App(components=[templates, mail])

    @app.get("/verify/{token}", name="verify")
    async def verify(token: str) -> str:
        return token

    return app


def mailer_of(app: App) -> Mailer:
    """The app's mailer."""
    mail = app.component(Mail)
    assert mail is not None
    return mail.mailer


async def test_render_builds_text_html_and_subject(tmp_path: Path) -> None:
    """The three templates make the message; the HTML is escaped, the text and subject not."""
    mailer = mailer_of(mail_app(tmp_path))
    message = await mailer.render("mail/welcome", {"name": NAME}, to="ada@example.com")
    assert message.text == f"Hello {NAME}, welcome."
    assert message.html == "<p>Hello Tom &amp; &#34;Jerry&#34; &lt;b&gt;, welcome.</p>"
    assert message.subject == f"Welcome, {NAME}!"
    assert message.to == ("ada@example.com",)


async def test_text_stays_unescaped_after_the_same_template_rendered_as_a_page(
    tmp_path: Path,
) -> None:
    """A .txt compiled by the page environment (escaping) is not reused for mail text."""
    app = mail_app(tmp_path)
    templates = app.component(Templates)
    assert templates is not None
    page = templates.env.get_template("mail/welcome.txt").render(name=NAME)
    assert "&amp;" in page  # pages escape everything, .txt included
    message = await mailer_of(app).render("mail/welcome", {"name": NAME}, to="ada@example.com")
    assert message.text == f"Hello {NAME}, welcome."


async def test_either_body_may_be_missing(tmp_path: Path) -> None:
    """A text-only and an HTML-only mail both render."""
    files = {
        "mail/a.txt": "text",
        "mail/a.subject.txt": "A",
        "mail/b.html": "<p>html</p>",
        "mail/b.subject.txt": "B",
    }
    mailer = mailer_of(mail_app(tmp_path, files))
    text_only = await mailer.render("mail/a", to="ada@example.com")
    html_only = await mailer.render("mail/b", to="ada@example.com")
    assert (text_only.text, text_only.html) == ("text", None)
    assert (html_only.text, html_only.html) == (None, "<p>html</p>")


async def test_missing_templates_name_the_files_to_create(tmp_path: Path) -> None:
    """No body template, or no subject template, is a MailTemplateNotFound naming them."""
    files = {"mail/nosubject.txt": "text", "mail/nobody.subject.txt": "S"}
    mailer = mailer_of(mail_app(tmp_path, files))
    with pytest.raises(MailTemplateNotFound, match=r"'mail/nobody\.txt' or 'mail/nobody\.html'"):
        await mailer.render("mail/nobody", to="ada@example.com")
    with pytest.raises(MailTemplateNotFound, match=r"mail/nosubject\.subject\.txt") as caught:
        await mailer.render("mail/nosubject", to="ada@example.com")
    assert caught.value.tried == ["mail/nosubject.subject.txt"]
    given = await mailer.render("mail/nosubject", to="ada@example.com", subject="Given")
    assert given.subject == "Given"


async def test_a_missing_include_is_not_taken_for_a_missing_body(tmp_path: Path) -> None:
    """A template that includes a missing file fails with Jinja2's error, not silently."""
    files = {"mail/x.txt": '{% include "mail/gone.txt" %}', "mail/x.subject.txt": "X"}
    mailer = mailer_of(mail_app(tmp_path, files))
    with pytest.raises(jinja2.TemplateNotFound, match="gone"):
        await mailer.render("mail/x", to="ada@example.com")


async def test_a_rendered_subject_is_one_line_whatever_the_values(tmp_path: Path) -> None:
    """Line breaks in the subject template or its values are folded into spaces."""
    files = {"mail/s.txt": "t", "mail/s.subject.txt": "Hi\n{{ who }}\n\n"}
    mailer = mailer_of(mail_app(tmp_path, files))
    message = await mailer.render(
        "mail/s", {"who": "Ada\r\nBcc: victim@example.com"}, to="ada@example.com"
    )
    assert message.subject == "Hi Ada Bcc: victim@example.com"
    assert b"\r\nBcc:" not in message.to_bytes()


async def test_url_for_makes_absolute_links_from_base_url(tmp_path: Path) -> None:
    """url_for in mail gives base_url + the route's path; without base_url it says so."""
    files = {"mail/v.txt": "{{ url_for('verify', token='a b') }}", "mail/v.subject.txt": "V"}
    app = mail_app(tmp_path, files, base_url="https://example.com/")
    message = await mailer_of(app).render("mail/v", to="ada@example.com")
    assert message.text == "https://example.com/verify/a%20b"
    bare = mail_app(tmp_path / "bare", files)
    with pytest.raises(ImproperlyConfigured, match="MAIL_BASE_URL"):
        await mailer_of(bare).render("mail/v", to="ada@example.com")


async def test_a_request_brings_the_context_processors(tmp_path: Path) -> None:
    """With request=, templates see what pages see (context processors)."""
    files = {"mail/c.txt": "{{ site }} {{ extra }}", "mail/c.subject.txt": "C"}

    def site(request: Request) -> dict[str, str]:
        return {"site": "Example", "extra": "from processor"}

    app = mail_app(tmp_path, files, templates={"context_processors": [site]})
    request = Request({"type": "http", "app": app, "headers": [], "path": "/", "method": "GET"})
    message = await mailer_of(app).render(
        "mail/c", {"extra": "mine"}, request=request, to="ada@example.com"
    )
    assert message.text == "Example mine"


async def test_async_templates_render_too(tmp_path: Path) -> None:
    """With async_rendering, both environments render asynchronously."""
    app = mail_app(tmp_path, templates={"async_rendering": True})
    message = await mailer_of(app).render("mail/welcome", {"name": NAME}, to="ada@example.com")
    assert message.text == f"Hello {NAME}, welcome."
    assert "&amp;" in (message.html or "")


async def test_rendering_needs_the_templates_component() -> None:
    """Without Templates, render says what to add."""
    app = App(components=[Mail("memory")])
    with pytest.raises(ImproperlyConfigured, match=r"Templates\('templates'\)"):
        await mailer_of(app).render("mail/welcome", to="ada@example.com")


async def test_a_message_without_sender_fails_before_anything_is_sent() -> None:
    """send_many checks every message first: one without a sender sends none."""
    backend = MemoryBackend()
    mailer = Mailer(backend)
    good = EmailMessage(to="a@example.com", text="x", from_="site@example.com")
    bad = EmailMessage(to="b@example.com", text="y")
    with pytest.raises(ImproperlyConfigured, match="MAIL_DEFAULT_FROM"):
        await mailer.send_many([good, bad])
    assert backend.outbox == []
    with pytest.raises(TypeError, match="EmailMessage"):
        await mailer.send("not a message")  # type: ignore[arg-type]


async def test_a_message_keeps_its_own_sender_id_and_date() -> None:
    """finish() fills only what is missing."""
    mailer = Mailer(MemoryBackend(), default_from=FROM)
    own = EmailMessage(to="a@example.com", text="x", from_="me@example.org")
    finished = mailer.finish(own)
    assert finished.from_ == "me@example.org"
    assert finished.message_id is not None
    assert finished.message_id.endswith("@example.org>")
    assert mailer.finish(finished) is finished


def test_handlers_get_the_mailer_by_type(tmp_path: Path) -> None:
    """A route asks for Mailer, renders and sends; the message is in the outbox."""
    app = mail_app(tmp_path)

    @app.post("/welcome")
    async def send_welcome(mailer: Mailer) -> dict[str, str]:
        message = await mailer.render("mail/welcome", {"name": "Ada"}, to="ada@example.com")
        await mailer.send(message)
        return {"status": "sent"}

    mail = app.component(Mail)
    assert mail is not None
    assert isinstance(mail.backend, MemoryBackend)
    with TestClient(app) as client:
        assert client.post("/welcome").json() == {"status": "sent"}
    assert [m.subject for m in mail.backend.outbox] == ["Welcome, Ada!"]


def test_an_invalid_address_from_a_client_is_a_422_problem(tmp_path: Path) -> None:
    """InvalidMessage escaping a handler is answered 422 with a problem document."""
    app = mail_app(tmp_path)

    @app.post("/invite")
    async def invite(to: str, mailer: Mailer) -> str:
        await mailer.send(EmailMessage(to=to, subject="Hi", text="Join us"))
        return "sent"

    with TestClient(app) as client:
        response = client.post("/invite", params={"to": "ada@example.com\r\nBcc: x@example.com"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "to"
    assert "control character" in response.json()["detail"]


def test_a_handler_of_ones_own_for_invalid_messages_wins(tmp_path: Path) -> None:
    """The component's 422 is a default: the app's own handler replaces it."""
    from schooner.contrib.mail import InvalidMessage
    from schooner.http import JSONResponse

    app = mail_app(tmp_path)

    @app.exception_handler(InvalidMessage)
    async def own(request: Request, exc: InvalidMessage) -> JSONResponse:
        return JSONResponse({"bad": exc.field}, 400)

    @app.post("/invite")
    async def invite(to: str, mailer: Mailer) -> str:
        await mailer.send(EmailMessage(to=to, text="x"))
        return "sent"

    with TestClient(app) as client:
        response = client.post("/invite", params={"to": "nope"})
    assert (response.status_code, response.json()) == (400, {"bad": "to"})

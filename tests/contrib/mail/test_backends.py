"""The console, file and memory backends, through a Mailer."""

from __future__ import annotations

import io
import stat
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from schooner.contrib.mail import (
    Attachment,
    ConsoleBackend,
    DeliveryError,
    EmailMessage,
    FileBackend,
    Mailer,
    MemoryBackend,
)

FROM = "Site <site@example.com>"


def welcome(to: str = "ada@example.com", **fields: object) -> EmailMessage:
    """A small message."""
    values: dict[str, object] = {"to": [to], "subject": "Welcome", "text": "Hello & welcome."}
    values.update(fields)
    return EmailMessage(**values)  # type: ignore[arg-type]


async def test_memory_keeps_finished_messages_in_order() -> None:
    """The outbox holds each message with its sender, id and date filled in."""
    backend = MemoryBackend()
    mailer = Mailer(backend, default_from=FROM)
    await mailer.send(welcome())
    await mailer.send_many([welcome("bob@example.com"), welcome("eve@example.com")])
    assert [m.to for m in backend.outbox] == [
        ("ada@example.com",),
        ("bob@example.com",),
        ("eve@example.com",),
    ]
    first = backend.outbox[0]
    assert first.from_ == FROM
    assert first.message_id is not None
    assert first.message_id.endswith("@example.com>")
    assert first.date is not None
    assert first.date.utcoffset() is not None
    assert len({m.message_id for m in backend.outbox}) == 3
    assert repr(backend) == "MemoryBackend(3 message(s))"


async def test_console_prints_headers_bodies_and_attachments() -> None:
    """The console shows what a reader needs, Bcc included, and nothing encoded."""
    stream = io.StringIO()
    mailer = Mailer(ConsoleBackend(stream), default_from=FROM)
    await mailer.send(
        welcome(
            bcc=["audit@example.com"],
            subject="Grüße",
            html="<p>Hello</p>",
            attachments=[Attachment("report.pdf", b"%PDF-1.7")],
            headers={"X-Campaign": "spring"},
        )
    )
    out = stream.getvalue()
    for expected in (
        "From: Site <site@example.com>",
        "To: ada@example.com",
        "Bcc: audit@example.com",
        "Subject: Grüße",
        "X-Campaign: spring",
        "[text]\nHello & welcome.",
        "[html]\n<p>Hello</p>",
        "[attachment] report.pdf (application/pdf, 8 bytes)",
    ):
        assert expected in out


async def test_console_shows_control_characters_escaped() -> None:
    """A body cannot send escape sequences to the terminal: they are shown, not obeyed."""
    stream = io.StringIO()
    await Mailer(ConsoleBackend(stream), default_from=FROM).send(
        welcome(text="red \x1b[31malert\x1b[0m\r\nline two\ttab")
    )
    out = stream.getvalue()
    assert "\x1b" not in out
    assert "red \\x1b[31malert\\x1b[0m\\r\nline two\ttab" in out


async def test_console_writes_to_standard_output_by_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without a stream, messages go to stdout."""
    await Mailer(ConsoleBackend(), default_from=FROM).send(welcome())
    assert "Subject: Welcome" in capsys.readouterr().out


async def test_file_writes_one_private_eml_per_message(tmp_path: Path) -> None:
    """Each message is its own .eml, readable by a mail client, Bcc kept, owner-only."""
    folder = tmp_path / "outbox" / "new"
    mailer = Mailer(FileBackend(folder), default_from=FROM)
    await mailer.send_many([welcome(bcc=["audit@example.com"]), welcome("bob@example.com")])
    files = sorted(folder.iterdir())
    assert len(files) == 2
    assert all(f.suffix == ".eml" and not f.name.startswith(".") for f in files)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
    parsed = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted(str(p["To"]) for p in parsed) == ["ada@example.com", "bob@example.com"]
    assert any(p["Bcc"] == "audit@example.com" for p in parsed)


async def test_file_names_never_come_from_the_message(tmp_path: Path) -> None:
    """A subject full of path tricks lands in an ordinary, unique file in the folder."""
    mailer = Mailer(FileBackend(tmp_path), default_from=FROM)
    await mailer.send_many([welcome(subject="../../etc/passwd") for _ in range(20)])
    names = [p.name for p in tmp_path.iterdir()]
    assert len(set(names)) == 20
    assert all("passwd" not in name and "/" not in name for name in names)


async def test_file_failures_are_raised_not_dropped(tmp_path: Path) -> None:
    """An unusable folder raises a DeliveryError naming it; nothing counts as sent."""
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    mailer = Mailer(FileBackend(blocker), default_from=FROM)
    first, second = welcome(), welcome("bob@example.com")
    with pytest.raises(DeliveryError, match="taken") as caught:
        await mailer.send_many([first, second])
    error = caught.value
    assert error.message is not None
    assert error.message.to == first.to
    assert [m.to for m in error.unsent] == [first.to, second.to]
    assert error.sent == []
    assert error.failures == [error]

"""Where messages go: the backend protocol, and the console, file and memory backends.

The SMTP backend, the one that delivers, is in ``_smtp``. A backend receives finished
messages (sender, id and date filled in) and either takes them all or raises a
:class:`~schooner.contrib.mail.exceptions.DeliveryError`; it never drops one.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TextIO, runtime_checkable

from schooner.concurrency import run_sync
from schooner.contrib.mail._message import EmailMessage
from schooner.contrib.mail.exceptions import DeliveryError

__all__ = ["ConsoleBackend", "FileBackend", "MailBackend", "MemoryBackend"]


@runtime_checkable
class MailBackend(Protocol):
    """What delivers messages. Write your own for an HTTP mail API; pass it to ``Mail(...)``.

    ``send_messages`` gets finished messages (``from_``, ``message_id`` and ``date`` set) and
    returns once every one is accepted; otherwise it raises a ``DeliveryError`` whose
    ``sent`` and ``unsent`` say which were.
    """

    async def send_messages(self, messages: Sequence[EmailMessage], /) -> None:
        """Deliver ``messages``, in order."""
        ...


class MemoryBackend:
    """Keeps messages in :attr:`outbox`, a list, instead of sending them: for tests.

    Attributes:
        outbox: every message "sent", in order; clear it between tests.
    """

    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []
        # The sync test client runs the app on another thread than the test reading this.
        self._lock = threading.Lock()

    async def send_messages(self, messages: Sequence[EmailMessage], /) -> None:
        """Append the messages to :attr:`outbox`."""
        with self._lock:
            self.outbox.extend(messages)

    def __repr__(self) -> str:
        return f"MemoryBackend({len(self.outbox)} message(s))"


class ConsoleBackend:
    """Prints each message, readably, instead of sending it: for development.

    Shows the headers (``Bcc`` included), the text body, the HTML body and a line per
    attachment. Nothing is delivered: the ``Mail`` component refuses this backend in
    production unless told otherwise.

    Args:
        stream: where to write; standard output by default.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    async def send_messages(self, messages: Sequence[EmailMessage], /) -> None:
        """Write every message to the stream."""
        text = "".join(render_readable(message) for message in messages)
        stream = self.stream if self.stream is not None else sys.stdout
        with self._lock:
            stream.write(text)
            stream.flush()


def render_readable(message: EmailMessage) -> str:
    """A message as a person reads it: headers, bodies, and attachments by name and size."""
    rule = "-" * 72
    lines = [rule]
    for name, value in (
        ("From", message.from_),
        ("To", ", ".join(message.to)),
        ("Cc", ", ".join(message.cc)),
        ("Bcc", ", ".join(message.bcc)),
        ("Reply-To", ", ".join(message.reply_to)),
        ("Subject", message.subject),
        ("Date", message.date.isoformat() if message.date else ""),
        ("Message-ID", message.message_id),
        *message.headers.items(),
    ):
        if value:
            lines.append(f"{name}: {value}")
    for label, body in (("text", message.text), ("html", message.html)):
        if body is not None:
            lines += ["", f"[{label}]", _visible(body.rstrip("\n"))]
    for item in message.attachments:
        kind = "inline" if item.inline else "attachment"
        lines.append(f"[{kind}] {item.filename} ({item.content_type}, {len(item.content)} bytes)")
    lines += [rule, ""]
    return "\n".join(lines)


def _visible(text: str) -> str:
    """``text`` with control characters other than line ends and tabs shown escaped, so a
    body cannot send escape sequences to the developer's terminal."""
    return "".join(
        c if c in "\n\t" or unicodedata.category(c) != "Cc" else repr(c)[1:-1] for c in text
    )


class FileBackend:
    """Writes each message to ``<directory>/<time>-<random>.eml`` instead of sending it.

    Any mail client opens the files. Names never come from the message (no subject or
    address in a path), so they are safe and unique; each file is written completely
    before it appears under its name. The folder is created (readable by its owner only:
    messages may hold password-reset links) when missing. The files keep the ``Bcc``
    header, as a "sent" folder would.

    Args:
        directory: the folder to write to.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    async def send_messages(self, messages: Sequence[EmailMessage], /) -> None:
        """Write one ``.eml`` file per message.

        Raises:
            DeliveryError: the folder or a file cannot be written.
        """
        for index, message in enumerate(messages):
            data = message.to_bytes(include_bcc=True)
            try:
                await run_sync(self._write, data)
            except OSError as exc:
                error = DeliveryError(
                    f"Could not write the message to {str(self.directory)!r}: {exc}. Check "
                    "that the folder (the file backend's directory setting) is writable.",
                    message=message,
                )
                error.sent = list(messages[:index])
                error.unsent = list(messages[index:])
                raise error from exc

    def _write(self, data: bytes) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        path = self.directory / f"{stamp}-{secrets.token_hex(6)}.eml"
        partial = path.with_name(f".{path.name}.part")
        # O_EXCL: never overwrite, not even a file an attacker placed with the same name.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.link(partial, path)  # fails rather than replace an existing file
        finally:
            partial.unlink(missing_ok=True)
        return path

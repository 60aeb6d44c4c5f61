"""``Sent``: records what an ASGI response sent, for the response tests in this folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from schooner.datastructures import Headers
from schooner.types import Message


@dataclass
class Sent:
    """Everything a response sent, plus helpers to read it."""

    messages: list[Message] = field(default_factory=list)

    async def send(self, message: Message) -> None:
        """Record one ASGI message."""
        self.messages.append(message)

    @property
    def status(self) -> int:
        """The status of the start message."""
        return int(self.messages[0]["status"])

    @property
    def headers(self) -> Headers:
        """The response headers."""
        return Headers(raw=self.messages[0]["headers"])

    @property
    def chunks(self) -> list[bytes]:
        """The body of each body message, in order."""
        return [m["body"] for m in self.messages[1:]]

    @property
    def body(self) -> bytes:
        """The whole body."""
        return b"".join(self.chunks)

    def problem(self) -> dict[str, Any]:
        """Decode an application/problem+json body."""
        assert self.headers["content-type"] == "application/problem+json"
        decoded: dict[str, Any] = msgspec.json.decode(self.body)
        return decoded

"""A mail backend of your own: messages handed to a queue that another worker drains."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from schooner import App
from schooner.contrib.mail import EmailMessage, Mail


class QueueBackend:
    """Puts each message's wire form on a queue; a worker sends them later."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, list[str], bytes]] = asyncio.Queue()

    async def send_messages(self, messages: Sequence[EmailMessage], /) -> None:
        for message in messages:
            # Finished messages: sender, Message-ID and Date are filled in.
            await self.queue.put((message.sender or "", message.recipients, message.to_bytes()))


backend = QueueBackend()
app = App(components=[Mail(backend, default_from="Example <noreply@example.com>")])

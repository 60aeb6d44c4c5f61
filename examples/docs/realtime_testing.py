"""Testing websockets and event streams with the test client (run by the test suite)."""

from __future__ import annotations

from typing import Annotated

import pytest

from schooner import App, Header, HTTPException, Inject
from schooner.testing import TestClient, WebSocketRejected
from schooner.websockets import WebSocket

app = App()


# --8<-- [start:guard]
async def member(token: Annotated[str, Header(alias="x-token")] = "") -> str:
    """Who is connecting; refuses the handshake without a valid token."""
    if token != "crew-token":
        raise HTTPException(403, "A crew token is required.")
    return "crew"


@app.websocket("/deck")
async def deck(ws: WebSocket, who: Annotated[str, Inject(member)]) -> None:
    """Greet the member, then answer pings until they leave."""
    await ws.accept()
    await ws.send_json({"hello": who})
    async for text in ws.iter_text():
        await ws.send_text("pong" if text == "ping" else "?")


# --8<-- [end:guard]


# --8<-- [start:test]
def test_deck() -> None:
    """A member gets greeted and answered; anyone else is refused with 403."""
    with TestClient(app) as client:
        with client.websocket_connect("/deck", headers={"x-token": "crew-token"}) as ws:
            assert ws.receive_json() == {"hello": "crew"}
            ws.send_text("ping")
            assert ws.receive_text() == "pong"
        with pytest.raises(WebSocketRejected) as refused, client.websocket_connect("/deck"):
            pass
        assert refused.value.status_code == 403
        assert refused.value.json()["detail"] == "A crew token is required."


# --8<-- [end:test]

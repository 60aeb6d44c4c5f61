"""Cross-site WebSocket hijacking: handshakes with cookies must come from a trusted origin."""
# No "from __future__ import annotations": handlers here refer to local names.

from typing import Any

import pytest

from schooner import App, Settings
from schooner.testing import TestClient, WebSocketRejected
from schooner.websockets import WebSocket


def origin_app(**settings: Any) -> App:
    """An app with one websocket that greets, and settings for trusted origins."""
    app = App(settings=Settings(**settings), openapi=None)

    @app.websocket("/live")
    async def live(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_text("hello")
        await ws.close()

    return app


@pytest.mark.parametrize(
    ("headers", "accepted"),
    [
        ({"origin": "https://evil.example", "cookie": "session=abc"}, False),
        ({"origin": "null", "cookie": "session=abc"}, False),
        ({"origin": "http://testserver", "cookie": "session=abc"}, True),
        ({"origin": "http://testserver:80", "cookie": "session=abc"}, True),
        ({"origin": "https://evil.example"}, True),  # no cookie: no ambient authority
        ({"cookie": "session=abc"}, True),  # no Origin: not a browser
        ({"origin": "https://app.partner.example", "cookie": "session=abc"}, True),
    ],
)
def test_cross_site_handshakes_with_cookies_are_refused(
    headers: dict[str, str], accepted: bool
) -> None:
    """A handshake from another origin carrying cookies is a 403; trusted origins pass."""
    app = origin_app(trusted_origins=["https://*.partner.example"])
    with TestClient(app) as client:
        if accepted:
            with client.websocket_connect("/live", headers=headers) as ws:
                assert ws.receive_text() == "hello"
        else:
            with (
                pytest.raises(WebSocketRejected) as info,
                client.websocket_connect("/live", headers=headers),
            ):
                pass
            assert info.value.status_code == 403

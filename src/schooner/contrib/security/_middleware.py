"""``SecurityHeadersMiddleware``: the policy's headers on every HTTP response."""

from __future__ import annotations

from schooner.contrib.security._nonce import NONCE_KEY, Nonce
from schooner.contrib.security._routes import SecurityHeadersPlan
from schooner.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeadersMiddleware"]


class SecurityHeadersMiddleware:
    """Add the policy's headers to every HTTP response that does not set them itself.

    Args:
        app: the inner app.
        plan: the app's policy and the routes' own (decided when the app is built).
    """

    def __init__(self, app: ASGIApp, *, plan: SecurityHeadersPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection, adding headers when the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = Nonce()
        scope[NONCE_KEY] = nonce
        policy = self.plan.policy_for(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                for name, value in policy.headers(scope, nonce.value):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

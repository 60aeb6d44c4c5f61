"""Request ids: one per request, echoed in X-Request-ID and injected where it is needed."""

from __future__ import annotations

import logging
from typing import Annotated

from schooner import App, Inject
from schooner.middleware import RequestId, RequestIDMiddleware

logger = logging.getLogger("shop.payments")

app = App(middleware=[RequestIDMiddleware])


class PaymentClient:
    """Calls the payment provider, passing the request id along for end-to-end tracing."""

    def __init__(self, request_id: str) -> None:
        self.headers = {"X-Request-ID": request_id}


async def payment_client(request_id: RequestId) -> PaymentClient:
    """A dependency that needs the id too: it gets the same one as the handler."""
    return PaymentClient(request_id)


@app.post("/payments")
async def pay(
    request_id: RequestId, client: Annotated[PaymentClient, Inject(payment_client)]
) -> dict[str, str]:
    """Log with the id, and return it so the client can quote it."""
    logger.info("charging card", extra={"request_id": request_id})
    return {"request_id": request_id, "forwarded": client.headers["X-Request-ID"]}

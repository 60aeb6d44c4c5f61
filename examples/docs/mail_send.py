"""Sending a message from a handler: the Mailer arrives by type."""

from __future__ import annotations

import msgspec

from schooner import App
from schooner.contrib.mail import Attachment, EmailMessage, Mail, Mailer

# The console backend prints each message: nothing to set up in development.
app = App(components=[Mail("console", default_from="Example <noreply@example.com>")])


class ReportRequest(msgspec.Struct):
    email: str
    rows: list[str]


@app.post("/reports", status_code=202)
async def send_report(request: ReportRequest, mailer: Mailer) -> dict[str, str]:
    message = EmailMessage(
        to=request.email,  # an invalid address is a 422, never a 500
        subject="Your report",
        text="The report you asked for is attached.",
        html="<p>The report you asked for is <b>attached</b>.</p>",
        attachments=[Attachment("report.csv", "\n".join(request.rows).encode())],
    )
    await mailer.send(message)
    return {"status": "sent"}

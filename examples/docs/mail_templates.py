"""Mail rendered from templates: a sign-up that sends a welcome mail with an absolute link."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import msgspec

from schooner import App
from schooner.contrib.mail import Mail, MailConfig, Mailer
from schooner.contrib.templates import Templates

HERE = Path(__file__).parent

# --8<-- [start:app]
# Development defaults; MAIL_* variables override them (MAIL_BACKEND=smtp, MAIL_HOST=…).
mail_config = MailConfig.from_env(
    environ={
        "MAIL_DEFAULT_FROM": "Example <noreply@example.com>",
        "MAIL_BASE_URL": "http://127.0.0.1:8000",
        **os.environ,
    }
)
app = App(components=[Templates(HERE / "mail_templates"), Mail(config=mail_config)])
# --8<-- [end:app]


class SignUp(msgspec.Struct):
    name: str
    email: str


# --8<-- [start:routes]
@app.post("/signup", status_code=202)
async def signup(form: SignUp, mailer: Mailer) -> dict[str, str]:
    token = secrets.token_urlsafe(16)  # a real app signs it and lets it expire
    message = await mailer.render(
        "mail/welcome",  # mail/welcome.txt, .html and .subject.txt
        {"name": form.name, "token": token},
        to=f"{form.name} <{form.email}>",
    )
    await mailer.send(message)
    return {"status": "Check your inbox."}


@app.get("/verify/{token}", name="verify")
async def verify(token: str) -> dict[str, str]:
    return {"verified": token}


# --8<-- [end:routes]

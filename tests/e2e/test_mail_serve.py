"""End-to-end: a sign-up under ``schooner serve`` sends its mail to a real SMTP server.

examples/docs/mail_templates.py runs in a server process configured by MAIL_* variables;
the test starts aiosmtpd with a login and STARTTLS (trustme certificates), posts over a real
socket and reads the mail the server received, link and all.
"""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import pytest
import trustme
from test_serve import request, server_env, serving

from schooner.contrib.mail.testing import SMTPTestServer

pytestmark = pytest.mark.e2e

APP = "examples/docs/mail_templates.py"


def test_signup_mail_goes_out_over_starttls_with_a_login(tmp_path: Path) -> None:
    """The served app logs in over STARTTLS and delivers the rendered welcome mail."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    with SMTPTestServer(users={"site": "s3cret"}, starttls=context) as smtp:
        env = server_env(
            SCHOONER_ENVIRONMENT="development",
            MAIL_BACKEND="smtp",
            MAIL_HOST=smtp.host,
            MAIL_PORT=str(smtp.port),
            MAIL_STARTTLS="true",
            MAIL_USERNAME="site",
            MAIL_PASSWORD="s3cret",
            MAIL_CA_FILE=str(ca_file),
            MAIL_BASE_URL="https://example.com",
        )
        with serving(tmp_path / "server.log", env, app=APP, probe="/openapi.json") as server:
            body = json.dumps({"name": "Zoë", "email": "zoe@example.com"}).encode()
            reply = request(
                server, "POST", "/signup", body=body, headers={"Content-Type": "application/json"}
            )
            assert reply.status == 202, reply.body
            bad = json.dumps({"name": "x", "email": "zoe@example.com\r\nBcc: all@example.com"})
            refused = request(
                server,
                "POST",
                "/signup",
                body=bad.encode(),
                headers={"Content-Type": "application/json"},
            )
            assert refused.status == 422, refused.body
            assert refused.json()["field"] == "to"
        [received] = smtp.messages
    assert (received.login, received.encrypted) == ("site", True)
    assert received.recipients == ["zoe@example.com"]
    message = received.message
    assert message["Subject"] == "Welcome to Example, Zoë"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "https://example.com/verify/" in text.get_content()
    assert '<a href="https://example.com/verify/' in html.get_content()

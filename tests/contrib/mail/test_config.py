"""MailConfig and the Mail component: validated options, settings blocks, the environment."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

import msgspec
import pytest

from schooner import App, Settings
from schooner.config import Secret
from schooner.contrib.mail import (
    ConsoleBackend,
    FileBackend,
    Mail,
    MailConfig,
    Mailer,
    MemoryBackend,
    SMTPBackend,
)
from schooner.exceptions import ImproperlyConfigured


class SiteSettings(Settings, frozen=True):
    """Project settings with a mail block."""

    mail: MailConfig = msgspec.field(default_factory=MailConfig)


def production() -> Settings:
    """Settings of a production app."""
    return Settings(
        environment="production", secret_key=secrets.token_urlsafe(48), allowed_hosts=["x"]
    )


def test_keywords_and_config_build_the_same_component() -> None:
    """Mail(host=...) and Mail(config=MailConfig(host=...)) agree; keywords win."""
    by_keyword = Mail("smtp", host="smtp.example.com", port=2525)
    by_config = Mail(config=MailConfig(backend="smtp", host="smtp.example.com", port=2525))
    assert by_keyword.config == by_config.config
    assert Mail(config=by_config.config, port=587).config.port == 587


@pytest.mark.parametrize(
    ("options", "kind"),
    [
        ({}, ConsoleBackend),
        ({"backend": "memory"}, MemoryBackend),
        ({"backend": "file", "file_path": "sent"}, FileBackend),
        ({"backend": "smtp"}, SMTPBackend),
    ],
)
def test_the_backend_setting_picks_a_builtin_backend(
    options: dict[str, Any], kind: type[object]
) -> None:
    """console (the default), memory, file and smtp each build their backend."""
    assert isinstance(Mail(**options).backend, kind)


def test_the_smtp_backend_gets_the_server_options() -> None:
    """Host, port, TLS and credentials reach the SMTP backend; the password stays secret."""
    mail = Mail("smtp", host="smtp.example.com", use_tls=True, username="app", password="hunter2")
    backend = mail.backend
    assert isinstance(backend, SMTPBackend)
    assert (backend.host, backend.port, backend.use_tls) == ("smtp.example.com", 465, True)
    assert backend.password == Secret("hunter2")
    assert "hunter2" not in repr(mail.config)
    assert repr(backend) == "SMTPBackend(smtp.example.com:465, tls)"
    assert repr(SMTPBackend(starttls=True)) == "SMTPBackend(localhost:587, starttls)"
    assert repr(SMTPBackend()) == "SMTPBackend(localhost:25, starttls when offered)"
    assert repr(SMTPBackend(starttls=False, port=2525)) == "SMTPBackend(localhost:2525, plain)"


def test_a_backend_object_of_ones_own_is_used() -> None:
    """Mail(backend_object) sends through it."""
    backend = MemoryBackend()
    mail = Mail(backend, default_from="site@example.com")
    assert mail.backend is backend
    assert mail.mailer.default_from == "site@example.com"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"backend": "pigeon"}, "not one of smtp, console, file, memory"),
        ({"default_from": "noreply"}, "default_from"),
        ({"host": "smtp example.com"}, "host"),
        ({"port": 0}, "port must be 1 to 65535"),
        ({"port": 70000}, "port must be 1 to 65535"),
        ({"starttls": True, "use_tls": True}, "exclude each other"),
        ({"password": "x"}, "no username"),
        ({"username": ""}, "username is empty"),
        ({"timeout": 0}, "timeout must be"),
        ({"timeout": float("inf")}, "timeout must be"),
        ({"local_hostname": "my host"}, "local_hostname"),
        ({"ca_file": "/no/such/ca.pem"}, "ca_file"),
        ({"backend": "file"}, "needs file_path"),
        ({"base_url": "example.com"}, "base_url"),
        ({"base_url": "https://example.com/?next=1"}, "base_url"),
        ({"colour": "blue"}, "has no option colour"),
    ],
)
def test_bad_options_say_how_to_fix_them(options: dict[str, Any], message: str) -> None:
    """Each invalid option is an ImproperlyConfigured naming the option and the fix."""
    with pytest.raises(ImproperlyConfigured, match=message):
        Mail(**options)


def test_the_smtp_backend_refuses_both_kinds_of_tls() -> None:
    """SMTPBackend made in code checks starttls with use_tls too."""
    with pytest.raises(ImproperlyConfigured, match="exclude each other"):
        SMTPBackend(starttls=True, use_tls=True)


def test_a_non_backend_object_is_refused() -> None:
    """An object without send_messages is not a backend."""
    with pytest.raises(ImproperlyConfigured, match="not a mail backend"):
        Mail(object())  # type: ignore[arg-type]


def test_base_url_loses_its_trailing_slash() -> None:
    """https://example.com/ and https://example.com make the same links."""
    assert MailConfig(base_url="https://example.com/shop/").base_url == "https://example.com/shop"


def test_a_settings_block_configures_the_component(tmp_path: Path) -> None:
    """[schooner.mail] in schooner.toml fills the block; unknown keys are refused."""
    toml = tmp_path / "schooner.toml"
    toml.write_text(
        '[schooner.mail]\nbackend = "smtp"\nhost = "smtp.example.com"\nstarttls = true\n'
        'username = "app"\npassword = "hunter2"\ndefault_from = "Site <site@example.com>"\n'
    )
    settings = SiteSettings.load(toml_file=toml, env_file=None, environ={})
    config = Mail(config=settings.mail).config
    assert (config.backend, config.host, config.starttls) == ("smtp", "smtp.example.com", True)
    assert config.password == Secret("hunter2")
    toml.write_text('[schooner.mail]\nhots = "smtp.example.com"\n')
    with pytest.raises(ImproperlyConfigured, match="hots"):
        SiteSettings.load(toml_file=toml, env_file=None, environ={})


def test_from_env_reads_mail_variables() -> None:
    """MAIL_<FIELD> variables set the fields; an empty value unsets an optional one."""
    config = MailConfig.from_env(
        environ={
            "MAIL_BACKEND": "smtp",
            "MAIL_HOST": "smtp.example.com",
            "MAIL_PORT": "2525",
            "MAIL_STARTTLS": "",
            "MAIL_USE_TLS": "true",
            "MAIL_USERNAME": "app",
            "MAIL_PASSWORD": "hunter2",
            "MAIL_TIMEOUT": "2.5",
            "MAIL_DEFAULT_FROM": "Site <site@example.com>",
        }
    )
    assert (config.backend, config.host, config.port) == ("smtp", "smtp.example.com", 2525)
    assert (config.starttls, config.use_tls, config.timeout) == (None, True, 2.5)
    assert config.password == Secret("hunter2")
    assert config.default_from == "Site <site@example.com>"


def test_from_env_names_the_bad_variable() -> None:
    """A value of the wrong type is an error naming the variable to fix."""
    with pytest.raises(ImproperlyConfigured, match="MAIL_PORT"):
        MailConfig.from_env(environ={"MAIL_PORT": "smtp"})
    with pytest.raises(ImproperlyConfigured, match="MAIL_BACKEND"):
        MailConfig.from_env(environ={"MAIL_BACKEND": "pigeon"})


@pytest.mark.parametrize("backend", ["console", "memory"])
def test_production_refuses_backends_that_deliver_nothing(backend: str) -> None:
    """console and memory stop a production app at startup, with the fix in the message."""
    with pytest.raises(ImproperlyConfigured, match="MAIL_BACKEND=smtp"):
        App(settings=production(), components=[Mail(backend)])  # type: ignore[arg-type]


def test_production_allows_them_when_told_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    """allow_dev_backends=True lets them through with a loud warning."""
    with caplog.at_level(logging.WARNING, logger="schooner.mail"):
        App(settings=production(), components=[Mail("console", allow_dev_backends=True)])
    assert "no mail is delivered" in caplog.text


def test_production_warns_when_certificates_are_not_checked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """validate_certs=False in production is logged as a warning."""
    with caplog.at_level(logging.WARNING, logger="schooner.mail"):
        App(settings=production(), components=[Mail("smtp", validate_certs=False)])
    assert "certificate" in caplog.text


def test_production_accepts_smtp_file_and_custom_backends(tmp_path: Path) -> None:
    """Backends that deliver (or hand over) mail start in production."""
    App(settings=production(), components=[Mail("smtp")])
    App(settings=production(), components=[Mail("file", file_path=str(tmp_path))])
    App(settings=production(), components=[Mail(MemoryBackend())])


def test_development_accepts_the_console_backend() -> None:
    """The default backend needs no setting in development."""
    app = App(components=[Mail()])
    mail = app.component(Mail)
    assert mail is not None
    assert isinstance(mail.mailer, Mailer)
    assert isinstance(mail.backend, ConsoleBackend)

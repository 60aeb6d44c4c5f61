"""Typed settings: sources and precedence, conversion, production checks, masking."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec
import pytest

from schooner import App, Settings
from schooner.config import Secret
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

GOOD_KEY = "k" * 48


class AppSettings(Settings, frozen=True):
    """A subclass with fields of several types."""

    database_url: str = "sqlite:///app.db"
    api_token: str = ""
    page_size: Annotated[int, msgspec.Meta(ge=1)] = 20
    admins: list[str] = msgspec.field(default_factory=list)
    limits: dict[str, int] = msgspec.field(default_factory=dict)
    smtp_password: Secret = msgspec.field(default_factory=lambda: Secret(""))


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test reads files from its own empty folder."""
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    """Without any source, the defaults are development settings."""
    settings = Settings.load(environ={})
    assert settings.environment == "development"
    assert settings.debug is False
    assert not settings.secret_key
    assert settings.allowed_hosts == []
    assert (settings.max_body_size, settings.max_upload_size) == (1024 * 1024, 10 * 1024 * 1024)
    assert not settings.is_production


def test_precedence(tmp_path: Path) -> None:
    """TOML < [toml.env] < .env < environment < overrides."""
    (tmp_path / "schooner.toml").write_text(
        '[schooner]\npage_size = 2\napi_token = "toml"\ndatabase_url = "toml"\n'
        'admins = ["a"]\n[schooner.staging]\npage_size = 3\n'
    )
    (tmp_path / ".env").write_text("SCHOONER_PAGE_SIZE=4\nSCHOONER_API_TOKEN=dotenv\n")
    settings = AppSettings.load(
        environ={"SCHOONER_ENVIRONMENT": "staging", "SCHOONER_API_TOKEN": "env"},
        database_url="override",
    )
    assert settings.environment == "staging"
    assert settings.page_size == 4
    assert settings.api_token == "env"
    assert settings.database_url == "override"
    assert settings.admins == ["a"]


def test_environment_table_chosen_by_the_file_itself(tmp_path: Path) -> None:
    """Without SCHOONER_ENVIRONMENT, the file's own environment picks its table."""
    (tmp_path / "schooner.toml").write_text(
        '[schooner]\nenvironment = "test"\npage_size = 2\n[schooner.test]\npage_size = 9\n'
    )
    assert AppSettings.load(environ={}).page_size == 9


@pytest.mark.parametrize(
    ("variables", "field", "expected"),
    [
        ({"SCHOONER_DEBUG": "true"}, "debug", True),
        ({"SCHOONER_DEBUG": "0"}, "debug", False),
        ({"SCHOONER_PAGE_SIZE": "7"}, "page_size", 7),
        ({"SCHOONER_ADMINS": "a@x, b@x ,"}, "admins", ["a@x", "b@x"]),
        ({"SCHOONER_ADMINS": '["a@x"]'}, "admins", ["a@x"]),
        ({"SCHOONER_ADMINS": ""}, "admins", []),
        ({"SCHOONER_LIMITS": '{"a": 1}'}, "limits", {"a": 1}),
        ({"SCHOONER_ALLOWED_HOSTS": "x.com"}, "allowed_hosts", ["x.com"]),
    ],
)
def test_environment_values_are_converted(
    variables: dict[str, str], field: str, expected: object
) -> None:
    """Text from variables becomes the field's type; lists take commas or JSON."""
    assert getattr(AppSettings.load(environ=variables), field) == expected


def test_other_prefix_and_secret_from_env() -> None:
    """A custom prefix; Secret fields come out as Secret objects."""
    settings = AppSettings.load(
        env_prefix="SHOP_", environ={"SHOP_SMTP_PASSWORD": "pw", "SCHOONER_PAGE_SIZE": "3"}
    )
    assert isinstance(settings.smtp_password, Secret)
    assert settings.smtp_password.get_secret_value() == "pw"
    assert settings.page_size == 20


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"SCHOONER_PAGE_SIZE": "many"}, r"from SCHOONER_PAGE_SIZE\): Expected `int`"),
        ({"SCHOONER_PAGE_SIZE": "0"}, r"from SCHOONER_PAGE_SIZE\): Expected `int` >= 1"),
        ({"SCHOONER_ENVIRONMENT": "prod"}, r"from SCHOONER_ENVIRONMENT\): Invalid enum"),
        ({"SCHOONER_ADMINS": "[1"}, "Invalid JSON in setting value"),
    ],
)
def test_bad_values_name_their_source(variables: dict[str, str], message: str) -> None:
    """A value that does not convert is an ImproperlyConfigured naming the variable."""
    with pytest.raises(ImproperlyConfigured, match=message):
        AppSettings.load(environ=variables)


def test_bad_toml_value_names_the_file(tmp_path: Path) -> None:
    """Errors from the TOML file point at the file and key."""
    (tmp_path / "schooner.toml").write_text('[schooner]\npage_size = "x"\n')
    with pytest.raises(ImproperlyConfigured, match=r"schooner.toml \[schooner\] page_size"):
        AppSettings.load(environ={})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[schooner]\nnope = 1\n", "Unknown setting nope"),
        ("schooner = 3\n", r"\[schooner\] in schooner.toml must be a table"),
        ("[schooner\n", "is not valid TOML"),
    ],
)
def test_toml_errors(tmp_path: Path, content: str, message: str) -> None:
    """Unknown keys, a non-table section and invalid TOML are errors."""
    (tmp_path / "schooner.toml").write_text(content)
    with pytest.raises(ImproperlyConfigured, match=message):
        AppSettings.load(environ={})


def test_missing_section_and_skipped_files(tmp_path: Path) -> None:
    """A TOML file without the section, or files turned off, contribute nothing."""
    (tmp_path / "schooner.toml").write_text("[other]\npage_size = 3\n")
    (tmp_path / ".env").write_text("SCHOONER_PAGE_SIZE=5\n")
    assert AppSettings.load(environ={}, env_file=None).page_size == 20
    assert AppSettings.load(environ={}, toml_file=None).page_size == 5


def test_unknown_override() -> None:
    """A keyword override that is not a field is refused."""
    with pytest.raises(ImproperlyConfigured, match="has no setting colour"):
        AppSettings.load(environ={}, colour="red")


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("SCHOONER_API_TOKEN=plain", "plain"),
        ("export SCHOONER_API_TOKEN=exported", "exported"),
        ("SCHOONER_API_TOKEN = spaced ", "spaced"),
        ("SCHOONER_API_TOKEN=value # comment", "value"),
        ("SCHOONER_API_TOKEN=a#b", "a#b"),
        ("SCHOONER_API_TOKEN='single # kept'", "single # kept"),
        ('SCHOONER_API_TOKEN="line\\nbreak \\"q\\" \\\\"', 'line\nbreak "q" \\'),
        ("SCHOONER_API_TOKEN=", ""),
    ],
)
def test_env_file_syntax(tmp_path: Path, line: str, value: str) -> None:
    """Dotenv lines: export, spaces, comments, single and double quotes with escapes."""
    (tmp_path / ".env").write_text(f"# a comment\n\n{line}\n")
    assert AppSettings.load(environ={}).api_token == value


@pytest.mark.parametrize(
    ("content", "message"),
    [("not a pair\n", r"\.env, line 1: expected KEY=value"), ('A="open\n', "unterminated quote")],
)
def test_env_file_errors(tmp_path: Path, content: str, message: str) -> None:
    """A malformed .env line is reported with its line number."""
    (tmp_path / ".env").write_text(content)
    with pytest.raises(ImproperlyConfigured, match=message):
        AppSettings.load(environ={})


def test_secret() -> None:
    """Secret hides its value, compares in constant time and refuses non-strings."""
    secret = Secret("hunter2")
    assert repr(secret) == str(secret) == "Secret('**********')"
    assert repr(Secret("")) == "Secret('')"
    assert secret.get_secret_value() == "hunter2"
    assert secret == Secret("hunter2")
    assert secret != Secret("other")
    assert secret != "hunter2"
    assert hash(secret) == hash(Secret("hunter2"))
    assert secret
    assert not Secret("")
    with pytest.raises(TypeError, match="takes a str"):
        Secret(3)  # type: ignore[arg-type]  # wrong on purpose


def test_direct_construction_is_checked() -> None:
    """Settings(...) converts a str secret and validates environment and sizes."""
    assert isinstance(Settings(secret_key="x").secret_key, Secret)  # type: ignore[arg-type]  # str accepted
    with pytest.raises(ImproperlyConfigured, match="Unknown environment 'prod'"):
        Settings(environment="prod")  # type: ignore[arg-type]  # wrong on purpose
    with pytest.raises(ImproperlyConfigured, match="max_body_size must be zero or more"):
        Settings(max_body_size=-1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"debug": True, "secret_key": GOOD_KEY, "allowed_hosts": ["x"]}, "Debug mode is on"),
        ({"allowed_hosts": ["x"]}, "SCHOONER_SECRET_KEY"),
        ({"secret_key": "short", "allowed_hosts": ["x"]}, "at least 32 characters"),
        ({"secret_key": "changeme", "allowed_hosts": ["x"]}, "strong secret key"),
        ({"secret_key": GOOD_KEY}, "SCHOONER_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_unsafe_settings(options: dict[str, object], message: str) -> None:
    """Production needs debug off, a strong secret key and allowed hosts."""
    settings = Settings.load(environ={}, environment="production", **options)
    with pytest.raises(ImproperlyConfigured, match=message):
        settings.check()


def test_safe_production_and_development_pass() -> None:
    """A complete production configuration passes; development is never refused."""
    Settings.load(
        environ={}, environment="production", secret_key=GOOD_KEY, allowed_hosts=["x.com"]
    ).check()
    Settings.load(environ={}, debug=True).check()


def test_masked() -> None:
    """masked() hides secrets, secret-looking names and URL passwords."""
    settings = AppSettings.load(
        environ={},
        secret_key=GOOD_KEY,
        api_token="t0k3n",
        database_url="postgresql://shop:pw@db:5432/shop",
        smtp_password=Secret("x"),
    )
    masked = settings.masked()
    assert masked["secret_key"] == "**********"
    assert masked["api_token"] == "**********"
    assert masked["smtp_password"] == "**********"
    assert masked["database_url"] == "postgresql://shop:**********@db:5432/shop"
    assert masked["page_size"] == 20
    plain = AppSettings.load(environ={}, database_url="postgresql://db/shop").masked()
    assert plain["database_url"] == "postgresql://db/shop"
    assert plain["api_token"] == ""
    assert plain["secret_key"] == ""
    odd = AppSettings.load(environ={}, database_url="http://[broken@x").masked()
    assert odd["database_url"] == "http://[broken@x"


def test_settings_are_injected_by_type() -> None:
    """Handlers receive the app's settings by annotating Settings or the subclass."""
    settings = AppSettings.load(environ={}, page_size=5)
    app = App(settings=settings)

    @app.get("/")
    async def index(mine: AppSettings, base: Settings) -> dict[str, int]:
        assert mine is base
        return {"page_size": mine.page_size}

    with TestClient(app) as client:
        assert client.get("/").json() == {"page_size": 5}

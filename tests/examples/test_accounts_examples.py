"""The examples of docs/accounts.md and docs/coming-from-django-auth.md behave as the pages say.

Covers accounts_app.py, accounts_settings.py, accounts_permissions.py,
accounts_user_model.py (in a process of its own: its model adds a column to auth_user) and
accounts_django_import.py, accounts_cli.txt (the help the page shows), accounts_tokens.py
(JWTs, API tokens, key rotation, the purge command) and accounts_mfa.py (an authenticator
app as the second factor).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import click
import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from schooner import App, Settings
from schooner.contrib.auth import Auth, Identity, User
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.mail import Mail
from schooner.contrib.mail.testing import outbox, use_memory_backend
from schooner.contrib.orm import Database, Model
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates
from schooner.testing import AsyncTestClient, TestClient

T = TypeVar("T")

DOCS = Path(__file__).resolve().parents[2] / "examples" / "docs"
PASSWORD = "correct horse battery staple"
EXAMPLES = [
    "accounts_app",
    "accounts_settings",
    "accounts_permissions",
    "accounts_django_import",
    "accounts_tokens",
    "accounts_mfa",
]


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    """Import the examples once (their models join Model.metadata), on a fresh SQLite file
    with every table."""
    folder = tmp_path_factory.mktemp("accounts_examples")
    patch = pytest.MonkeyPatch()
    patch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{folder / 'app.db'}")
    patch.syspath_prepend(str(DOCS))
    try:
        modules = {name: importlib.import_module(name) for name in EXAMPLES}
        database = Database(f"sqlite+aiosqlite:///{folder / 'app.db'}")
        asyncio.run(_create_tables(database))
        yield modules
    finally:
        patch.undo()


async def _create_tables(database: Database) -> None:
    async with database.running():
        await database.create_all()


def auth_of(app: App) -> Auth:
    """The app's Auth component."""
    auth = app.component(Auth)
    assert auth is not None
    return auth


def run(app: App, coroutine: Awaitable[T]) -> T:
    """Await ``coroutine`` with the app's database started (outside a running app)."""

    async def main() -> T:
        async with auth_of(app).database.running():
            return await coroutine

    return asyncio.run(main())


async def add_user(app: App, email: str, **fields: Any) -> User:
    """Store a verified account with PASSWORD."""
    auth = auth_of(app)
    user = User(email=email, email_verified=True, **fields)
    user.password = await auth.hasher.hash(PASSWORD)
    async with auth.database.transaction() as db:
        db.add(user)
    return user


async def test_register_verify_sign_in(examples: dict[str, ModuleType]) -> None:
    """accounts_app.py: the overridden mail, the current user, the guards, the audit trail."""
    app = examples["accounts_app"].app
    use_memory_backend(app)
    async with AsyncTestClient(app) as client:
        as_browser(client)
        assert (await client.get("/")).json() == {"greeting": "Hello, stranger"}
        assert (await client.get("/me")).status_code == 401
        registered = await client.post(
            "/api/auth/register", json={"email": "ada@shop.example", "password": PASSWORD}
        )
        assert registered.status_code == 202
        await auth_of(app).drain_mail()
        (mail,) = outbox(app)
        assert mail.subject == "Welcome aboard: confirm your address"
        assert mail.text is not None
        assert "Thanks for joining the Shop." in mail.text
        link = next(line for line in mail.text.splitlines() if "/verify-email/" in line)
        assert link.startswith("https://shop.example/accounts/verify-email/")
        token = link.rsplit("/", 1)[1]
        verified = await client.post("/api/auth/verify-email", json={"token": token})
        assert verified.status_code == 200
        credentials = {"email": "ada@shop.example", "password": PASSWORD}
        assert (await client.post("/api/auth/login", json=credentials)).status_code == 200
        assert (await client.get("/me")).json() == {"email": "ada@shop.example", "staff": False}
        assert (await client.get("/")).json() == {"greeting": "Hello, ada@shop.example"}
        assert (await client.post("/me/sign-out-everywhere")).status_code == 200

        user_id = (await client.get("/api/auth/me")).json()["id"]
        assert (await client.get(f"/staff/users/{user_id}/events")).status_code == 403
        async with auth_of(app).database.transaction() as db:
            stored = await db.get(User, user_id)
            assert stored is not None
            stored.is_staff = True
        events = (await client.get(f"/staff/users/{user_id}/events")).json()
        assert [e["kind"] for e in events] == [
            "signed_out_everywhere",
            "login",
            "email_verified",
            "registered",
        ]


def test_settings_block(examples: dict[str, ModuleType]) -> None:
    """accounts_settings.py: the [schooner.auth] block configures the component."""
    app = examples["accounts_settings"].create_app(env_file=None, environ={})
    auth = auth_of(app)
    assert auth.config.pages is False
    assert auth.config.api_prefix == "/api/accounts"
    assert auth.config.permissions == (("reports", "export", "Can export reports"),)
    assert auth.absolute_url("verify_email", token="t") == (
        "https://app.shop.example/account/verify-email/t"
    )
    assert "/api/accounts/login" in {route.path for route in _built(app).route_table}


def _built(app: App) -> App:
    app.build()
    return app


def users_group(app: App) -> click.Command:
    """The app's ``schooner users`` group."""
    (group,) = [command for command in app.commands if command.name == "users"]
    return group


def test_permissions_rules_and_grants(examples: dict[str, ModuleType]) -> None:
    """accounts_permissions.py: sync, grant through a group, the guard and the object rule."""
    module = examples["accounts_permissions"]
    app = module.create_app()
    synced = CliRunner().invoke(users_group(app), ["sync-permissions"])
    assert synced.exit_code == 0, synced.output
    assert synced.output.startswith("Added ")

    async def arrange() -> tuple[int, User]:
        editor = await add_user(app, "editor@news.example")
        author = await add_user(app, "author@news.example")
        await add_user(app, "reader@news.example")
        async with auth_of(app).database.transaction() as db:
            await module.make_editor(db, editor)
            article = module.Article(title="Draft", author_id=author.id)
            db.add(article)
            await db.flush()
            return article.id, editor

    article, editor = run(app, arrange())
    granted = run(app, auth_of(app).permissions_of(Identity(user=editor)))
    assert granted == {"news.publish_article", "news.change_article", "reports.export"}

    def as_(email: str) -> TestClient:
        client = TestClient(app)
        client.__enter__()
        as_browser(client)
        login = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        return client

    editor_client = as_("editor@news.example")
    author_client = as_("author@news.example")
    reader_client = as_("reader@news.example")
    try:
        assert author_client.post(f"/articles/{article}/publish").status_code == 403
        assert editor_client.post(f"/articles/{article}/publish").json() == {"published": True}
        rename = f"/articles/{article}"
        assert author_client.put(rename, json={"title": "Mine"}).json() == {"title": "Mine"}
        assert editor_client.put(rename, json={"title": "Ours"}).json() == {"title": "Ours"}
        refused = reader_client.put(rename, json={"title": "Theirs"})
        assert refused.status_code == 403
        assert refused.json()["detail"] == "Only editors and the author may change this article."
    finally:
        for client in (reader_client, author_client, editor_client):
            client.__exit__(None, None, None)


def test_cli_help_shown_on_the_page(examples: dict[str, ModuleType]) -> None:
    """accounts_cli.txt is what `schooner users --help` prints."""
    app = examples["accounts_app"].app
    result = CliRunner().invoke(users_group(app), ["--help"], prog_name="schooner users")
    assert result.exit_code == 0
    assert result.output == (DOCS / "accounts_cli.txt").read_text()


USER_MODEL_CHECK = """
import asyncio, sys
sys.path.insert(0, {docs!r})
import accounts_user_model as example
from schooner.contrib.auth import Auth
from schooner.contrib.csrf.testing import as_browser
from schooner.testing import TestClient

app = example.create_app()
auth = app.component(Auth)
assert auth.user_model is example.Member

async def arrange():
    async with auth.database.running():
        await auth.database.create_all()
        member = example.Member(email="ada@shop.example", email_verified=True)
        member.display_name = "Ada"
        member.password = await auth.hasher.hash({password!r})
        async with auth.database.transaction() as db:
            db.add(member)

asyncio.run(arrange())
with TestClient(app) as client:
    as_browser(client)
    login = client.post(
        "/api/auth/login", json={{"email": "ada@shop.example", "password": {password!r}}}
    )
    assert login.status_code == 200, login.text
    print(client.get("/me").json())
"""


def test_your_own_user_model(tmp_path: Path) -> None:
    """accounts_user_model.py (in its own process): a Member is the signed-in user."""
    script = USER_MODEL_CHECK.format(docs=str(DOCS), password=PASSWORD)
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(script)],
        env={"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'members.db'}", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'email': 'ada@shop.example', 'name': 'Ada'}"


# -- coming from Django -----------------------------------------------------------------------

DJANGO_SCHEMA = """
CREATE TABLE django_content_type (id INTEGER PRIMARY KEY, app_label TEXT, model TEXT);
CREATE TABLE auth_permission (
    id INTEGER PRIMARY KEY, content_type_id INTEGER, codename TEXT, name TEXT);
CREATE TABLE auth_group (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE auth_group_permissions (id INTEGER PRIMARY KEY, group_id INTEGER,
    permission_id INTEGER);
CREATE TABLE auth_user (
    id INTEGER PRIMARY KEY, password TEXT, last_login DATETIME, is_superuser BOOL,
    username TEXT UNIQUE, last_name TEXT, email TEXT, is_staff BOOL, is_active BOOL,
    date_joined DATETIME, first_name TEXT);
CREATE TABLE auth_user_groups (id INTEGER PRIMARY KEY, user_id INTEGER, group_id INTEGER);
CREATE TABLE auth_user_user_permissions (id INTEGER PRIMARY KEY, user_id INTEGER,
    permission_id INTEGER);
"""


def django_hash(password: str, salt: str = "seasalt", iterations: int = 1000) -> str:
    """What Django's PBKDF2PasswordHasher stores."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def django_database(path: Path) -> str:
    """A Django project's SQLite database: four users, a group, two permissions."""
    with sqlite3.connect(path) as db:
        db.executescript(DJANGO_SCHEMA)
        db.execute("INSERT INTO django_content_type VALUES (7, 'blog', 'post')")
        db.executemany(
            "INSERT INTO auth_permission VALUES (?, 7, ?, ?)",
            [(21, "change_post", "Can change post"), (22, "publish_post", "Can publish")],
        )
        db.execute("INSERT INTO auth_group VALUES (3, 'editors')")
        db.execute("INSERT INTO auth_group_permissions VALUES (1, 3, 21)")
        users = [
            (1, django_hash(PASSWORD), None, 1, "ada", "ada@example.com", 1, 1),
            (2, django_hash("another pass phrase"), "2024-05-01 10:00:00", 0, "bob",
             "Bob@Example.com", 0, 1),
            (3, "!unusable", None, 0, "carol", "", 0, 1),
            (4, django_hash(PASSWORD), None, 0, "bob2", "bob@example.com", 0, 1),
        ]  # fmt: skip
        db.executemany(
            "INSERT INTO auth_user (id, password, last_login, is_superuser, username, email, "
            "is_staff, is_active, date_joined, first_name, last_name) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2020-01-01 00:00:00', '', '')",
            users,
        )
        db.execute("INSERT INTO auth_user_groups VALUES (1, 2, 3)")
        db.execute("INSERT INTO auth_user_user_permissions VALUES (1, 1, 22)")
    return f"sqlite+aiosqlite:///{path}"


def test_import_a_django_user_table(examples: dict[str, ModuleType], tmp_path: Path) -> None:
    """accounts_django_import.py: users keep their ids and passwords, which upgrade on sign-in."""
    module = examples["accounts_django_import"]
    target = Database(f"sqlite+aiosqlite:///{tmp_path / 'schooner.db'}", metadata=Model.metadata)
    asyncio.run(_create_tables(target))
    django = Database(django_database(tmp_path / "django.db"))
    report = asyncio.run(module.import_django_users(django, target))
    assert (report.users, report.groups) == (2, 1)
    assert report.skipped == [
        "id 3 (carol): no e-mail address",
        "id 4 (bob2): bob@example.com is another account's too",
    ]

    app = App(
        settings=Settings(secret_key="x" * 40),
        components=[
            Database(str(target.url)),
            Sessions(),
            Templates(DOCS / "accounts_templates"),
            Mail("console", default_from="Shop <noreply@shop.example>"),
            Auth(pages=False),  # signs in through the JSON API only
        ],
    )
    with TestClient(app) as client:
        as_browser(client)
        login = client.post(
            "/api/auth/login", json={"email": "ADA@example.com", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        assert login.json()["user"]["id"] == 1

    async def check() -> tuple[str, bool, frozenset[str], frozenset[str]]:
        auth = auth_of(app)
        async with auth.database.transaction() as db:
            ada = await db.scalar(select(User).where(User.id == 1))
            bob = await db.scalar(select(User).where(User.id == 2))
        assert ada is not None
        assert bob is not None
        return (
            ada.password,
            bob.last_login is not None,
            await auth.permissions_of(Identity(user=ada)),
            await auth.permissions_of(Identity(user=bob)),
        )

    password, bob_logged_in_before, ada_may, bob_may = run(app, check())
    assert password.startswith("$argon2id$"), "upgraded at the first sign-in"
    assert bob_logged_in_before
    assert ada_may == {"blog.publish_post"}
    assert bob_may == {"blog.change_post"}


# -- tokens for API clients -------------------------------------------------------------------


def signed_in_client(app: App, email: str) -> TestClient:
    """A started test client whose session is signed in as ``email`` (close it after)."""
    client = TestClient(app)
    client.__enter__()
    as_browser(client)
    login = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return client


def test_client_obtains_calls_and_refreshes(examples: dict[str, ModuleType]) -> None:
    """accounts_tokens.py: ShopClient signs in, calls with its scope, refreshes, signs out."""
    module = examples["accounts_tokens"]
    app = module.app
    run(app, add_user(app, "api@shop.example"))
    with TestClient(app) as http:
        shop = module.ShopClient(http)
        shop.sign_in("api@shop.example", PASSWORD, scope="orders:read")
        assert shop.pair["token_type"] == "Token"
        assert shop.pair["expires_in"] == 900
        assert shop.get("/orders").json() == {"customer": "api@shop.example", "orders": []}
        bearer = {"Authorization": f"Bearer {shop.pair['access_token']}"}
        assert http.get("/orders", headers=bearer).status_code == 401, "the scheme is Token"
        write = http.post("/orders", headers=shop._authorization())
        assert write.status_code == 403
        assert 'error="insufficient_scope"' in write.headers["www-authenticate"]

        first_refresh = shop.pair["refresh_token"]
        shop.pair["access_token"] = "expired." + shop.pair["access_token"].split(".", 1)[1]
        assert shop.get("/orders").status_code == 200, "a 401 refreshes and retries"
        assert shop.pair["refresh_token"] != first_refresh
        reused = http.post("/api/auth/token/refresh", json={"refresh_token": first_refresh})
        assert reused.status_code == 401
        with pytest.raises(httpx.HTTPStatusError):
            shop.refresh()  # reuse revoked the whole family, the new token too

        shop.sign_in("api@shop.example", PASSWORD)
        assert http.post("/orders", headers=shop._authorization()).json()["status"] == "placed"
        kept = shop.pair["refresh_token"]
        shop.sign_out()
        gone = http.post("/api/auth/token/refresh", json={"refresh_token": kept})
        assert gone.status_code == 401


def test_personal_api_token(examples: dict[str, ModuleType]) -> None:
    """A token made from a session is shown once, carries its scopes, and is revoked."""
    app = examples["accounts_tokens"].app
    run(app, add_user(app, "owner@shop.example"))
    browser = signed_in_client(app, "owner@shop.example")
    try:
        made = browser.post(
            "/api/auth/tokens",
            json={"name": "nightly export", "scopes": ["orders:read"], "expires_in_days": 90},
        )
        assert made.status_code == 201, made.text
        info = made.json()
        token = info["token"]
        assert token.startswith("sch_")
        assert len(token) == len("sch_") + 12 + 43
        assert info["prefix"] == token[:16]
        assert info["scopes"] == ["orders:read"]
        assert info["expires_at"] is not None
        assert info["last_used_at"] is None
        with TestClient(app) as script:
            headers = {"Authorization": f"Token {token}"}
            assert script.get("/orders", headers=headers).status_code == 200
            assert script.post("/orders", headers=headers).status_code == 403
            (listed,) = browser.get("/api/auth/tokens").json()
            assert "token" not in listed
            assert listed["last_used_at"] is not None
            assert browser.delete(f"/api/auth/tokens/{info['id']}").status_code == 204
            assert script.get("/orders", headers=headers).status_code == 401
    finally:
        browser.__exit__(None, None, None)


def _write_ec_key(path: Path, *, public_only: bool = False) -> Any:
    """A new P-256 key in PEM at ``path``; the private key object."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    if public_only:
        pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    else:
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    path.write_bytes(pem)
    return key


def test_es256_keys_rotate_by_kid(examples: dict[str, ModuleType], tmp_path: Path) -> None:
    """es256_config(): the newest kid signs; an old kid verifies until it is removed."""
    import jwt as pyjwt
    from cryptography.hazmat.primitives import serialization

    module = examples["accounts_tokens"]
    credentials = {"email": "keys@shop.example", "password": PASSWORD}

    def obtain(app: App) -> str:
        with TestClient(app) as client:
            answer = client.post("/api/auth/token", json=credentials)
            assert answer.status_code == 200, answer.text
            access: str = answer.json()["access_token"]
            return access

    def status(app: App, access: str) -> int:
        with TestClient(app) as client:
            return client.get("/orders", headers={"Authorization": f"Bearer {access}"}).status_code

    old_key = _write_ec_key(tmp_path / "2025-01.pem")
    first = module.create_app(module.es256_config(tmp_path))
    run(first, add_user(first, "keys@shop.example"))
    old_token = obtain(first)
    assert pyjwt.get_unverified_header(old_token) == {
        "alg": "ES256",
        "kid": "2025-01",
        "typ": "JWT",
    }
    assert pyjwt.decode(old_token, options={"verify_signature": False})["iss"] == (
        "https://shop.example"
    )

    _write_ec_key(tmp_path / "2025-07.pem")
    (tmp_path / "2025-01.pem").write_bytes(  # the old key now only verifies
        old_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    rotated = module.create_app(module.es256_config(tmp_path))
    assert status(rotated, old_token) == 200
    assert pyjwt.get_unverified_header(obtain(rotated))["kid"] == "2025-07"

    (tmp_path / "2025-01.pem").unlink()
    retired = module.create_app(module.es256_config(tmp_path))
    assert status(retired, old_token) == 401


def test_purge_tokens_command(examples: dict[str, ModuleType]) -> None:
    """`schooner purge-tokens` deletes expired refresh tokens and says how many."""
    from schooner.contrib.auth import RefreshToken

    app = examples["accounts_tokens"].app
    run(app, add_user(app, "purge@shop.example"))
    with TestClient(app) as client:
        obtained = client.post(
            "/api/auth/token", json={"email": "purge@shop.example", "password": PASSWORD}
        )
        assert obtained.status_code == 200

    async def expire_all() -> None:
        async with auth_of(app).database.transaction() as db:
            await db.execute(update(RefreshToken).values(expires_at=RefreshToken.issued_at))

    async def left() -> int:
        async with auth_of(app).database.transaction() as db:
            return len((await db.scalars(select(RefreshToken))).all())

    run(app, expire_all())
    before = run(app, left())
    assert before >= 1
    command = next(c for c in app.commands if c.name == "purge-tokens")
    result = CliRunner().invoke(command, [])
    assert result.exit_code == 0, result.output
    assert result.output == f"{before} expired refresh tokens deleted\n"
    assert run(app, left()) == 0


# -- two-factor sign-in -----------------------------------------------------------------------


def test_authenticator_app_then_sign_in(examples: dict[str, ModuleType]) -> None:
    """accounts_mfa.py: enrol an app, then sign in with its code or a recovery code, once."""
    import pyotp

    module = examples["accounts_mfa"]
    app = module.app
    run(app, add_user(app, "two@shop.example"))
    secrets: list[str] = []

    def read_code(setup: dict[str, str]) -> str:
        assert setup["qr_svg"].startswith("<svg")
        assert setup["uri"].startswith("otpauth://totp/Shop:")
        secrets.append(setup["secret"])
        return pyotp.TOTP(setup["secret"]).now()

    with TestClient(app) as http:
        as_browser(http)
        first = module.sign_in(http, "two@shop.example", PASSWORD, ask_code=lambda: "unused")
        assert first["user"]["email"] == "two@shop.example"
        codes = module.add_authenticator_app(http, read_code)
        assert len(codes) == 10
        assert http.post("/api/auth/logout").status_code == 204

        (secret,) = secrets
        same_step = pyotp.TOTP(secret).now()  # used by the confirmation: refused (replay)
        refused = http.post(
            "/api/auth/login", json={"email": "two@shop.example", "password": PASSWORD}
        )
        assert refused.json() == {
            "user": None,
            "mfa_required": True,
            "mfa_methods": ["totp"],
        }
        replay = http.post("/api/auth/mfa/totp", json={"code": same_step})
        assert replay.status_code == 400
        assert replay.json()["code"] == "invalid_code"

        next_step = pyotp.TOTP(secret).at(time.time() + 30)
        done = module.sign_in(http, "two@shop.example", PASSWORD, ask_code=lambda: next_step)
        assert done["user"]["email"] == "two@shop.example"
        assert http.get("/api/auth/me").status_code == 200
        assert http.post("/api/auth/logout").status_code == 204

        again = module.sign_in(http, "two@shop.example", PASSWORD, ask_code=lambda: codes[0])
        assert again["user"]["email"] == "two@shop.example"
        assert http.post("/api/auth/logout").status_code == 204
        with pytest.raises(httpx.HTTPStatusError):
            module.sign_in(http, "two@shop.example", PASSWORD, ask_code=lambda: codes[0])


def test_tokens_do_not_manage_factors(examples: dict[str, ModuleType]) -> None:
    """An API token cannot add a factor, and the token endpoint refuses enrolled accounts."""
    import pyotp

    app = examples["accounts_mfa"].app
    run(app, add_user(app, "guarded@shop.example"))
    browser = signed_in_client(app, "guarded@shop.example")
    try:
        token = browser.post("/api/auth/tokens", json={"name": "script"}).json()["token"]
        with TestClient(app) as script:
            headers = {"Authorization": f"Bearer {token}"}
            assert script.get("/api/auth/me", headers=headers).status_code == 200
            setup = script.post("/api/auth/mfa/totp/setup", headers=headers)
            assert setup.status_code == 403
            assert script.get("/api/auth/passkeys", headers=headers).status_code == 403

            examples["accounts_mfa"].add_authenticator_app(
                browser, lambda setup: pyotp.TOTP(setup["secret"]).now()
            )
            credentials = {"email": "guarded@shop.example", "password": PASSWORD}
            refused = script.post("/api/auth/token", json=credentials)
            assert refused.status_code == 403
            assert refused.json()["code"] == "mfa_required"
    finally:
        browser.__exit__(None, None, None)

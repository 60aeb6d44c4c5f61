"""Model permissions: labels, declared permissions, sync_permissions, grant and groups."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest
from sqlalchemy import MetaData, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from schooner import App
from schooner.contrib.auth import (
    ApiToken,
    Auth,
    AuthConfig,
    AuthEvent,
    Group,
    Identity,
    Permission,
    RecoveryCode,
    RefreshToken,
    TotpDevice,
    User,
    WebAuthnCredential,
    add_to_group,
    app_label,
    grant,
    model_permissions,
    sync_permissions,
)
from schooner.contrib.orm import NAMING_CONVENTION, Database, IntPK, Model
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient

from .conftest import AppFactory, make_user

# Models of a blog, on a metadata of their own: they are mapped (in Model's registry) but
# their tables are not created in the test databases.
BLOG = MetaData(naming_convention=NAMING_CONVENTION)


class BlogModel(Model):
    """The blog's abstract base, on its own metadata."""

    __abstract__ = True
    metadata = BLOG


class BlogPost(IntPK, BlogModel):
    """A model whose label comes from its module (set below, as if in examples/blog)."""

    __tablename__ = "perm_blog_posts"
    __permissions__: ClassVar[list[tuple[str, str]]] = [("publish_post", "Can publish posts")]

    title: Mapped[str] = mapped_column(String(100))


# After the class is built (its annotations resolve in this module).
BlogPost.__module__ = "examples.blog.models"


class Remark(IntPK, BlogModel):
    """A model with an explicit label."""

    __app_label__ = "talk"
    __tablename__ = "perm_comments"

    text: Mapped[str] = mapped_column(String(100))


def module(name: str, **attributes: Any) -> type:
    """A plain class as if defined in the module ``name``."""
    return type("Thing", (), {"__module__": name, **attributes})


@pytest.mark.parametrize(
    ("module_name", "label"),
    [
        ("blog.models", "blog"),
        ("examples.blog.models", "blog"),
        ("shop.models.orders", "shop"),
        ("schooner.contrib.auth._models", "auth"),
        ("blog.views", "views"),
        ("app", "app"),
        ("models", "models"),
    ],
)
def test_labels_come_from_the_models_package(module_name: str, label: str) -> None:
    """The label is the package holding the models module, else the module's own name."""
    assert app_label(module(module_name)) == label


def test_app_label_wins_and_is_checked() -> None:
    """__app_label__ overrides the module; a bad one, or a module that gives none, is refused."""
    assert app_label(module("blog.models", __app_label__="news")) == "news"
    with pytest.raises(ImproperlyConfigured, match=r"__app_label__ = 'my\.blog'"):
        app_label(module("blog.models", __app_label__="my.blog"))
    with pytest.raises(ImproperlyConfigured, match="set __app_label__"):
        app_label(module("__main__"))


def test_the_batterys_models_are_labelled_auth() -> None:
    """User, Group, Permission and AuthEvent get the label auth."""
    found = {(label, code) for label, code, _ in model_permissions([User, Group, Permission])}
    assert ("auth", "view_user") in found
    assert ("auth", "change_group") in found
    assert ("auth", "delete_permission") in found


@pytest.mark.parametrize(
    "model", [AuthEvent, ApiToken, RefreshToken, TotpDevice, RecoveryCode, WebAuthnCredential]
)
def test_every_model_of_the_battery_is_labelled_auth(model: type[Model]) -> None:
    """The token and second-factor models are labelled auth too, wherever they are defined."""
    assert app_label(model) == "auth"


def test_model_permissions_of_a_metadata() -> None:
    """Four permissions per model, in order, then its own; names split the class name."""
    assert model_permissions(BLOG) == [
        ("blog", "view_blogpost", "Can view blog post"),
        ("blog", "add_blogpost", "Can add blog post"),
        ("blog", "change_blogpost", "Can change blog post"),
        ("blog", "delete_blogpost", "Can delete blog post"),
        ("blog", "publish_post", "Can publish posts"),
        ("talk", "view_remark", "Can view remark"),
        ("talk", "add_remark", "Can add remark"),
        ("talk", "change_remark", "Can change remark"),
        ("talk", "delete_remark", "Can delete remark"),
    ]
    assert model_permissions([Remark]) == model_permissions(BLOG)[5:]


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ("moderate", "a list of"),
        ([("moderate",)], r"not a \(codename, name\) pair"),
        ([("moderate comments", "Can moderate")], "codename 'moderate comments'"),
        ([("moderate", "")], "needs a name"),
        ([("moderate", "x" * 256)], "needs a name"),
        ([("view_remark", "Can read comments")], "declared twice with different names"),
    ],
)
def test_bad_model_permissions_are_refused(
    declared: Any, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A malformed __permissions__ fails with a message naming the model."""
    monkeypatch.setattr(Remark, "__permissions__", declared, raising=False)
    with pytest.raises(ImproperlyConfigured, match=message) as failure:
        model_permissions([Remark])
    assert "Remark" in str(failure.value)


def test_model_permissions_wants_models() -> None:
    """A class that is not a mapped model is refused."""
    with pytest.raises(ImproperlyConfigured, match="not a mapped model"):
        model_permissions([module("blog.models")])


@pytest.mark.parametrize(
    ("permissions", "message"),
    [
        ("blog.publish_post", "list of"),
        ([("blog", "publish_post")], r"not a \(label, codename, name\) triple"),
        ([("my.blog", "publish_post", "Can publish")], "label 'my.blog'"),
        ([("blog", "publish_post", "Can publish"), ("blog", "publish_post", "Again")], "twice"),
    ],
)
def test_auth_permissions_option_is_checked(permissions: Any, message: str) -> None:
    """Auth(permissions=...) takes (label, codename, name) triples, each key once."""
    with pytest.raises(ImproperlyConfigured, match=message):
        AuthConfig(permissions=permissions)


def test_permissions_from_a_settings_block() -> None:
    """A TOML-style block gives lists, which become the same triples."""
    config = msgspec.convert(
        {"permissions": [["reports", "export", "Can export reports"]]}, AuthConfig
    )
    assert config.permissions == (("reports", "export", "Can export reports"),)


async def stored(auth: Auth) -> dict[str, str]:
    """Every stored permission: key -> name."""
    async with auth.database.transaction() as db:
        rows = (await db.scalars(select(Permission))).all()
    return {p.key: p.name for p in rows}


def auth_of(app: App) -> Auth:
    """The app's Auth component."""
    auth = app.component(Auth)
    assert auth is not None
    return auth


@pytest.fixture
def app(make_auth_app: AppFactory, tmp_path: Path) -> App:
    """An account app with a permission of its own and the blog's database."""
    blog = Database(f"sqlite+aiosqlite:///{tmp_path / 'blog.db'}", name="blog", metadata=BLOG)
    return make_auth_app(blog, permissions=[("reports", "export", "Can export reports")])


async def test_sync_stores_every_declared_permission_once(
    app: App, async_client: AsyncTestClient
) -> None:
    """Models of every database and Auth(permissions=...) are stored; a rerun adds nothing."""
    auth = auth_of(app)
    added = await sync_permissions(auth.database, auth)
    found = await stored(auth)
    assert added == len(found)
    assert found["auth.view_user"] == "Can view user"
    assert found["auth.change_authevent"] == "Can change auth event"
    assert found["blog.publish_post"] == "Can publish posts"
    assert found["talk.delete_remark"] == "Can delete remark"
    assert found["reports.export"] == "Can export reports"
    assert await sync_permissions(auth.database, auth) == 0
    assert await stored(auth) == found


async def test_sync_never_deletes_nor_renames(app: App, async_client: AsyncTestClient) -> None:
    """A permission no longer declared stays, and a renamed one keeps its stored name."""
    auth = auth_of(app)
    async with auth.database.transaction() as db:
        db.add(Permission(label="old", codename="gone", name="Can do what is gone"))
        db.add(Permission(label="auth", codename="view_user", name="Renamed by hand"))
    await sync_permissions(auth.database, auth)
    found = await stored(auth)
    assert found["old.gone"] == "Can do what is gone"
    assert found["auth.view_user"] == "Renamed by hand"


async def test_two_syncs_at_once(make_auth_app: AppFactory) -> None:
    """Two transactions syncing together (two deploys) both succeed and store each row once."""
    app = make_auth_app(isolated=False)
    auth = auth_of(app)

    async with AsyncTestClient(app):
        first, second = await asyncio.gather(
            sync_permissions(auth.database, auth), sync_permissions(auth.database, auth)
        )
        async with auth.database.transaction() as db:
            count = await db.scalar(select(func.count()).select_from(Permission))
    assert first + second == count, (first, second)
    assert count is not None
    assert count >= 16  # the battery's four models


async def test_grant_to_a_user_and_through_a_group(app: App, async_client: AsyncTestClient) -> None:
    """grant gives a user or a group permissions; add_to_group creates the group once."""
    auth = auth_of(app)
    ada = await make_user(app)
    bob = await make_user(app, "bob@example.com")
    await sync_permissions(auth.database, auth)
    async with auth.database.transaction() as db:
        await grant(db, ada, "blog.publish_post", "reports.export")
        await grant(db, ada, "blog.publish_post")  # twice: no change
        editors = await add_to_group(db, bob, "editors")
        assert await add_to_group(db, bob, "editors") is editors
        await grant(db, editors, "blog.change_blogpost")
    async with auth.database.transaction() as db:
        groups = (await db.scalars(select(Group))).all()
    assert [g.name for g in groups] == ["editors"]
    assert await auth.permissions_of(Identity(user=ada)) == {"blog.publish_post", "reports.export"}
    assert await auth.has_perm(Identity(user=bob), "blog.change_blogpost")
    assert not await auth.has_perm(Identity(user=bob), "blog.publish_post")


async def test_grant_refuses_unknown_permissions(app: App, async_client: AsyncTestClient) -> None:
    """An unknown or malformed name fails and points at sync-permissions; nothing is given."""
    auth = auth_of(app)
    ada = await make_user(app)
    await sync_permissions(auth.database, auth)
    async with auth.database.transaction() as db:
        with pytest.raises(ImproperlyConfigured, match="sync-permissions"):
            await grant(db, ada, "reports.export", "blog.fly")
        with pytest.raises(ImproperlyConfigured, match=r"label\.codename"):
            await grant(db, ada, "export")
    assert await auth.permissions_of(Identity(user=ada)) == frozenset()


async def test_add_to_group_checks_the_name(app: App, async_client: AsyncTestClient) -> None:
    """A group name is 1 to 150 characters."""
    auth = auth_of(app)
    ada = await make_user(app)
    async with auth.database.transaction() as db:
        with pytest.raises(ValueError, match="group name"):
            await add_to_group(db, ada, " ")

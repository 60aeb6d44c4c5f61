"""Route requirements: login, staff, permissions, object rules, redirects and OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest

from schooner import App, Router
from schooner.contrib.auth import (
    Auth,
    CurrentUser,
    Group,
    Identity,
    OptionalUser,
    Permission,
    User,
    login_required,
    permission_required,
    scope_required,
    staff_required,
)
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.templates import TemplateResponse
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient

from .conftest import PASSWORD, AppFactory, make_user


class Post:
    """A stand-in object for object rules."""

    def __init__(self, author_id: int) -> None:
        self.author_id = author_id


def author_edits(user: Any, permission: str, obj: Any) -> bool:
    """The author may change their own post."""
    return permission == "blog.change_post" and isinstance(obj, Post) and obj.author_id == user.id


def guarded_app(make_auth_app: AppFactory) -> App:
    """An account app with one route per kind of requirement."""
    app = make_auth_app(object_rules=[author_edits])
    staff = Router(meta=[staff_required])

    @staff.get("/panel")
    async def panel() -> dict[str, str]:
        return {"page": "staff"}

    app.include(staff, prefix="/staff")

    @app.get("/private", meta=[login_required])
    async def private(user: CurrentUser) -> dict[str, str]:
        return {"email": user.email}

    @app.get("/maybe")
    async def maybe(user: OptionalUser) -> dict[str, Any]:
        return {"email": user.email if user is not None else None}

    @app.post("/publish", meta=[permission_required("blog.publish_post")])
    async def publish() -> dict[str, bool]:
        return {"published": True}

    @app.get("/scoped", meta=[scope_required("posts:write")])
    async def scoped() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/posts/{author:int}/edit")
    async def edit(author: int, identity: Identity, auth: Auth) -> dict[str, bool]:
        return {"may": await auth.has_perm(identity, "blog.change_post", Post(author))}

    return app


async def login(client: AsyncTestClient, email: str = "ada@example.com") -> None:
    """Sign in through the JSON API."""
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


@pytest.fixture
def app(make_auth_app: AppFactory) -> App:
    """The guarded app."""
    return guarded_app(make_auth_app)


async def test_anonymous_api_calls_get_401_with_a_challenge(async_client: AsyncTestClient) -> None:
    """Without a user, a guarded route answers a 401 problem with WWW-Authenticate."""
    response = await async_client.get("/private")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'
    assert (await async_client.get("/maybe")).json() == {"email": None}


async def test_browsers_are_sent_to_the_login_page(async_client: AsyncTestClient) -> None:
    """A browser asking for a guarded page is redirected to login with a next link."""
    response = await async_client.get("/private?x=1&y=2", headers={"accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/accounts/login?next=%2Fprivate%3Fx%3D1%26y%3D2"


async def test_signed_in_users_pass(app: App, async_client: AsyncTestClient) -> None:
    """A signed-in user reaches login_required routes, not staff or permission ones."""
    await make_user(app)
    await login(async_client)
    assert (await async_client.get("/private")).json() == {"email": "ada@example.com"}
    assert (await async_client.get("/maybe")).json() == {"email": "ada@example.com"}
    assert (await async_client.get("/staff/panel")).status_code == 403
    denied = await async_client.post("/publish")
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    assert (await async_client.get("/scoped")).status_code == 200, "sessions carry every scope"


async def test_staff_and_superusers(app: App, async_client: AsyncTestClient) -> None:
    """Staff reach staff routes; superusers have every permission."""
    await make_user(app, is_staff=True, is_superuser=True)
    await login(async_client)
    assert (await async_client.get("/staff/panel")).status_code == 200
    assert (await async_client.post("/publish")).status_code == 200


async def test_permissions_through_groups_and_directly(
    app: App, async_client: AsyncTestClient
) -> None:
    """A permission given through a group or to the user directly opens the route."""
    user = await make_user(app)
    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as db:
        permission = Permission(label="blog", codename="publish_post", name="Can publish posts")
        group = Group(name="editors", permissions=[permission])
        db.add(group)
        stored = await db.get(User, user.id)
        assert stored is not None
        await db.refresh(stored, ["groups"])
        stored.groups.append(group)
    await login(async_client)
    assert (await async_client.post("/publish")).status_code == 200


async def test_object_rules(app: App, async_client: AsyncTestClient) -> None:
    """An object rule grants a permission on the objects it chooses, and only those."""
    user = await make_user(app)
    await login(async_client)
    mine = await async_client.get(f"/posts/{user.id}/edit")
    theirs = await async_client.get(f"/posts/{user.id + 1}/edit")
    assert mine.json() == {"may": True}
    assert theirs.json() == {"may": False}


async def test_disabled_users_are_signed_out(app: App, async_client: AsyncTestClient) -> None:
    """Deactivating an account ends its sessions at the next request."""
    user = await make_user(app)
    await login(async_client)
    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as db:
        stored = await db.get(User, user.id)
        assert stored is not None
        stored.is_active = False
    assert (await async_client.get("/private")).status_code == 401


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "http:/evil.com",
        "/\\evil.com",
        "javascript:alert(1)",
        "\\\\evil.com",
        "/\tevil",
        "",
        "evil.com/path",
    ],
)
def test_unsafe_next_targets_are_refused(target: str) -> None:
    """Only local paths are followed after sign-in; everything else goes to the default."""
    assert not Auth.is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/posts/1?tab=comments", "/a%2Fb", "/search?q=//x"])
def test_local_next_targets_are_kept(target: str) -> None:
    """Local paths (with queries) are safe."""
    assert Auth.is_safe_next(target)


def test_requirement_helpers_check_their_arguments() -> None:
    """A malformed permission or scope fails where the route is declared."""
    with pytest.raises(ImproperlyConfigured, match=r"label\.codename"):
        permission_required("publish")
    with pytest.raises(ImproperlyConfigured):
        permission_required()
    with pytest.raises(ImproperlyConfigured):
        scope_required("two words")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_openapi_documents_requirements(app: App) -> None:
    """Guarded routes list the session and token schemes, 401, and 403 where it can happen."""
    document = app.openapi_document()
    private = document["paths"]["/private"]["get"]
    assert private["security"] == [{"session": []}, {"token": []}]
    assert "401" in private["responses"]
    assert "403" not in private["responses"]
    scoped = document["paths"]["/scoped"]["get"]
    assert scoped["security"] == [{"session": []}, {"token": ["posts:write"]}]
    assert "403" in scoped["responses"]
    maybe = document["paths"]["/maybe"]["get"]
    assert "401" not in maybe["responses"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["session"] == {"type": "apiKey", "in": "cookie", "name": "session"}
    assert schemes["token"] == {"type": "http", "scheme": "bearer"}
    assert "security" not in document["paths"]["/api/auth/login"]["post"]


async def test_templates_see_the_current_user(make_auth_app: AppFactory, auth_folder: Any) -> None:
    """Pages call current_user(): None for anonymous visitors, the user once signed in."""
    (auth_folder / "whoami.html").write_text(
        "{% set user = current_user() %}{{ user.email if user else 'anonymous' }}"
    )
    app = make_auth_app()

    @app.get("/whoami")
    async def whoami() -> TemplateResponse:
        return TemplateResponse("whoami.html", {})

    async with AsyncTestClient(app) as client:
        as_browser(client)
        anonymous = await client.get("/whoami")
        assert anonymous.text == "anonymous"
        assert "cookie" not in anonymous.headers.get("vary", "").lower()
        await make_user(app)
        await login(client)
        signed_in = await client.get("/whoami")
        assert signed_in.text == "ada@example.com"
        assert "cookie" in signed_in.headers["vary"].lower()

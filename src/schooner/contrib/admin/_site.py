"""What every admin page shares: the router, the model lookup, permissions and rendering.

Every route of the router needs a signed-in staff user (``staff_required``): a browser that
is not signed in is sent to the accounts login page with ``next`` pointing back, a signed-in
user who is not staff gets ``403``. Pages are HTML for people, not API operations: they are
left out of the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from schooner.contrib.admin._permissions import ModelPerms, perms_of
from schooner.contrib.admin._plan import AdminModel
from schooner.contrib.admin._registry import Registry
from schooner.contrib.admin._values import display, verbose_name_of
from schooner.contrib.auth import AbstractUser, Auth, Identity, NotAuthenticated, staff_required
from schooner.contrib.orm import AsyncSession, get_or_404
from schooner.contrib.templates import TemplateResponse
from schooner.exceptions import NotFound
from schooner.http import RedirectResponse
from schooner.routing import Router

if TYPE_CHECKING:
    from schooner.contrib.admin._component import Admin

__all__ = ["Site", "redirect"]

H = TypeVar("H", bound=Callable[..., Any])


def redirect(url: str) -> RedirectResponse:
    """See other: the browser GETs ``url`` (the answer to a form post)."""
    return RedirectResponse(url, 303)


class Site:
    """The admin's pages as one object the handlers close over.

    Args:
        admin: the ``Admin`` component.
    """

    def __init__(self, admin: Admin) -> None:
        self.admin = admin
        self.router = Router(meta=[staff_required], tags=["admin"])

    @property
    def registry(self) -> Registry:
        """The admin's models."""
        return self.admin.registry

    @property
    def auth(self) -> Auth:
        """The accounts battery, which knows users and permissions."""
        return self.admin.auth

    def get(self, path: str, name: str) -> Callable[[H], H]:
        """Register a page's GET handler."""
        return self.router.get(path, name=name, include_in_schema=False)

    def post(self, path: str, name: str) -> Callable[[H], H]:
        """Register a page's POST handler."""
        return self.router.post(path, name=name, include_in_schema=False)

    async def model(
        self, identity: Identity, label: str, name: str
    ) -> tuple[AdminModel, ModelPerms]:
        """The model at ``/<label>/<name>`` and what the user may do with it.

        Raises:
            NotFound: the admin has no such model, or the user may do nothing with it (a
                user without any permission on a model does not learn it is there).
        """
        model = self.registry.get(label, name)
        perms = await perms_of(self.auth, identity, model)
        if not perms.any:
            raise NotFound(f"The admin has no model {label}.{name}.")
        return model, perms

    def user(self, identity: Identity) -> AbstractUser:
        """The signed-in staff user (the router's guard made sure there is one)."""
        if identity.user is None:  # pragma: no cover - the guard answers first
            raise NotAuthenticated()
        return identity.user

    async def find(self, db: AsyncSession, model: AdminModel, pk: str) -> Any:
        """The row whose primary key is written ``pk`` in the address.

        Raises:
            NotFound: no such row, or ``pk`` is not a value of the key's type.
        """
        found: Any = await get_or_404(db, model.model, self.key(model, pk))
        return found

    def key(self, model: AdminModel, pk: str) -> Any:
        """``pk`` (text from the address) as a value of the model's primary key.

        Raises:
            NotFound: it is not one.
        """
        column = model.mapper.primary_key[0]
        try:
            kind = column.type.python_type
        except NotImplementedError:  # pragma: no cover - a key of an exotic type
            return pk
        try:
            return msgspec.convert(pk, kind, strict=False)
        except msgspec.ValidationError:
            raise NotFound(f"There is no {model.verbose_name} {pk!r}.")

    def name_of(self, model: type[Any]) -> str:
        """The verbose name of any model class (registered or not)."""
        found = self.registry.of_class(model)
        return found.verbose_name if found is not None else verbose_name_of(model)

    def plural_of(self, model: type[Any]) -> str:
        """The plural verbose name of any model class."""
        found = self.registry.of_class(model)
        return found.verbose_name_plural if found is not None else verbose_name_of(model) + "s"

    def labels(self) -> dict[type[Any], str]:
        """The verbose name of every registered model, by class."""
        return {m.model: m.verbose_name for m in self.registry.models.values()}

    def page(
        self,
        model: AdminModel | None,
        page: str,
        context: Mapping[str, Any],
        status: int = 200,
    ) -> TemplateResponse:
        """Render a page: ``admin/<label>/<model>/<page>.html`` when the project has one
        for the model, else the battery's ``admin/<page>.html``."""
        names = model.templates(page) if model is not None else [f"admin/{page}.html"]
        values = {"site": self.admin.config, "model": model, "display": display, **context}
        return TemplateResponse(names, values, status_code=status)

"""Who may do what to a model: the accounts battery's four permissions per model.

``<label>.view_<model>``, ``add_``, ``change_`` and ``delete_`` (``polls.change_question``),
stored by ``schooner users sync-permissions`` and granted to users or groups. Superusers
have them all. As in Django, the permission to change a model includes viewing it. Every
page and every form post checks them: what a user may not do is not shown, and a request
for it is answered ``403``.
"""

from __future__ import annotations

from dataclasses import dataclass

from schooner.contrib.admin._plan import Action, AdminModel
from schooner.contrib.auth import Auth, Identity, PermissionDenied

__all__ = ["ModelPerms", "perms_of", "require"]


@dataclass(frozen=True, slots=True)
class ModelPerms:
    """What one user may do with one model."""

    view: bool = False
    add: bool = False
    change: bool = False
    delete: bool = False

    @property
    def any(self) -> bool:
        """Whether the user may do anything with the model (it is on the index then)."""
        return self.view or self.add or self.change or self.delete


async def perms_of(auth: Auth, identity: Identity, model: AdminModel) -> ModelPerms:
    """The user's permissions on ``model`` (looked up once per request, then cached)."""
    granted = {
        action: await auth.has_perm(identity, model.permission(action))
        for action in ("view", "add", "change", "delete")
    }
    return ModelPerms(
        view=granted["view"] or granted["change"],
        add=granted["add"],
        change=granted["change"],
        delete=granted["delete"],
    )


def require(perms: ModelPerms, action: Action, model: AdminModel) -> None:
    """Refuse the request unless ``perms`` allow ``action``.

    Raises:
        PermissionDenied: a 403 naming the permission.
    """
    if not getattr(perms, action):
        raise PermissionDenied(
            f"You may not {action} {model.verbose_name_plural}: that needs the permission "
            f"{model.permission(action)}."
        )

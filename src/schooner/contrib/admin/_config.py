"""``AdminConfig``: every option of the ``Admin`` component, validated."""

from __future__ import annotations

import re
from typing import ClassVar, TypedDict

from schooner.contrib._config import ComponentConfig
from schooner.contrib.admin._options import MAX_PER_PAGE
from schooner.exceptions import ImproperlyConfigured

__all__ = ["AdminConfig", "AdminOptions"]

_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)+")


class AdminConfig(ComponentConfig, frozen=True, kw_only=True):
    """Where the admin lives and how its pages look.

    Every field is also an option of ``Admin``; as a settings block it is the
    ``[schooner.admin]`` table, and ``from_env()`` reads ``ADMIN_<FIELD>`` variables. The
    models are given in code (``Admin(models=[...])``).

    Attributes:
        prefix: where the pages are mounted (``/admin/``, ``/admin/polls/question`` …).
        site_title: the name in every page's title and header.
        site_url: where the header's "View site" link goes; ``None`` leaves it out.
        list_per_page: rows per change-list page, for models that do not say.
        recent_actions: how many recent changes the index page lists (0: none).
    """

    env_prefix: ClassVar[str] = "ADMIN_"

    prefix: str = "/admin"
    site_title: str = "Administration"
    site_url: str | None = "/"
    list_per_page: int = 100
    recent_actions: int = 10

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.prefix):
            raise ImproperlyConfigured(
                f"Admin: prefix {self.prefix!r} must be a path such as '/admin': it starts "
                "with '/' and does not end with one."
            )
        if not self.site_title.strip():
            raise ImproperlyConfigured("Admin: site_title must not be empty.")
        if self.site_url is not None and (
            not self.site_url.startswith(("/", "https://", "http://"))
            or self.site_url.startswith("//")
        ):
            raise ImproperlyConfigured(
                f"Admin: site_url {self.site_url!r} must be a path such as '/' or an "
                "http(s) address."
            )
        if not 1 <= self.list_per_page <= MAX_PER_PAGE:
            raise ImproperlyConfigured(
                f"Admin: list_per_page must be from 1 to {MAX_PER_PAGE} (got {self.list_per_page})."
            )
        if not 0 <= self.recent_actions <= 100:
            raise ImproperlyConfigured(
                f"Admin: recent_actions must be from 0 to 100 (got {self.recent_actions})."
            )


class AdminOptions(TypedDict, total=False):
    """The keyword options of ``Admin(...)``: the fields of :class:`AdminConfig`."""

    prefix: str
    site_title: str
    site_url: str | None
    list_per_page: int
    recent_actions: int

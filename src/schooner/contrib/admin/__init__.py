"""The admin: staff pages to list, search, filter, sort, add, change and delete rows.

::

    app = App(components=[
        Database(config=DatabaseConfig.from_env()), Migrations(),
        Sessions(), Templates("templates"), Forms(), CSRF(), Mail(...), Auth(),
        Admin(site_title="Polls admin", models=[
            ModelAdmin(Question, list_display=["question_text", "pub_date"],
                       search_fields=["question_text"], ordering=["-pub_date"]),
            ModelAdmin(Choice, list_display=["choice_text", "question__question_text", "votes"]),
        ]),
    ])

The pages live under ``/admin`` (route names in the ``admin`` namespace) and are for staff
only: a visitor who is not signed in goes to the accounts login page and back. Each model
has the accounts battery's four permissions (``polls.view_question`` …), checked on every
page and post. Lists take filters (``Filter`` for custom ones), bulk actions
(``Action``) and export to CSV. Forms are derived from the columns through the forms
battery; every change is recorded in ``admin_log`` (who, when, what, the field diff), shown
as each row's history and the index's recent actions. Other components add models with an
``admin_models()`` method (:class:`AdminModels`). Templates are ``admin/<page>.html``,
overridden per model by ``admin/<label>/<model>/<page>.html``. See the "Admin" page of the
docs.

Refusals are the accounts battery's ``PermissionDenied`` and the core's ``NotFound``, and
configuration errors ``ImproperlyConfigured``, so the battery has no exceptions module; its
tests use the accounts battery's helpers (``create_user``, ``force_login``), so it has no
testing module either.
"""

from __future__ import annotations

from schooner.contrib.admin._actions import Action
from schooner.contrib.admin._component import Admin
from schooner.contrib.admin._config import AdminConfig
from schooner.contrib.admin._dashboard import Panel
from schooner.contrib.admin._filters import Filter
from schooner.contrib.admin._models import LogEntry
from schooner.contrib.admin._options import Cell, Column, Fieldset, Inline, ModelAdmin
from schooner.contrib.admin._registry import AdminModels
from schooner.contrib.admin._widgets import Widget

__all__ = [
    "Action",
    "Admin",
    "AdminConfig",
    "AdminModels",
    "Cell",
    "Column",
    "Fieldset",
    "Filter",
    "Inline",
    "LogEntry",
    "ModelAdmin",
    "Panel",
    "Widget",
]

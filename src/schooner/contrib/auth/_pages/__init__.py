"""The account pages: server-rendered forms for every flow of the ``Accounts`` service.

Mounted under ``AuthConfig.prefix`` (``/accounts``) in the ``auth`` namespace, so
``url_for("auth:login")`` finds them. Each page is a GET that shows a form and a POST that
calls the service and redirects (with a flash message), or shows the form again with what
went wrong: ``422`` for input to fix, ``400`` for wrong credentials or a dead link, ``429``
while sign-in is throttled. Nothing says whether an address has an account.

Links in mail never act on a GET (mail scanners fetch them): the verification and
e-mail-change pages show a button that posts, and a reset link's token goes into the
session at once and the browser is sent on to ``/password-reset/set``, so the token
leaves the address bar (and the ``Referer`` of whatever that page loads) as Django does.

Templates are ``auth/<page>.html``, extending ``auth/base.html``; a project restyles them
by putting files with the same names in its own template folder.

The modules: ``_base`` (what the pages share), ``_forms`` (their forms), a module per group
of flows (``_sign_in``, ``_passwords``, ``_account``) and ``_router`` (all of them). The
second factors' pages are in ``_mfa``. The rest of the battery imports from here.
"""

from __future__ import annotations

from schooner.contrib.auth._pages._router import pages_router

__all__ = ["pages_router"]

"""CSRF protection: cross-site requests refused on every route, tokens for older browsers.

::

    app = App(components=[Sessions(), Templates("templates"), CSRF()])

Unsafe requests (POST, PUT, PATCH, DELETE) that a browser says come from another site
(``Sec-Fetch-Site``, else ``Origin``) get a 403 problem response on every route. Browsers too
old to say, on routes that read the session or a cookie, must send the session's token: in a
form, ``{{ csrf_input() }}``; for fetch or htmx, ``csrf_token()`` in the ``X-CSRF-Token``
header. Requests authenticated by an ``Authorization`` header are not checked;
``meta=[csrf_exempt]`` opts a route out explicitly. Options are the fields of
:class:`CSRFConfig`; a refusal raises
:class:`~schooner.contrib.csrf.exceptions.CSRFCheckFailed`;
:mod:`schooner.contrib.csrf.testing` has what tests need.

Builds on the sessions battery (the token's secret lives in the session).
"""

from __future__ import annotations

from schooner.contrib.csrf._component import CSRF, csrf_token
from schooner.contrib.csrf._config import CSRFConfig
from schooner.contrib.csrf._middleware import CSRFMiddleware
from schooner.contrib.csrf._routes import CSRFExempt, csrf_exempt
from schooner.contrib.csrf.exceptions import CSRFCheckFailed

__all__ = [
    "CSRF",
    "CSRFCheckFailed",
    "CSRFConfig",
    "CSRFExempt",
    "CSRFMiddleware",
    "csrf_exempt",
    "csrf_token",
]

"""CSRF protection for cookie-session routes: a synchronizer token and origin checks.

::

    app = App(components=[Sessions(), Templates("templates"), CSRF()])

In a form: ``{{ csrf_input() }}``; for fetch or htmx: send ``csrf_token()`` in the
``X-CSRF-Token`` header. Unsafe requests to routes that use the session without a valid
token — or, over HTTPS, from another origin — get a 403 problem response. Bearer-token
requests are not checked; :func:`csrf_exempt` opts a route out explicitly.

Builds on the sessions battery (the token's secret lives in the session).
"""

from __future__ import annotations

from schooner.contrib.csrf._component import CSRF, CSRFMiddleware, csrf_exempt, csrf_token

__all__ = ["CSRF", "CSRFMiddleware", "csrf_exempt", "csrf_token"]

"""The ``CSRF`` component: the middleware, its per-route plan, and the template helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Unpack

from schooner.contrib.csrf._config import CSRFConfig, CSRFOptions
from schooner.contrib.csrf._middleware import CSRFMiddleware
from schooner.contrib.csrf._routes import CSRFPlan
from schooner.contrib.csrf._token import mask, secret_of
from schooner.contrib.sessions import Sessions, get_session, lazy_session
from schooner.http import Request
from schooner.middleware import Middleware

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["CSRF", "csrf_token"]


async def csrf_token(request: Request) -> str:
    """The token to put in a form or a fetch header (a fresh mask of the session's secret).

    Use it as a dependency, ``token: Annotated[str, Inject(csrf_token)]``; templates have
    ``csrf_token()`` and ``csrf_input()``.

    Raises:
        ImproperlyConfigured: the app has no ``Sessions`` component.
    """
    return mask(secret_of(await get_session(request)))


class _HiddenInput:
    """``<input type="hidden" …>`` that Jinja2 inserts unescaped (it has ``__html__``)."""

    def __init__(self, field: str, token: str) -> None:
        self.text = f'<input type="hidden" name="{field}" value="{token}">'

    def __html__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


class CSRF:
    """CSRF protection as a component: ``App(components=[Sessions(), CSRF()])``.

    Every unsafe request (POST, PUT, PATCH, DELETE) to any route is checked, unless the
    route is exempt (``meta=[csrf_exempt]``, ``exempt_paths``) or the request is
    authenticated by an ``Authorization`` header (a bearer token, an API key):

    1. **Cross-site requests are refused**, from the browser's ``Sec-Fetch-Site`` header
       (``same-origin`` passes, ``same-site`` and ``cross-site`` need a trusted origin) or,
       from browsers without it, the ``Origin`` header. API clients that send neither are
       not browsers, and pass.
    2. **Older browsers on cookie routes send the token.** When ``Sec-Fetch-Site`` is
       missing and the route reads the session (``Session``, ``Flash``, a current-user
       dependency) or a cookie parameter, the session's token must come in the
       ``csrf_token`` form field or the ``X-CSRF-Token`` header (fetch, htmx); over HTTPS
       without ``Origin``, the ``Referer`` must be the app's own.

    A failed check raises :class:`~schooner.contrib.csrf.exceptions.CSRFCheckFailed`: a 403
    problem response (an HTML page for browsers when the templates battery serves error
    pages) that says what is missing.

    Args:
        config: every option at once, e.g. a block of the project's settings.
        **options: fields of :class:`CSRFConfig` (``trusted_origins``, ``exempt_paths`` …),
            which win over ``config``.

    Raises:
        ImproperlyConfigured: an option is unknown or invalid.
    """

    name = "csrf"

    def __init__(self, *, config: CSRFConfig | None = None, **options: Unpack[CSRFOptions]) -> None:
        self.config = CSRFConfig.build(config, options, owner="CSRF")

    def setup(self, app: App) -> None:
        """Add the middleware just inside the sessions'; read route metadata at build."""
        plan = CSRFPlan(app.require(Sessions, by=self))
        app.on_build(plan.build)
        app.add_middleware(
            Middleware(
                CSRFMiddleware,
                plan=plan,
                config=self.config,
                trusted_origins=[*app.settings.trusted_origins, *self.config.trusted_origins],
            ),
            after="SessionMiddleware",
        )

    async def template_context(self, request: Request) -> Mapping[str, Any]:
        """Template helpers: ``csrf_token()``, ``csrf_input()`` and ``csrf_field``.

        The session is read ahead; only a page that calls a helper uses it (and varies on
        the session cookie).
        """
        use = await lazy_session(request)
        field = self.config.field_name

        def token() -> str:
            return mask(secret_of(use()))

        def hidden_input() -> _HiddenInput:
            return _HiddenInput(field, token())

        return {"csrf_token": token, "csrf_input": hidden_input, "csrf_field": field}

"""The injector: plans every handler and provider at startup and resolves them per request."""

from __future__ import annotations

import asyncio
import enum
import inspect
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Iterator, Sequence
from typing import Any

from schooner.concurrency import run_sync
from schooner.di._analysis import (
    ParamInfo,
    describe,
    is_body_type,
    is_request_type,
    is_websocket_type,
    read_parameters,
)
from schooner.di._context import RequestContext, _close_async, _close_sync
from schooner.di._extractors import MISSING, BodyExtractor, ValueExtractor
from schooner.di.markers import Body, Inject, Param, Scope
from schooner.exceptions import FieldError, ImproperlyConfigured, ValidationError
from schooner.http._validation import strip_optional

SELF_PROVIDER = "__schooner_provider__"
"""A class attribute naming the provider of the class itself: a parameter annotated with a
class that has ``__schooner_provider__`` (a classmethod, resolved like any provider) gets
what it returns. Batteries use it so that ``form: CommentForm`` just works."""


class Kind(enum.Enum):
    """How a callable is invoked."""

    SYNC = "sync"
    ASYNC = "async"
    GEN = "generator"
    ASYNC_GEN = "async generator"


def kind_of(func: Callable[..., Any]) -> Kind:
    """Classify ``func`` (functions, methods, classes and objects with ``__call__``)."""
    if inspect.isclass(func):
        return Kind.SYNC
    target = func if inspect.isroutine(func) else getattr(func, "__call__", func)  # noqa: B004
    if inspect.isasyncgenfunction(target):
        return Kind.ASYNC_GEN
    if inspect.isgeneratorfunction(target):
        return Kind.GEN
    if inspect.iscoroutinefunction(target):
        return Kind.ASYNC
    return Kind.SYNC


class Dependant:
    """A callable with its parameter plan, built once.

    Attributes:
        sync_steps: ``(name, extractor)`` pairs read synchronously (path, query, header, …).
        sync_reads: the same names with the functions resolution calls (compiled readers).
        async_steps: ``(name, extractor)`` pairs that await (body, dependencies); a ``None``
            name runs the step for its effect only (router and route ``dependencies``).
    """

    __slots__ = ("async_steps", "call", "kind", "params", "scope", "sync_reads", "sync_steps")

    def __init__(self, call: Callable[..., Any], scope: Scope) -> None:
        self.call = call
        self.scope: Scope = scope
        self.kind = kind_of(call)
        self.params: list[ParamInfo] = []
        self.sync_steps: list[tuple[str, Callable[[RequestContext, list[FieldError]], Any]]] = []
        self.async_steps: list[tuple[str | None, Any]] = []
        # What resolution calls for the sync steps: each extractor's compiled reader.
        self.sync_reads: list[tuple[str, Callable[[RequestContext, list[FieldError]], Any]]] = []

    def __repr__(self) -> str:
        return f"<Dependant {describe(self.call)} ({self.scope})>"


class DependencyStep:
    """An async step that resolves one dependency through the injector."""

    __slots__ = ("dependant", "injector", "use_cache")

    def __init__(self, injector: Injector, dependant: Dependant, *, use_cache: bool) -> None:
        self.injector = injector
        self.dependant = dependant
        self.use_cache = use_cache

    async def __call__(self, ctx: RequestContext, errors: list[FieldError]) -> Any:
        """Resolve the dependency, adding its validation errors to ``errors``."""
        return await self.injector.resolve(self, ctx, errors)


def _request_step(ctx: RequestContext, errors: list[FieldError]) -> Any:
    return ctx.request


def _websocket_step(ctx: RequestContext, errors: list[FieldError]) -> Any:
    return ctx.websocket


def walk_steps(dependant: Dependant) -> Iterator[Any]:
    """Every step of ``dependant`` and of its dependencies, depth first."""
    for _, step in [*dependant.sync_steps, *dependant.async_steps]:
        yield step
        if isinstance(step, DependencyStep):
            yield from walk_steps(step.dependant)


def uses_websocket(dependant: Dependant) -> bool:
    """Whether ``dependant`` or one of its dependencies asks for the ``WebSocket``."""
    return any(step is _websocket_step for step in walk_steps(dependant))


def uses_body(dependant: Dependant) -> bool:
    """Whether ``dependant`` or one of its dependencies reads the request body."""
    return any(isinstance(step, BodyExtractor) for step in walk_steps(dependant))


class Provider:
    """A provider registered for a type with ``app.provide``."""

    __slots__ = ("call", "scope")

    def __init__(self, call: Callable[..., Any], scope: Scope) -> None:
        self.call = call
        self.scope: Scope = scope


class Injector:
    """Owns providers, overrides and app-scoped values; plans and resolves dependencies.

    Attributes:
        overrides: provider → replacement, consulted at resolution time (for tests).
    """

    def __init__(self) -> None:
        self.providers: dict[Any, Provider] = {}
        self.overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._plans: dict[tuple[Any, ...], Dependant] = {}
        self._stack: list[Callable[..., Any]] = []
        self._app_values: dict[Callable[..., Any], Any] = {}
        self._app_cleanups: list[Generator[Any, None, None] | AsyncGenerator[Any, None]] = []
        self._locks: dict[Callable[..., Any], asyncio.Lock] = {}

    def provide(self, annotation: Any, provider: Callable[..., Any], *, scope: Scope) -> None:
        """Register ``provider`` for every parameter annotated with ``annotation``."""
        self.providers[annotation] = Provider(provider, scope)

    # -- planning (startup) -----------------------------------------------------------------

    def plan(
        self,
        func: Callable[..., Any],
        *,
        path_params: Iterable[str] = (),
        dependencies: Sequence[Inject] = (),
        scope: Scope = "request",
    ) -> Dependant:
        """Build (or reuse) the plan for ``func``.

        Raises:
            ImproperlyConfigured: a cycle, an unknown provider, a misplaced body or an
                app-scoped provider that needs request values.
        """
        names = frozenset(path_params)
        key = (func, names, scope, tuple(dependencies))
        cached = self._plans.get(key)
        if cached is not None:
            return cached
        if func in self._stack:
            chain = " -> ".join(
                describe(f) for f in [*self._stack[self._stack.index(func) :], func]
            )
            raise ImproperlyConfigured(f"Dependency cycle: {chain}. Break the cycle.")
        self._stack.append(func)
        try:
            dependant = self._build(func, names, dependencies, scope)
        finally:
            self._stack.pop()
        self._plans[key] = dependant
        return dependant

    def _build(
        self,
        func: Callable[..., Any],
        path_params: frozenset[str],
        dependencies: Sequence[Inject],
        scope: Scope,
    ) -> Dependant:
        dependant = Dependant(func, scope)
        for marker in dependencies:
            if marker.provider is None:
                raise ImproperlyConfigured("Route dependencies need an explicit provider.")
            dependant.async_steps.append(
                (None, self._dependency(marker.provider, marker, path_params))
            )
        body_seen = False
        for info in read_parameters(func):
            dependant.params.append(info)
            step = self._step_for(func, info, path_params)
            if isinstance(step, BodyExtractor):
                if body_seen:
                    raise ImproperlyConfigured(
                        f"{describe(func)} declares more than one body parameter; combine them "
                        "into one Struct or dataclass."
                    )
                body_seen = True
            if isinstance(step, ValueExtractor) or step in (_request_step, _websocket_step):
                dependant.sync_steps.append((info.name, step))
                read = step.extract if isinstance(step, ValueExtractor) else step
                dependant.sync_reads.append((info.name, read))
            else:
                dependant.async_steps.append((info.name, step))
        if scope == "app":
            self._check_app_scope(dependant)
        return dependant

    def _step_for(
        self, func: Callable[..., Any], info: ParamInfo, path_params: frozenset[str]
    ) -> Any:
        marker = info.marker
        if isinstance(marker, Inject):
            provider = marker.provider
            if provider is None:
                registered = self.providers.get(info.annotation)
                if registered is None:
                    raise ImproperlyConfigured(
                        f"Parameter '{info.name}' of {describe(func)} asks for Inject() without a "
                        f"provider, and no provider is registered for {info.annotation!r}. "
                        "Register one with app.provide(Type, provider)."
                    )
                return self._dependency(registered.call, marker, path_params, registered.scope)
            return self._dependency(provider, marker, path_params)
        if isinstance(marker, Param):
            if marker.location == "path" and (marker.alias or info.name) not in path_params:
                raise ImproperlyConfigured(
                    f"Parameter '{info.name}' of {describe(func)} is marked Path() but the "
                    f"route has no '{{{marker.alias or info.name}}}' segment."
                )
            return ValueExtractor(info, marker.location)
        if isinstance(marker, Body):
            return BodyExtractor(info)
        if is_request_type(info.annotation):
            return _request_step
        if is_websocket_type(info.annotation):
            return _websocket_step
        registered = self.providers.get(strip_optional(info.annotation))
        if registered is not None:
            return self._dependency(registered.call, Inject(), path_params, registered.scope)
        # A type may say how it is made for a request (batteries' form classes do).
        own = getattr(strip_optional(info.annotation), SELF_PROVIDER, None)
        if own is not None and callable(own):
            return self._dependency(own, Inject(), path_params)
        if info.name in path_params:
            return ValueExtractor(info, "path")
        if is_body_type(info.annotation):
            return BodyExtractor(info)
        return ValueExtractor(info, "query")

    def _dependency(
        self,
        provider: Callable[..., Any],
        marker: Inject,
        path_params: frozenset[str],
        registered_scope: Scope | None = None,
    ) -> DependencyStep:
        scope: Scope = marker.scope or registered_scope or "request"
        dependant = self.plan(provider, path_params=path_params, scope=scope)
        return DependencyStep(self, dependant, use_cache=marker.use_cache)

    def _check_app_scope(self, dependant: Dependant) -> None:
        for name, step in [*dependant.sync_steps, *dependant.async_steps]:
            if not (isinstance(step, DependencyStep) and step.dependant.scope == "app"):
                raise ImproperlyConfigured(
                    f"App-scoped provider {describe(dependant.call)} cannot use '{name}': it is "
                    "created once for the whole app, so it may only depend on other app-scoped "
                    "providers, never on request values."
                )

    # -- resolution (per request) -----------------------------------------------------------

    async def solve(self, dependant: Dependant, ctx: RequestContext) -> dict[str, Any]:
        """Compute the keyword arguments for ``dependant``.

        Raises:
            ValidationError: listing every field that failed, across all dependencies.
        """
        errors: list[FieldError] = []
        kwargs: dict[str, Any] = {}
        for name, read in dependant.sync_reads:
            kwargs[name] = read(ctx, errors)
        for maybe_name, async_step in dependant.async_steps:
            value = await async_step(ctx, errors)
            if maybe_name is not None:
                kwargs[maybe_name] = value
        if errors:
            raise ValidationError(errors)
        return kwargs

    async def resolve(
        self, step: DependencyStep, ctx: RequestContext, errors: list[FieldError]
    ) -> Any:
        """Return the value of one dependency, honouring overrides, scope and caching."""
        dependant = step.dependant
        if self.overrides:
            replacement = self.overrides.get(dependant.call)
            if replacement is not None:
                dependant = self.plan(
                    replacement,
                    path_params=ctx.scope.get("path_params", {}).keys(),
                    scope=dependant.scope,
                )
        if dependant.scope == "app":
            return await self._app_value(dependant)
        call = dependant.call
        if step.use_cache and call in ctx.cache:
            return ctx.cache[call]
        try:
            kwargs = await self.solve(dependant, ctx)
        except ValidationError as exc:
            errors.extend(exc.errors)
            return MISSING
        value = await self.invoke(dependant, kwargs, ctx.cleanups)
        if step.use_cache:
            ctx.cache[call] = value
        return value

    async def invoke(
        self,
        dependant: Dependant,
        kwargs: dict[str, Any],
        cleanups: list[Generator[Any, None, None] | AsyncGenerator[Any, None]],
    ) -> Any:
        """Call the dependant; generators are advanced to their ``yield`` and kept for cleanup."""
        kind = dependant.kind
        call = dependant.call
        if kind is Kind.ASYNC:
            return await call(**kwargs)
        if kind is Kind.SYNC:
            return await run_sync(call, **kwargs)
        if kind is Kind.ASYNC_GEN:
            agen = call(**kwargs)
            value = await agen.__anext__()
            cleanups.append(agen)
            return value
        gen = call(**kwargs)
        value = await run_sync(next, gen)
        cleanups.append(gen)
        return value

    async def _app_value(self, dependant: Dependant) -> Any:
        call = dependant.call
        if call in self._app_values:
            return self._app_values[call]
        lock = self._locks.setdefault(call, asyncio.Lock())
        async with lock:
            if call in self._app_values:
                return self._app_values[call]
            kwargs: dict[str, Any] = {}
            for name, step in dependant.async_steps:
                if name is not None:
                    kwargs[name] = await self._app_value(step.dependant)
            value = await self.invoke(dependant, kwargs, self._app_cleanups)
            self._app_values[call] = value
            return value

    def set_app_value(self, provider: Callable[..., Any], value: Any) -> None:
        """Record an app-scoped value that is already known (e.g. the settings)."""
        self._app_values[provider] = value

    async def shutdown(self) -> None:
        """Run the cleanup of app-scoped generator providers, last created first."""
        while self._app_cleanups:
            gen = self._app_cleanups.pop()
            if isinstance(gen, AsyncGenerator):
                await _close_async(gen, None)
            else:
                await run_sync(_close_sync, gen, None)
        self._app_values.clear()

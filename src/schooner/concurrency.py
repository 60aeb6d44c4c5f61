"""Running sync code without blocking the event loop.

Sync handlers, dependencies and iterators run in the event loop's default thread pool, so a
slow sync handler never delays concurrent async requests.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_STOP = object()


async def run_sync(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``func(*args, **kwargs)`` in a worker thread and await its result.

    Context variables are copied into the thread, as ``asyncio.to_thread`` does.
    """
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, func, *args, **kwargs)
    return await loop.run_in_executor(None, call)


def _next(iterator: Iterator[T]) -> Any:
    # StopIteration cannot cross an executor future, so signal the end with a sentinel.
    return next(iterator, _STOP)


async def iterate_in_threadpool(iterable: Iterable[T]) -> AsyncIterator[T]:
    """Iterate a sync iterable one item at a time in worker threads."""
    iterator = iter(iterable)
    while True:
        item = await run_sync(_next, iterator)
        if item is _STOP:
            break
        yield item

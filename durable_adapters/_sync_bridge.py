"""Run sync framework code inside the workflow, and let it wait on durable calls.

Frameworks hand sync callables (sync nodes, routers, CrewAI's sync steps) to
``loop.run_in_executor`` / ``asyncio.to_thread``. Temporal's workflow loop refuses both: a
thread would run outside the deterministic event loop. The bridge replaces ``run_in_executor``
on the workflow loop for the length of a run with one that runs the callable in a *greenlet* on
the workflow thread. When that sync code reaches an intercepted model or tool call, it calls
:func:`await_only`, which switches back to the workflow coroutine; the coroutine awaits the
activity and switches back in with the result. Sync code therefore suspends exactly where async
code would await, and the workflow's commands come out in the same order on every replay.

A greenlet can only be resumed on the thread that created it, so a worker that uses the bridge
must run every activation of a run on one thread (see ``_thread_pinning``).
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import greenlet

from ._errors import UnsupportedError

T = TypeVar("T")


class _BridgeGreenlet(greenlet.greenlet):  # type: ignore[misc]  # greenlet's stubs type the class as Any
    """A greenlet started by the bridge; :func:`await_only` is only legal inside one."""

    __slots__ = ()


def in_bridge() -> bool:
    """Whether the caller is sync code running under :func:`run_sync` (so may :func:`await_only`)."""
    return isinstance(greenlet.getcurrent(), _BridgeGreenlet)


def await_only(awaitable: Awaitable[T]) -> T:
    """From sync code under the bridge: wait for ``awaitable`` on the workflow loop and return its result.

    Raises :class:`UnsupportedError` when called from sync code that the bridge did not start,
    because there is no coroutine to hand the awaitable to.
    """
    current = greenlet.getcurrent()
    if not isinstance(current, _BridgeGreenlet):
        if asyncio.iscoroutine(awaitable):
            awaitable.close()  # never awaited: keep the "never awaited" warning out of the logs
        raise UnsupportedError(
            "a durable call was made from sync code that runs outside the workflow's sync bridge "
            "(for example from a thread the framework started); call it from an async function, "
            "or from sync code the framework runs through run_in_executor/to_thread"
        )
    assert current.parent is not None
    return current.parent.switch(awaitable)  # type: ignore[no-any-return]


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run sync ``fn`` in a greenlet on this thread, serving its :func:`await_only` calls.

    The greenlet runs in a copy of the caller's context, as a thread started by
    ``asyncio.to_thread`` would, so context variables (the workflow's and the framework's) are seen.
    """
    context = contextvars.copy_context()
    child = _BridgeGreenlet(lambda: context.run(fn, *args, **kwargs), parent=greenlet.getcurrent())
    result: Any = child.switch()
    while not child.dead:
        # The child switched out with an awaitable it wants the result of.
        try:
            value = await result
        except BaseException:
            result = child.throw(*sys.exc_info())
        else:
            result = child.switch(value)
    return result  # type: ignore[no-any-return]


@contextmanager
def bridged_executor(loop: asyncio.AbstractEventLoop | None = None) -> Iterator[None]:
    """Make the workflow loop take what frameworks hand to threads, for the length of a run.

    * ``loop.run_in_executor`` (and so ``asyncio.to_thread``) runs the callable through
      :func:`run_sync`, in a greenlet on the workflow thread;
    * ``loop.call_soon_threadsafe`` (LangGraph's stream queue uses it, for nodes that may run in
      threads) is ``call_soon``: under the bridge every callable runs on the workflow thread. A
      call from another thread is refused — a thread the framework code started itself.

    Temporal's workflow loop refuses both calls. Only the workflow's own loop is changed.
    """
    loop = loop or asyncio.get_running_loop()
    workflow_thread = threading.get_ident()
    originals = {name: loop.__dict__.get(name) for name in ("run_in_executor", "call_soon_threadsafe")}

    def run_in_executor(executor: Any, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return asyncio.ensure_future(run_sync(fn, *args), loop=loop)

    def call_soon_threadsafe(callback: Callable[..., Any], *args: Any, context: Any = None) -> asyncio.Handle:
        if threading.get_ident() != workflow_thread:
            raise UnsupportedError(
                "a thread started inside a durable run tried to schedule work on the workflow; "
                "framework code inside a durable run must not start threads of its own"
            )
        return loop.call_soon(callback, *args, context=context)

    loop.run_in_executor = run_in_executor  # type: ignore[method-assign, assignment]
    loop.call_soon_threadsafe = call_soon_threadsafe  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        for name, original in originals.items():
            if original is None:
                del loop.__dict__[name]
            else:
                setattr(loop, name, original)

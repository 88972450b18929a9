"""The Functional API in sync style: ``task(...).result()`` in a sync ``@entrypoint`` or task.

In a plain async run LangGraph runs a sync entrypoint on an executor thread; there ``call_model(x)``
(LangGraph's ``_acall``) finds no running asyncio task and returns a ``concurrent.futures.Future``,
and ``.result()`` blocks that thread while the event loop runs the task. In a durable run the
sync entrypoint runs on the core's sync bridge — a greenlet on the workflow thread, inside an
asyncio task — so ``_acall`` hands back an ``asyncio.Future`` instead, whose ``.result()`` raises
``InvalidStateError: Result is not set`` at once.

Inside a durable run, on the bridge, :func:`bridged_acall` returns what LangGraph returns to a
thread — a ``concurrent.futures.Future`` (:class:`BridgedFuture`) — whose ``.result()`` waits
for the task by switching back to the workflow loop (``await_only``) instead of blocking the
thread the loop runs on. Elsewhere LangGraph's own ``_acall`` runs unchanged.

The interception table (``_interception.PATCHES``) puts it in the place of LangGraph's ``_acall``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any

from durable_adapters.adapter import await_only, in_bridge

from . import _run


def on_the_bridge() -> bool:
    """Whether the caller is sync graph code of a durable run on the sync bridge (the point's test)."""
    return _run.in_workflow_run() and in_bridge()


class BridgedFuture(concurrent.futures.Future[Any]):
    """A task's future as a thread gets it from LangGraph, for sync code on the bridge: it
    follows LangGraph's asyncio future, and waiting on it yields to the workflow loop."""

    def __init__(self, source: asyncio.Future[Any]) -> None:
        super().__init__()
        self._source = source
        source.add_done_callback(self._follow)

    def _follow(self, source: asyncio.Future[Any]) -> None:
        if self.done():
            return
        if source.cancelled():
            self.cancel()
        elif (error := source.exception()) is not None:
            self.set_exception(error)
        else:
            self.set_result(source.result())

    def _wait(self) -> None:
        if not self.done() and in_bridge():
            await_only(asyncio.wait([self._source]))  # the task runs on the workflow loop meanwhile
            self._follow(self._source)

    def result(self, timeout: float | None = None) -> Any:
        self._wait()
        return super().result(timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._wait()
        return super().exception(timeout)


def bridged_acall(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """LangGraph's ``_acall`` for sync code on the bridge: the task's future as a thread gets it."""
    future = original(*args, **kwargs)
    return BridgedFuture(future) if isinstance(future, asyncio.Future) else future

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

Kept apart from the interception table (``_interception.PATCHES``) until ``docs/architecture.md``
lists the point (requested in the lead's queue); installed the table's way, checked on each
release through ``_internals``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any

import langgraph.pregel._runner

from durable_adapters.adapter import Interceptions, await_only, in_bridge

from . import _run


def _on_the_bridge() -> bool:
    return _run.in_workflow_run() and in_bridge()


SYNC_TASKS = Interceptions("langgraph sync functional API", active=_on_the_bridge)


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


@SYNC_TASKS.point(
    langgraph.pregel._runner,
    "_acall",
    side="workflow",
    why="a task called from sync code (a sync @entrypoint or task on the sync bridge, which runs inside "
    "an asyncio task) would get an asyncio future whose .result() fails at once; it gets the "
    "concurrent future a thread gets, whose .result() waits on the workflow loop",
)
def bridged_acall(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    future = original(*args, **kwargs)
    return BridgedFuture(future) if isinstance(future, asyncio.Future) else future


def install() -> None:
    SYNC_TASKS.install()

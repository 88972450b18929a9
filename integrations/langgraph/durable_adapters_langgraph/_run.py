"""The durable run a piece of LangChain code is part of, if any.

The class-level interceptions (``_model``, ``_toolset``, ``_ids``) are installed once per
process and do nothing unless :data:`CURRENT` is set: it is set by the adapter only while the
graph runs inside the workflow, and contextvars follow the graph into the tasks and bridged
greenlets it starts. Plain runs in the same process, and the activities themselves, see the
framework unchanged.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from temporalio import workflow

from durable_adapters.adapter import DurableCalls, Hosted, UnsupportedError, run_thread_context


@dataclass
class DurableRun:
    """What an intercepted call needs: the run's calls and the hosted graph's registry entry."""

    calls: DurableCalls
    hosted: Hosted
    active: bool = True
    """False once the graph has returned (a thread it started may outlive it)."""


CURRENT: contextvars.ContextVar[DurableRun | None] = contextvars.ContextVar("durable_langgraph_run", default=None)


def current() -> DurableRun | None:
    return CURRENT.get()


def refuse(error: Exception) -> Exception:
    """Record a refusal on the current run and return it (so a framework that catches exceptions
    cannot turn it into data)."""
    run = CURRENT.get()
    return run.calls.refuse(error) if run is not None else error


def off_workflow() -> DurableRun | None:
    """The durable run whose graph started the calling thread, when the caller runs on such a
    thread instead of in the workflow (a ``threading.Thread`` or thread pool a node started,
    ``Runnable.batch``...); None in the workflow, in activities and outside durable runs."""
    run = CURRENT.get()
    if run is not None:
        return None if workflow.in_workflow() else run
    context = run_thread_context()
    run = context.get(CURRENT) if context is not None else None
    return run if run is not None and run.active else None


def refuse_off_workflow(what: str) -> None:
    """Fail the run when ``what`` (a model or tool call) is made on a thread the graph started:
    it cannot be an activity from there, and sent directly it would bypass history."""
    run = off_workflow()
    if run is None:
        return
    error = UnsupportedError(
        f"{what} was made on a thread started inside a durable LangGraph run (a threading.Thread, "
        "a thread pool, Runnable.batch...). Such a thread runs outside the workflow, so the call "
        "cannot run as an activity, and it is not sent. Make the call in the node itself (sync "
        "nodes run through the sync bridge), or from an async node (ainvoke, abatch, asyncio.gather)"
    )
    raise run.calls.refuse(error)

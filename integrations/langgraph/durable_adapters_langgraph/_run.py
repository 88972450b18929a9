"""The durable run a piece of LangChain code is part of, if any.

The interception table (``_interception.PATCHES``) is installed once per process and does
nothing unless :data:`CURRENT` is set (or the caller runs on a thread the run started, which is
refused): it is set by ``_interception.intercepting`` only while the graph runs inside the
workflow, and contextvars follow the graph into the tasks and bridged greenlets it starts. Plain
runs in the same process, and the activities themselves, see the framework unchanged.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

from temporalio import workflow

from durable_adapters.adapter import DurableCalls, Hosted, UnsupportedError, run_thread_context

from ._tool_pause import TaskLocks


@dataclass
class HostedGraph:
    """What the adapter keeps for a hosted graph (``Hosted.state``), set in ``LangGraphAdapter.host``."""

    tool_keys: dict[int, str] = field(default_factory=dict)
    """id() of each tool found in the graph (or first met at run time) to its key in ``Hosted.tools``."""
    model_keys: dict[int, str] = field(default_factory=dict)
    """id() of each chat model found in the graph to its key in ``Hosted.models`` (used only for
    models LangChain cannot serialise, see ``_model.host_model``)."""


def graph_state(hosted: Hosted) -> HostedGraph:
    """The adapter's state of ``hosted`` (set when it was hosted)."""
    state: Any = hosted.state
    if not isinstance(state, HostedGraph):
        raise TypeError(
            f"{hosted.name!r} was not hosted by the LangGraph adapter (its state is {type(state).__name__})"
        )
    return state


@dataclass
class DurableRun:
    """What an intercepted call needs: the run's calls and the hosted graph's registry entry."""

    calls: DurableCalls
    hosted: Hosted
    active: bool = True
    """False once the graph has returned (a thread it started may outlive it)."""
    last_uuid6: int | None = None
    """The last timestamp of a checkpoint id drawn in this run (``_checkpoint_ids``)."""
    task_locks: TaskLocks = field(default_factory=TaskLocks)
    """Concurrent tool calls of one task with ``interrupt()`` answers take them one at a time."""


CURRENT: contextvars.ContextVar[DurableRun | None] = contextvars.ContextVar("durable_langgraph_run", default=None)


def current() -> DurableRun | None:
    return CURRENT.get()


def reachable() -> bool:
    """Whether the caller belongs to a durable run: in its workflow, or on a thread it started
    (where a model or tool call is refused). The interception table's activity test."""
    return CURRENT.get() is not None or off_workflow() is not None


def in_workflow_run() -> bool:
    """Whether the caller is a durable run's graph in the workflow itself: only there are the
    workflow's clock and random stream available (a thread the graph started has neither)."""
    return CURRENT.get() is not None and workflow.in_workflow()


def entered(what: str) -> DurableRun | None:
    """The run an intercepted call (``what``) is made in; None when the framework's own code should
    run instead. Refuses the call on a thread the run started (see :func:`refuse_off_workflow`)."""
    refuse_off_workflow(what)
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

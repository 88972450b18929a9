"""Whose retries decide: the graph's own retry around a model call, not Temporal's on top of it.

A model call runs in an activity that Temporal retries (``model_policy``: up to 8 attempts), and
the provider client inside it retries too (``ChatOpenAI(max_retries=2)``). When the graph has
its own retry around the call — LangChain's ``ModelRetryMiddleware`` (or
``ModelFallbackMiddleware``, which answers a failure with the next model), or a node's
``retry_policy`` — a failure Temporal retried first would be retried again by the graph: the
attempts multiply (3 client requests x 8 Temporal attempts x 3 middleware attempts).

So, inside such a retry, the call is marked (``ModelRequest.retried_by``) and its activity makes
one attempt per framework attempt: the provider's error comes back as data
(:class:`ModelFailure`) and is raised in the workflow, where the user's policy sees it and
decides, exactly as in a plain run. The client's own retries inside the attempt stay as in the
plain run. Temporal still retries what the user's policy never sees: a worker lost mid-call or an
attempt that timed out.

How the retry is found: a node's ``retry_policy`` (or the graph's) from the hosted graph, for the
node LangGraph's config names; ``ModelRetryMiddleware``: the workflow-side call walks up the current stack (the awaiting
coroutines' frames) for a ``ModelRetryMiddleware.(a)wrap_model_call`` or LangGraph's
``(a)run_with_retry`` with a retry policy, and on through the task that gathered this one
(``BaseChatModel.agenerate`` runs each generation in a task of ``asyncio.gather``; LangChain
runs a runnable's coroutine in a task of its own context).
Deterministic: the same code path on every replay. Not found (so Temporal retries as without
a graph retry): a ``retry_policy`` of a node inside a subgraph or of a Functional API ``@task``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

from durable_adapters.adapter import DurableCallError, reference, resolve

from ._payloads import ModelFailure

_GRAPH_RETRY = {"run_with_retry", "arun_with_retry"}
_MIDDLEWARE_RETRY = {"wrap_model_call", "awrap_model_call"}


def _recovering_middleware(obj: Any) -> str | None:
    """The name of LangChain's middleware that recovers from a failed model call itself
    (``ModelRetryMiddleware`` retries it, ``ModelFallbackMiddleware`` moves to the next model)."""
    try:
        from langchain.agents.middleware import ModelFallbackMiddleware, ModelRetryMiddleware
    except ImportError:  # langchain is optional for a LangGraph user
        return None
    if isinstance(obj, (ModelRetryMiddleware, ModelFallbackMiddleware)):
        return type(obj).__name__
    return None


def enclosing_retry(graph: Any = None) -> str | None:
    """The retry of the graph's own around the model call being made here, if any:
    ``"ModelRetryMiddleware"``, ``"ModelFallbackMiddleware"`` or ``"retry_policy"`` (a node's or
    the graph's)."""
    if graph is not None and _node_has_retry_policy(graph):
        return "retry_policy"
    for frame in _callers():
        name = frame.f_code.co_name
        if name in _MIDDLEWARE_RETRY and (middleware := _recovering_middleware(frame.f_locals.get("self"))):
            return middleware
        if name in _GRAPH_RETRY:
            task = frame.f_locals.get("task")
            if getattr(task, "retry_policy", None) or frame.f_locals.get("retry_policy"):
                return "retry_policy"
    return None


def _node_has_retry_policy(graph: Any) -> bool:
    """Whether the node of ``graph`` (the hosted, root graph) that makes this call has a retry
    policy, its own or the graph's: LangGraph's config names the node (``langgraph_node``); a
    node of a subgraph (``|`` in its namespace) is not looked up."""
    from langchain_core.runnables.config import var_child_runnable_config

    metadata = (var_child_runnable_config.get() or {}).get("metadata") or {}
    name, ns = metadata.get("langgraph_node"), str(metadata.get("langgraph_checkpoint_ns") or "")
    nodes = getattr(graph, "nodes", None)
    if not isinstance(name, str) or "|" in ns or not isinstance(nodes, dict) or name not in nodes:
        return False
    return bool(getattr(nodes[name], "retry_policy", None) or getattr(graph, "retry_policy", None))


def _callers() -> Iterator[FrameType]:
    """The frames this call runs under: the running stack, then those of each task that awaits
    this one's task through ``asyncio.gather``."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        yield frame
        frame = frame.f_back
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return
    seen: set[int] = set()
    while task is not None and id(task) not in seen:
        seen.add(id(task))
        task = _gathering(task)
        if task is not None:
            yield from _suspended_frames(task)


def _gathering(task: asyncio.Task[Any]) -> asyncio.Task[Any] | None:
    """The task waiting on ``task``: directly (LangChain runs a runnable's coroutine in a task of
    its own context) or through a gather of which ``task`` is a part."""
    for other in asyncio.all_tasks():
        waiter = getattr(other, "_fut_waiter", None)
        if waiter is not None and (waiter is task or task in (getattr(waiter, "_children", None) or ())):
            return other
    return None


def _suspended_frames(task: asyncio.Task[Any]) -> Iterator[FrameType]:
    """A suspended task's frames, innermost last (its coroutine, then what each one awaits)."""
    frames = []
    coro: Any = task.get_coro()
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            frames.append(frame)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None) or getattr(coro, "ag_await", None)
    yield from reversed(frames)


def failure_of(exc: Exception) -> dict[str, Any]:
    """A provider's error as data (activity side)."""
    status = getattr(exc, "status_code", None)
    return ModelFailure(
        type=reference(type(exc)), message=str(exc), status_code=status if isinstance(status, int) else None
    ).data()


def error_of(failure: ModelFailure, summary: str) -> Exception:
    """The exception :func:`failure_of` wrote, as its own class (workflow side), so the graph's
    retry (``retry_on=(openai.RateLimitError,)``, a node's ``retry_on``) sees what a plain run's
    does: same type, same ``str()``, the same ``status_code``. Its HTTP response is not kept.
    A class this process cannot import becomes a :class:`DurableCallError` naming it."""
    try:
        cls = resolve(failure.type)
    except (ImportError, AttributeError):
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        return DurableCallError(failure.message, type=failure.type.replace(":", "."), summary=summary)
    # Built without its __init__: provider errors want the live HTTP response, which is not data.
    error = cls.__new__(cls)
    Exception.__init__(error, failure.message)
    error.message = failure.message  # type: ignore[attr-defined]
    if failure.status_code is not None:
        error.status_code = failure.status_code  # type: ignore[attr-defined]
    return error

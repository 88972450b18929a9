"""Agents built during a run (in a function tool, on each call): called by name, not by hosting.

The SDK's docs write "agents as tools with custom logic" with the sub-agent built inside the tool::

    @function_tool
    async def run_my_agent(text: str) -> str:
        agent = Agent(name="Translator", instructions="...", model="gpt-4o-mini")
        return str((await Runner.run(agent, text)).final_output)

Such a tool's body runs in the workflow (``_tool_runs``). A worker knows hosted agents by name,
but this one did not exist before the call. When everything its model calls need travels in the
request — no tools, handoffs, MCP servers, guardrails or hooks, and a model *name* (or none) — its
stand-in's model calls go out under :func:`inline_key` with the model name in the request
(:data:`INLINE_MODEL_FIELD`), and the worker makes the model the way a plain run would (the SDK's
default provider). Anything else (an agent built with tools, say) cannot be rebuilt from a
request: the tool then runs as one activity instead, its nested run a plain run inside it, as
before (see ``_tool_runs.workflow_tool``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agents import Agent

INLINE_PREFIX = "inline:"
"""Model call key of an agent built during the run: ``inline:<agent name>`` (persisted)."""

INLINE_MODEL_FIELD = "inline_model"
"""The model request's field with such an agent's model name; absent for the default model (persisted)."""

_IN_TOOL: contextvars.ContextVar[bool] = contextvars.ContextVar("durable_openai_agents_tool_body", default=False)


def inline_key(agent: Agent[Any]) -> str:
    return f"{INLINE_PREFIX}{agent.name}"


def is_inline_key(key: str) -> bool:
    return key.startswith(INLINE_PREFIX)


def inline_model_problem(agent: Agent[Any]) -> str | None:
    """Why the worker could not rebuild ``agent``'s model calls from a request alone, or None if it can."""
    if agent.model is not None and not isinstance(agent.model, str):
        return f"its model is an object ({type(agent.model).__name__})"
    for what in ("tools", "handoffs", "mcp_servers", "input_guardrails", "output_guardrails"):
        if getattr(agent, what, None):
            return f"it has {what}"
    if agent.hooks is not None:
        return "it has hooks"
    return None


def worker_agent(key: str, model: str | None) -> Agent[Any]:
    """The agent a worker calls the model of, for a key made by :func:`inline_key` (activity side)."""
    return Agent(name=key[len(INLINE_PREFIX) :], model=model)


@contextmanager
def tool_body() -> Iterator[None]:
    """Marks a function tool's body running in the workflow (see :class:`BuiltAgentNotInline`)."""
    token = _IN_TOOL.set(True)
    try:
        yield
    finally:
        _IN_TOOL.reset(token)


def built_in_a_tool() -> bool:
    return _IN_TOOL.get()


class BuiltAgentNotInline(BaseException):
    """A tool's body built an agent the worker cannot rebuild: the tool is run as one activity instead.

    A ``BaseException``, so that the tool's own code and the SDK's handlers let it through to
    ``_tool_runs``, which starts the tool again as an activity.
    """

    def __init__(self, agent: Agent[Any], reason: str) -> None:
        super().__init__(f"agent {agent.name!r} built in a tool cannot be called by name: {reason}")

"""The durable run in progress, as seen by the interceptors (workflow side only).

CrewAI's LLMs and tools are intercepted at class level (``_llm``, ``_tools``) because the crew's
objects are shared: ``@tool`` objects are module singletons used by every crew, and a per-run
copy of a crew still shares them. The interceptors act only while :data:`CURRENT` holds a run,
which the adapter sets inside the workflow, and only for the objects of *that* run's copy of the
crew, found by identity; every other caller (a plain run in another thread, an activity) gets
CrewAI's own code.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

from durable_adapters.adapter import DurableCalls, UnsupportedError


@dataclass
class CrewRun:
    """One durable run: its calls, and the stable key of each LLM and tool of its crew copy."""

    calls: DurableCalls
    llm_keys: dict[int, str] = field(default_factory=dict)
    tool_keys: dict[int, str] = field(default_factory=dict)
    keep_alive: list[Any] = field(default_factory=list)
    """The keyed objects themselves, so no id in the maps is reused by a new object mid-run."""
    agent_places: dict[int, str] = field(default_factory=dict)
    """Where each agent of the crew copy is (``agents[0]``, ``manager_agent``), by id: streamed
    chunks name the agent at that place in the client's own crew (see ``_stream``)."""
    flow: bool = False
    """A flow's run: the LLMs and tools its methods make are keyed by what they are when first
    called (``_flow_calls``), not refused for lacking a path in a hosted crew."""
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """In a flow's run, what each key's request carries so a worker can build the object (``_flow_calls``)."""

    def refuse(self, message: str) -> UnsupportedError:
        """Record that the run reached something it cannot do durably, and return the error to raise.

        CrewAI catches the exceptions of many of its steps and goes on: an LLM guardrail that fails
        counts as a rejected output, a failed task is retried (``max_retry_limit``). An
        :class:`UnsupportedError` raised there would be swallowed and the run would go on down
        another path than a plain run takes, paying for more model calls. So the first refusal is
        kept on the run's calls: every later model or tool call of the run raises it again at once
        (:meth:`check`), and the workflow fails the run with it whatever CrewAI made of it. Each
        raise is a new exception object: one object raised again inside CrewAI's handlers would
        end up in its own ``__context__`` chain, which Temporal's failure converter follows
        without end.
        """
        self.calls.refuse(UnsupportedError(message))  # the workflow fails the run with the first
        return UnsupportedError(str(self.calls.refusal))

    def check(self) -> None:
        """Raise the run's refusal, if it reached one."""
        if self.calls.refusal is not None:
            raise UnsupportedError(str(self.calls.refusal))

    def add(self, models: dict[str, Any], tools: dict[str, Any]) -> None:
        # First key wins: one object reachable under two paths (a tool singleton given to two
        # agents) resolves to the same live object in the worker under either key.
        for key, llm in models.items():
            self.llm_keys.setdefault(id(llm), key)
            self.keep_alive.append(llm)
        for key, tool in tools.items():
            self.tool_keys.setdefault(id(tool), key)
            self.keep_alive.append(tool)


@dataclass
class HostedCrew:
    """What the adapter keeps for one hosted crew or agent (``Hosted.state``)."""

    classes: dict[str, type] = field(default_factory=dict)
    """The structured-output classes it may meet, by the reference written in history
    (``module:qualname``): found on the live objects, and each response_format a client passed,
    so a class defined in a script (``__main__``) or a function resolves without an import."""


CURRENT: contextvars.ContextVar[CrewRun | None] = contextvars.ContextVar("durable_crewai_run", default=None)
"""The run whose crew copy is executing in this context, or None outside durable runs."""


def current() -> CrewRun | None:
    return CURRENT.get()

"""The durable run a piece of LangChain code is part of, if any.

The class-level interceptions (``_model``, ``_toolset``, ``_ids``) are installed once per
process and do nothing unless :data:`CURRENT` is set: it is set by the adapter only while the
graph runs inside the workflow, and contextvars follow the graph into the tasks and bridged
greenlets it starts. Plain runs in the same process, and the activities themselves, see the
framework unchanged.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

from durable_adapters import DurableCalls, Hosted


@dataclass
class DurableRun:
    """What an intercepted call needs: the run's calls and the hosted graph's registry entry."""

    calls: DurableCalls
    hosted: Hosted
    refusals: list[BaseException] = field(default_factory=list)
    """Refusals raised inside the graph; re-raised by the adapter even if user code swallowed them."""


CURRENT: contextvars.ContextVar[DurableRun | None] = contextvars.ContextVar("durable_langgraph_run", default=None)


def current() -> DurableRun | None:
    return CURRENT.get()


def refuse(error: BaseException) -> BaseException:
    """Record a refusal (so a framework that catches exceptions cannot turn it into data) and return it."""
    run = CURRENT.get()
    if run is not None:
        run.refusals.append(error)
    return error

"""What passes between a running workflow and its clients besides input and result.

* Human input: framework code asks for input (LangGraph's ``interrupt()``, CrewAI's
  ``human_input``) with :meth:`RunChannel.wait_for_input`; the run waits durably — across worker
  restarts, with no worker busy — until a client sends the answer with the ``resume`` update.
* Progress events: framework code records events (a graph's node-by-node updates) with
  :meth:`RunChannel.emit`; clients read them with the ``events`` query while the run goes on.

Both live in workflow state, so a replay rebuilds them exactly: answers come back from the
recorded updates, events are emitted again by the replayed code.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from pydantic import BaseModel
from temporalio import workflow


class EventsPage(BaseModel):
    """Events ``events[after:]`` and the index to ask from next time."""

    events: list[dict[str, Any]]
    next: int


class RunChannel:
    """Human input and progress events of one run. Workflow side only."""

    def __init__(self) -> None:
        self._answers: deque[Any] = deque()
        self.pending: dict[str, Any] | None = None
        self._events: list[dict[str, Any]] = []

    # -- human input ---------------------------------------------------------------------------
    async def wait_for_input(self, prompt: dict[str, Any]) -> Any:
        """Wait, durably, for the answer to ``prompt`` and return it."""
        self.pending = prompt
        try:
            await workflow.wait_condition(lambda: bool(self._answers))
            return self._answers.popleft()
        finally:
            self.pending = None

    def answer(self, value: Any) -> None:
        self._answers.append(value)

    # -- progress events -----------------------------------------------------------------------
    def emit(self, event: dict[str, Any]) -> None:
        """Record a progress event; nothing is scheduled and nothing goes into history."""
        self._events.append(event)

    def page(self, after: int) -> EventsPage:
        return EventsPage(events=self._events[after:], next=len(self._events))

"""What passes between a running workflow and its clients besides input and result.

* Human input: framework code asks for input (LangGraph's ``interrupt()``, CrewAI's
  ``human_input``) with :meth:`RunChannel.wait_for_input`; the run waits durably — across worker
  restarts, with no worker busy — until a client sends the answer with the ``resume`` update.
* Progress events: framework code records events (a graph's node-by-node updates) with
  :meth:`RunChannel.emit`; clients read them with the ``events`` query while the run goes on.
* The run's stream: the same events in order, with a marker where each streamed model call
  starts and one where it ends (:meth:`RunChannel.call_started` / :meth:`RunChannel.call_ended`).
  Clients read it with the ``stream`` query and splice each call's live chunks in at its
  marker (see ``_stream``).

All of it lives in workflow state, so a replay rebuilds it exactly: answers come back from the
recorded updates, events and markers are emitted again by the replayed code. None of it is
written to history.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Literal

from pydantic import BaseModel
from temporalio import workflow

from ._live import Wakeups
from ._payloads import StreamLocation


class EventsPage(BaseModel):
    """Events ``events[after:]`` and the index to ask from next time."""

    events: list[dict[str, Any]]
    next: int


class StreamItem(BaseModel):
    """One item of a run's stream: an event, or the start or end of a streamed model call."""

    kind: Literal["event", "call", "call_end"]
    event: dict[str, Any] | None = None
    """``event``: what the adapter emitted."""
    call: str | None = None
    """``call`` / ``call_end``: the call's activity id."""
    info: dict[str, Any] | None = None
    """``call``: what the adapter gave with the call (``stream_info``)."""
    failed: bool = False
    """``call_end``: the call failed for good."""
    location: StreamLocation | None = None
    """``call_end``: where the attempt that succeeded published its chunks."""


class StreamPage(BaseModel):
    """Items ``items[after:]`` of a run's stream and the index to ask from next time."""

    items: list[StreamItem]
    next: int


CHANGES = Wakeups()
"""Woken, in this process, whenever the stream of a run this process's worker runs grows: a
consumer here asks again at once instead of polling (keyed by workflow id)."""


class RunChannel:
    """Human input, progress events and the stream of one run. Workflow side only."""

    def __init__(self) -> None:
        self._answers: deque[Any] = deque()
        self.pending: dict[str, Any] | None = None
        self._events: list[dict[str, Any]] = []
        self._items: list[StreamItem] = []

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
        self._add(StreamItem(kind="event", event=event))

    def page(self, after: int) -> EventsPage:
        return EventsPage(events=self._events[after:], next=len(self._events))

    # -- the stream ----------------------------------------------------------------------------
    def call_started(self, call: str, info: dict[str, Any] | None = None) -> None:
        """A streamed model call starts here: its live chunks belong at this point of the stream."""
        self._add(StreamItem(kind="call", call=call, info=info))

    def call_ended(self, call: str, *, failed: bool = False, location: StreamLocation | None = None) -> None:
        self._add(StreamItem(kind="call_end", call=call, failed=failed, location=location))

    def stream_page(self, after: int) -> StreamPage:
        return StreamPage(items=self._items[after:], next=len(self._items))

    def _add(self, item: StreamItem) -> None:
        self._items.append(item)
        CHANGES.notify(workflow.info().workflow_id)

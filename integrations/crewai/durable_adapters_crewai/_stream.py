"""CrewAI's own streaming (``Crew(stream=True)``) through a durable run: the chunks of each LLM call.

In a plain streamed kickoff CrewAI sets ``stream=True`` on every agent's LLM and runs the crew
unstreamed; each provider emits an ``LLMStreamChunkEvent`` per delta, and a handler turns each
into a ``StreamChunk`` (content, text or tool-call kind, the agent from the call's
``from_agent``; task fields are CrewAI's initial ``TaskInfo``, which no release up to 1.15.x
updates). A durable run splits that across the three places it runs in:

* **Activity** (:func:`publishing`): the live LLM streams as in a plain run; a CrewAI stream sink
  (scoped to the activity's thread, so nothing else in the worker sees it) publishes each chunk
  event of that LLM as JSON (:func:`chunk_data`) to the call's live stream. The recorded result
  stays the complete answer.
* **Workflow** (:func:`started_event`, :func:`completed_event`): the call's agent, which only the
  workflow knows, is emitted just before the call, and the answer as chunks just after it, for
  a consumer that reaches the call only after it finished.
* **Client** (:class:`ChunkReader`): the run's stream items become CrewAI's ``StreamChunk``s,
  made by CrewAI's own ``_create_stream_chunk`` from the rebuilt chunk event. A call restarted
  after its worker died shows as a :class:`CallRestarted` chunk, then the retried call's chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from crewai.events.stream_context import add_stream_sink, reset_stream_sinks
from crewai.events.types.llm_events import LLMStreamChunkEvent
from crewai.llms.base_llm import BaseLLM
from crewai.types.streaming import StreamChunk
from crewai.utilities.streaming import TaskInfo, _create_stream_chunk
from pydantic import BaseModel, Field

from durable_adapters.adapter import StreamEvent

from ._payloads import StreamCallCompleted, StreamCallStarted
from ._run import CrewRun

_CHUNK_FIELDS = {"chunk", "tool_call", "call_type", "response_id", "call_id"}


# -- activity side ------------------------------------------------------------------------------


class Publisher(Protocol):
    """The call's live stream (``durable_adapters.adapter.live_stream()``)."""

    def publish(self, chunk: dict[str, Any]) -> None: ...


def chunk_data(event: LLMStreamChunkEvent) -> dict[str, Any]:
    """One chunk event as JSON: what the activity publishes (the agent fields are the workflow's)."""
    return event.model_dump(mode="json", include=_CHUNK_FIELDS)


@contextmanager
def publishing(llm: BaseLLM, stream: Publisher) -> Iterator[None]:
    """While the block runs (in the calling thread's context), publish every chunk ``llm`` streams.

    CrewAI hands every event it prepares to the stream sinks of the emitting context
    (``crewai.events.stream_context``), synchronously and in order; this sink keeps the chunk
    events of ``llm`` (the activity's per-call copy) and nothing else."""

    def sink(source: Any, event: Any) -> None:
        if source is llm and isinstance(event, LLMStreamChunkEvent):
            stream.publish(chunk_data(event))

    token = add_stream_sink(sink)
    try:
        yield
    finally:
        reset_stream_sinks(token)


# -- workflow side ------------------------------------------------------------------------------


def started_event(run: CrewRun, from_agent: Any) -> dict[str, Any]:
    """What the workflow emits before a streamed call: the agent CrewAI's chunks name."""
    return StreamCallStarted(
        agent_role=getattr(from_agent, "role", None),
        agent_id=str(from_agent.id) if from_agent is not None else None,
        agent=run.agent_places.get(id(from_agent)) if from_agent is not None else None,
    ).data()


def _tool_call(item: Any, index: int) -> dict[str, Any] | None:
    data = item.model_dump(mode="json") if isinstance(item, BaseModel) else item
    if not isinstance(data, dict) or not isinstance(data.get("function"), dict):
        return None
    function = data["function"]
    return {
        "id": data.get("id"),
        "function": {"name": function.get("name") or "", "arguments": function.get("arguments") or ""},
        "type": data.get("type") or "function",
        "index": data.get("index", index),
    }


def answer_chunks(result: Any) -> list[dict[str, Any]]:
    """A call's complete answer in the form of its streamed chunks (one per text or tool call):
    the content a consumer that missed the live stream is shown."""
    if isinstance(result, list):
        calls = [_tool_call(item, i) for i, item in enumerate(result)]
        if calls and all(call is not None for call in calls):
            return [
                {"chunk": call["function"]["arguments"], "tool_call": call, "call_type": "tool_call"}
                for call in calls
                if call is not None
            ]
    if isinstance(result, BaseModel):
        return [{"chunk": result.model_dump_json()}]
    text = result if isinstance(result, str) else str(result)
    return [{"chunk": text}] if text else []


def completed_event(result: Any) -> dict[str, Any]:
    """What the workflow emits after a streamed call returned: its answer as chunks."""
    return StreamCallCompleted(chunks=answer_chunks(result)).data()


# -- client side --------------------------------------------------------------------------------


class CallRestarted(StreamChunk):
    """A streamed LLM call started again: its worker died mid-answer and Temporal retried it.

    The ``retracted`` chunks yielded just before this one belong to the interrupted attempt and
    are not part of the run's answer; the retried call's chunks follow, from its first. Its
    ``content`` is empty, so joining chunks' content never picks anything up from it."""

    content: str = ""
    call: str = Field(description="The call's activity id, e.g. '3 model agents[0].llm'")
    attempt: int = Field(
        description="The attempt whose chunks follow; 0 when the live stream was lost and the call's "
        "whole answer follows from the run's record"
    )
    retracted: int = Field(description="How many chunks just before this one the restart discards")


def _initial_task_info() -> TaskInfo:
    # CrewAI's StreamingContext starts every crew's stream with this and never updates it.
    return {"index": 0, "name": "", "id": "", "agent_role": "", "agent_id": ""}


@dataclass
class _Call:
    name: str
    started: dict[str, Any] | None
    yielded: int = 0
    missed: bool = False


class ChunkReader:
    """Turns a run's stream (``RunHandle.stream()``) into CrewAI's ``StreamChunk``s, in order."""

    def __init__(self, agent_ids: dict[str, str]) -> None:
        self._agent_ids = agent_ids
        """The client's own crew: the id of the agent at each place (``agents[0]``)."""
        self._task_info = _initial_task_info()
        self._next_started: dict[str, Any] | None = None
        self._calls: dict[str, _Call] = {}
        self._last_finished: _Call | None = None

    def _chunk(self, data: dict[str, Any], call: _Call) -> StreamChunk:
        started = call.started or {}
        place = started.get("agent")
        agent_id = self._agent_ids.get(place) if place else None
        event = LLMStreamChunkEvent.model_validate(
            {**data, "agent_role": started.get("agent_role"), "agent_id": agent_id or started.get("agent_id")}
        )
        return _create_stream_chunk(event, self._task_info)

    def feed(self, item: StreamEvent) -> list[StreamChunk]:
        """The chunks ``item`` stands for (none for most items)."""
        if item.kind == "event":
            event = item.event or {}
            if event.get("kind") == "crewai.llm_stream_started":
                self._next_started = event
            elif event.get("kind") == "crewai.llm_stream_completed":
                missed, self._last_finished = self._last_finished, None
                if missed is not None and missed.missed:
                    return self._content_of(missed, event["chunks"])
            return []
        assert item.call is not None
        if item.kind == "call_started":
            self._calls[item.call] = _Call(item.call, self._next_started)
            self._next_started = None
            return []
        call = self._calls.setdefault(item.call, _Call(item.call, None))
        if item.kind == "chunk":
            assert item.chunk is not None
            call.yielded += 1
            return [self._chunk(item.chunk, call)]
        if item.kind == "call_restarted":
            return [self._restart(call, item.attempt or 0)]
        # call_finished
        self._calls.pop(item.call, None)
        call.missed = not item.streamed and not item.failed
        self._last_finished = call
        return []

    def _restart(self, call: _Call, attempt: int) -> CallRestarted:
        started = call.started or {}
        place = started.get("agent")
        restart = CallRestarted(
            call=call.name,
            attempt=attempt,
            retracted=call.yielded,
            agent_role=started.get("agent_role") or "",
            agent_id=(self._agent_ids.get(place) if place else None) or started.get("agent_id") or "",
        )
        call.yielded = 0
        return restart

    def _content_of(self, call: _Call, chunks: list[dict[str, Any]]) -> list[StreamChunk]:
        # The consumer reached the call after it ended: its content comes from the run's events.
        # If part of a stream had been yielded (a stream lost mid-way), that part is retracted first.
        out: list[StreamChunk] = []
        if call.yielded:
            out.append(self._restart(call, 0))
        out.extend(self._chunk({"call_id": "", **data}, call) for data in chunks)
        return out

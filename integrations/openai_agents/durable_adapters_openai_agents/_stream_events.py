"""A streamed run's events: put into the run's stream by the workflow, turned back into the SDK's on the client.

Workflow side, :func:`emit_events` makes every event the SDK's streamed loop produces go into the
run's stream (``DurableCalls.emit``) at the moment the loop produces it: the loop's event queue is
replaced by an :class:`EmittingQueue`. Emitting when events are *produced* — not when a consumer
takes them — keeps them in the loop's order relative to the model calls, whose start the core
marks in the same stream as the call is made.

Client side, :func:`follow` reads the run's stream and feeds a real ``RunResultStreaming``: each
raw event the model activity published becomes a ``RawResponsesStreamEvent`` as it arrives, each
emitted event becomes the SDK's ``RunItemStreamEvent`` / ``AgentUpdatedStreamEvent``. The workflow
also emits each call's ``response.completed`` event (rebuilt from the recorded response); the
client yields it only when it did not receive that call's own events live (a consumer that came
late, or a call made while it was away), so no event is yielded twice. A model call whose worker
died mid-stream is announced by a :class:`ModelCallRestarted` event, then the retried call's
events follow from its first.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any, Literal

from agents import Agent, AgentUpdatedStreamEvent, RawResponsesStreamEvent, RunItemStreamEvent, RunResultStreaming
from agents.run_internal.run_steps import QueueCompleteSentinel
from pydantic import TypeAdapter

from durable_adapters import RunFailedError
from durable_adapters.adapter import DurableCalls, RunHandle

from ._errors import raised_again
from ._payloads import ModelChunk, StreamedAgent, StreamedEvent, StreamedItem, StreamedResponse
from ._raw_events import dump_raw_event, load_raw_event
from ._result import decode_run_item, encode_run_item

_STREAMED_EVENT: TypeAdapter[StreamedEvent] = TypeAdapter(StreamedEvent)


@dataclass
class ModelCallRestarted:
    """A model call whose worker was lost mid-stream runs again: its events so far are void.

    Not an SDK event (a plain run has no such thing). The retried call's raw events follow, from
    its first; a consumer that shows token deltas should drop what it showed of ``call``.
    """

    call: str
    """The call's activity id, e.g. ``"3 model triage"``."""
    attempt: int
    """The attempt now running (2 for the first retry)."""

    type: Literal["model_call_restarted"] = "model_call_restarted"


# -- workflow side ----------------------------------------------------------------------------


def encode_event(event: Any) -> dict[str, Any] | None:
    """An SDK stream event as the JSON the run's stream carries (None for the queue's end marker)."""
    if isinstance(event, RunItemStreamEvent):
        return StreamedItem(kind="run_item", name=event.name, item=encode_run_item(event.item)).data()
    if isinstance(event, AgentUpdatedStreamEvent):
        return StreamedAgent(kind="agent_updated", agent=event.new_agent.name).data()
    if isinstance(event, RawResponsesStreamEvent):
        # In the workflow the only raw event is the completed one ActivityModel.stream_response yields.
        return StreamedResponse(kind="raw_response", event=dump_raw_event(event.data)).data()
    return None


class EmittingQueue(asyncio.Queue[Any]):
    """The SDK loop's event queue, putting each event into the run's stream as it is queued."""

    def __init__(self, calls: DurableCalls) -> None:
        super().__init__()
        self._calls = calls

    def put_nowait(self, item: Any) -> None:
        encoded = encode_event(item)
        if encoded is not None:
            self._calls.emit(encoded)
        super().put_nowait(item)


def emit_events(streamed: RunResultStreaming, calls: DurableCalls) -> None:
    """Emit every event of ``streamed`` (just started, its loop not yet running) as it is produced."""
    streamed._event_queue = EmittingQueue(calls)


# -- client side ------------------------------------------------------------------------------


def decode_event(data: dict[str, Any], agents: dict[str, Agent[Any]]) -> Any:
    event = _STREAMED_EVENT.validate_python(data)
    if isinstance(event, StreamedItem):
        return RunItemStreamEvent(name=event.name, item=decode_run_item(event.item, agents))  # type: ignore[arg-type]
    if isinstance(event, StreamedAgent):
        return AgentUpdatedStreamEvent(new_agent=agents[event.agent])
    return RawResponsesStreamEvent(data=load_raw_event(event.event))


async def follow(
    start: Any,
    streamed: RunResultStreaming,
    agents: dict[str, Agent[Any]],
) -> None:
    """Start (or attach to) the run with ``start()`` and feed its events to ``streamed`` until it ends.

    This is ``streamed.run_loop_task``: a failure of the run (``RunFailedError``) ends it, and the
    SDK's ``stream_events`` raises it, as it raises a plain run's exception.
    """
    # ModelCallRestarted goes in too: the queue is typed for the SDK's own events only.
    queue: asyncio.Queue[Any] = streamed._event_queue
    handle: RunHandle[Any] | None = None
    try:
        handle = await start()
        assert handle is not None
        # Whether the call that finished last was received live: its completed event then came
        # with its chunks, and the one the workflow emits after it is not yielded again.
        finished_live = False
        async for entry in handle.stream(after=-1):
            if entry.kind == "chunk":
                queue.put_nowait(
                    RawResponsesStreamEvent(data=load_raw_event(ModelChunk.model_validate(entry.chunk).event))
                )
            elif entry.kind == "call_restarted":
                queue.put_nowait(ModelCallRestarted(call=str(entry.call), attempt=int(entry.attempt or 0)))
            elif entry.kind == "call_finished":
                finished_live = bool(entry.streamed)
            elif entry.kind == "event":
                event = decode_event(entry.event or {}, agents)
                if isinstance(event, RawResponsesStreamEvent):
                    already_yielded, finished_live = finished_live, False
                    if already_yielded:
                        continue
                elif isinstance(event, AgentUpdatedStreamEvent):
                    streamed.current_agent = event.new_agent
                queue.put_nowait(event)
        try:
            result = await handle.result()
        except RunFailedError as failure:
            error = raised_again(failure, agents)  # the SDK's exception, as a plain stream raises it
            if error is failure:
                raise
            raise error from failure
        streamed.input = result.input
        streamed.new_items = result.new_items
        streamed.raw_responses = result.raw_responses
        streamed.final_output = result.final_output
        streamed.context_wrapper = result.context_wrapper
        streamed.current_agent = result.last_agent
        streamed.current_turn = len(result.raw_responses)
    except asyncio.CancelledError:
        # result.cancel(): the durable run stops too, as a plain run's loop does.
        if handle is not None:
            await asyncio.shield(_cancel(handle))
        raise
    finally:
        streamed.is_complete = True
        queue.put_nowait(QueueCompleteSentinel())


async def _cancel(handle: RunHandle[Any]) -> None:
    """Cancel the run and wait until it has ended (which also lets an embedded worker stop)."""
    await handle.cancel()
    with contextlib.suppress(Exception):
        await handle.result()

"""A durable run's stream as LangGraph's own chunks, live (the client side of ``astream``).

The run's stream (``RunHandle.stream()``) holds, in the run's order, what the workflow emitted —
LangGraph's chunks of the requested modes (:class:`StreamEvent`) and, just before each model call
whose tokens stream, a :class:`StreamedCall` — and, for each such call, the core's
``call_started`` marker, the chunks the activity publishes while the model answers, and
``call_finished``. Here they become what ``graph.astream`` yields:

* a streamed call's chunks become ``(AIMessageChunk, metadata)`` items of 'messages' mode, with
  the id and metadata the workflow announced, one per token, as in a plain run;
* the workflow's own 'messages' item of that call (LangGraph emits the whole answer when no
  token reached its handler, which is the case in the workflow) is dropped when the tokens were
  yielded live, and yielded as one ``AIMessageChunk`` when they were not (a consumer that reached
  the call only after it finished): each call's content is shown exactly once;
* a call restarted mid-stream (its worker died; Temporal retries it) first yields
  ``(RemoveMessage(id=<the call's message id>), metadata)`` — LangGraph's way to say "drop the
  message with this id" — and then the retried call's tokens, from its first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, RemoveMessage

from durable_adapters.adapter import RunHandle

from . import _structured_output
from ._model import as_chunk
from ._payloads import ModelChunk, StreamedCall, StreamEvent
from ._values import decode, decode_tree

Item = tuple[tuple[str, ...], str, Any]
"""``(namespace, mode, chunk)``, as ``graph.astream(..., subgraphs=True)`` yields with several modes."""

_TUPLE_METADATA = ("langgraph_triggers", "langgraph_path")


def _with_tuples(metadata: Any) -> Any:
    """Metadata of a whole-answer item as LangGraph has it (JSON made its tuples lists)."""

    def tuples(value: Any) -> Any:
        return tuple(tuples(item) for item in value) if isinstance(value, list) else value

    if isinstance(metadata, dict):
        return {key: tuples(value) if key in _TUPLE_METADATA else value for key, value in metadata.items()}
    return metadata


@dataclass
class _Call:
    """A model call whose tokens the run streams, as the workflow announced it."""

    message_id: str
    views: list[tuple[tuple[str, ...], dict[str, Any]]]
    shown: int = 0
    """Chunks of the current attempt yielded so far."""
    streamed: bool | None = None
    """From ``call_finished``: every chunk of the successful attempt was yielded live."""


async def items(handle: RunHandle[Any], *, own_thread: bool = False, after: int = -1) -> AsyncIterator[Item]:
    """Every chunk of the run's requested stream modes, as LangGraph objects, live; ends with the run.

    ``own_thread``: the caller gave no ``thread_id``, so the one the workflow gives the run
    (``run:<run id>``, for ``interrupt()``) is left out of 'messages' metadata, as in a plain run.
    """
    async for ns, mode, chunk in _items(handle, after):
        if own_thread and mode == "messages" and isinstance(chunk, tuple) and isinstance(chunk[1], dict):
            chunk = (chunk[0], {key: value for key, value in chunk[1].items() if key != "thread_id"})
        yield ns, mode, chunk


async def _items(handle: RunHandle[Any], after: int) -> AsyncIterator[Item]:
    by_call: dict[str, _Call] = {}
    by_message: dict[str, _Call] = {}
    announced: _Call | None = None
    async for ev in handle.stream(after=after):
        pending, announced = announced, None
        if ev.kind == "event" and ev.event is not None:
            if "streamed_call" in ev.event:
                data = StreamedCall.model_validate(ev.event)
                views = [(tuple(view.ns), decode_tree(view.metadata)) for view in data.views]
                announced = _Call(message_id=data.streamed_call, views=views)
                by_message[announced.message_id] = announced
                continue
            for item in _event(StreamEvent.model_validate(ev.event), by_message):
                yield item
        elif ev.kind == "call_started" and ev.call is not None and pending is not None:
            by_call[ev.call] = pending  # announced right before its start: the workflow's order
        elif ev.kind == "chunk" and ev.chunk is not None and (call := by_call.get(ev.call or "")) is not None:
            live = ModelChunk.model_validate(ev.chunk)
            message = _structured_output.parsed_in_chunk(decode(live.message), live.parsed_as)
            if message.id is None:
                message.id = call.message_id
            call.shown += 1
            for ns, metadata in call.views:
                yield ns, "messages", (message, metadata)
        elif ev.kind == "call_restarted" and (call := by_call.get(ev.call or "")) is not None:
            for item in _retract(call):
                yield item
        elif ev.kind == "call_finished" and (call := by_call.get(ev.call or "")) is not None:
            call.streamed = bool(ev.streamed) and not ev.failed


def _retract(call: _Call) -> list[Item]:
    """What the consumer was shown of the call's current attempt is void: say so, LangGraph's way."""
    if not call.shown:
        return []
    call.shown = 0
    return [(ns, "messages", (RemoveMessage(id=call.message_id), metadata)) for ns, metadata in call.views]


def _event(event: StreamEvent, by_message: dict[str, _Call]) -> list[Item]:
    ns = tuple(event.ns)
    chunk = decode(event.chunk)
    if event.mode != "messages" or not isinstance(chunk, list) or len(chunk) != 2:
        return [(ns, event.mode, chunk)]
    message, metadata = chunk[0], _with_tuples(chunk[1])
    call = by_message.get(message.id) if isinstance(message, AIMessage) and message.id else None
    if call is None or not call.views:
        return [(ns, "messages", (message, metadata))]
    if call.streamed:
        return []  # its tokens were yielded live
    # Reached only after the call finished (or its live stream was lost): the whole answer, once.
    return [*_retract(call), (ns, "messages", (as_chunk(message), metadata))]

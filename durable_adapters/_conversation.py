"""Conversation deltas: each model call records only what is new in its conversation.

A framework sends the whole conversation with every model call, so recording each call's input
whole makes a run's history grow with the square of its turns (Temporal's own OpenAI plugin hits
the history limit around call 53 of 100). Instead, the workflow records for each model call the
items that follow the longest prefix it shares with the previous call of the same model, and a
reference to that call (its activity id). History then grows with the conversation, not with
its square.

The activity side rebuilds the full list: from this worker's cache when it made the previous
call, and otherwise — after a failover, on a fresh worker — from the run's own history, by
replaying the chain of recorded deltas. Nothing is stored outside Temporal.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from pydantic import BaseModel
from temporalio import activity
from temporalio.api.enums.v1 import EventType

from ._names import MODEL_CALL_ACTIVITY


class ConversationDelta(BaseModel):
    """``request[field]`` = the first ``keep`` items of call ``base``'s list, then ``append``."""

    field: str
    base: str | None
    keep: int
    append: list[Any]
    base_run: str | None = None
    """The Temporal run whose history holds call ``base``, when it is an earlier run of a
    continued-as-new chain; None: the run that recorded this delta."""


# -- workflow side --------------------------------------------------------------------------


class ConversationTracker:
    """Remembers each model key's last list, to write the next call's list as a delta."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[str, str | None, list[Any]]] = {}

    def remember(self, key: str, activity_id: str, run: str | None, items: list[Any]) -> None:
        """Note a call an earlier run of the chain made (``run``), replayed by a fast-forward."""
        self._last[key] = (activity_id, run, items)

    def delta(self, key: str, activity_id: str, field: str, items: list[Any]) -> ConversationDelta:
        previous = self._last.get(key)
        keep = 0
        base = base_run = None
        if previous is not None:
            base, base_run, before = previous
            limit = min(len(before), len(items))
            while keep < limit and before[keep] == items[keep]:
                keep += 1
        self._last[key] = (activity_id, None, items)
        if not keep:
            base = base_run = None
        return ConversationDelta(field=field, base=base, keep=keep, append=items[keep:], base_run=base_run)


# -- activity side --------------------------------------------------------------------------

_CACHE_SIZE = 256
_cache: OrderedDict[tuple[str, str], list[Any]] = OrderedDict()
_cache_lock = threading.Lock()


def _remember(run_id: str, activity_id: str, items: list[Any]) -> None:
    with _cache_lock:
        _cache[(run_id, activity_id)] = items
        _cache.move_to_end((run_id, activity_id))
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def _cached(run_id: str, activity_id: str) -> list[Any] | None:
    with _cache_lock:
        return _cache.get((run_id, activity_id))


async def _deltas_from_history(run_id: str) -> dict[str, ConversationDelta]:
    """Every recorded model-call delta of run ``run_id`` (of the current activity's workflow), by activity id."""
    from ._payloads import CallInput  # a cycle otherwise: _payloads imports this module

    info = activity.info()
    client = activity.client()
    assert info.workflow_id is not None  # a model-call activity always belongs to a workflow
    handle = client.get_workflow_handle(info.workflow_id, run_id=run_id)
    deltas: dict[str, ConversationDelta] = {}
    async for event in handle.fetch_history_events():
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attributes = event.activity_task_scheduled_event_attributes
        if attributes.activity_type.name != MODEL_CALL_ACTIVITY:
            continue
        (call,) = await client.data_converter.decode(attributes.input.payloads, [CallInput])
        if call.conversation is not None:
            deltas[attributes.activity_id] = call.conversation
    return deltas


async def resolve(delta: ConversationDelta) -> list[Any]:
    """The full list ``delta`` stands for, in the current model-call activity."""
    info = activity.info()
    run_id = info.workflow_run_id or ""
    items = await _expand(delta, run_id, {})
    _remember(run_id, info.activity_id, items)
    return items


async def _expand(
    delta: ConversationDelta, run_id: str, recorded: dict[str, dict[str, ConversationDelta]]
) -> list[Any]:
    """``delta``, recorded in run ``run_id``, as a full list; ``recorded`` caches histories read, by run."""
    if delta.base is None:
        return list(delta.append)
    base_run = delta.base_run or run_id
    base_items = _cached(base_run, delta.base)
    if base_items is None:
        if base_run not in recorded:
            recorded[base_run] = await _deltas_from_history(base_run)
        base_items = await _expand(recorded[base_run][delta.base], base_run, recorded)
        _remember(base_run, delta.base, base_items)
    return base_items[: delta.keep] + list(delta.append)

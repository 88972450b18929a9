"""Reading a durable run's history call by call, as the Temporal UI shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle


@dataclass(frozen=True)
class RecordedCall:
    """One model or tool call of a run, from its history."""

    sequence: int
    kind: str  # "model" or "tool"
    key: str  # the registry key: agent name for models, "agent/tool" for OpenAI Agents tools
    activity_type: str
    scheduled_at: datetime
    completed_at: datetime | None
    attempt: int | None


async def recorded_calls(handle: WorkflowHandle[Any, Any] | Any) -> list[RecordedCall]:
    """The model and tool calls in ``handle``'s history (a ``RunHandle`` or a Temporal handle), in order."""
    workflow_handle = getattr(handle, "workflow_handle", handle)
    scheduled: dict[int, tuple[Any, datetime]] = {}
    done: dict[int, tuple[datetime, int]] = {}
    async for event in workflow_handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[event.event_id] = (event.activity_task_scheduled_event_attributes, event.event_time.ToDatetime())
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attrs = event.activity_task_started_event_attributes
            done.setdefault(attrs.scheduled_event_id, (event.event_time.ToDatetime(), attrs.attempt))
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            attrs = event.activity_task_completed_event_attributes
            attempt = done.get(attrs.scheduled_event_id, (None, None))[1]
            done[attrs.scheduled_event_id] = (event.event_time.ToDatetime(), attempt)  # type: ignore[assignment]
    calls = []
    for event_id, (attrs, at) in scheduled.items():
        sequence, kind, key = attrs.activity_id.split(" ", 2)
        completed, attempt = done.get(event_id, (None, None))
        calls.append(
            RecordedCall(
                sequence=int(sequence),
                kind=kind,
                key=key,
                activity_type=attrs.activity_type.name,
                scheduled_at=at,
                completed_at=completed,
                attempt=attempt,
            )
        )
    return sorted(calls, key=lambda call: call.sequence)


async def wait_for_call(
    handle: WorkflowHandle[Any, Any] | Any, *, kind: str | None = None, key: str | None = None, timeout: float = 60.0
) -> RecordedCall:
    """The run's first call of ``kind`` ("model"/"tool") and/or ``key``, once the run has scheduled it.

    A scheduled call may still be running: this is how a test or demo knows a call is in flight.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for call in await recorded_calls(handle):
            if (kind is None or call.kind == kind) and (key is None or call.key == key):
                return call
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the run scheduled no {kind or ''} call {key or ''} within {timeout:.0f} s")


def recorded_model_requests(history: Any) -> list[dict[str, Any]]:
    """Every model call's full request in a recorded history (a ``WorkflowHistory``), in order.

    Conversations recorded as deltas (see ``durable_adapters._conversation``) are rebuilt, so
    the result is what each call's model received, whichever way it was recorded.
    """
    import json

    from temporalio.api.enums.v1 import EventType as _EventType

    from .._names import MODEL_CALL_ACTIVITY

    lists: dict[str, list[Any]] = {}
    requests = []
    for event in history.events:
        if event.event_type != _EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attributes = event.activity_task_scheduled_event_attributes
        if attributes.activity_type.name != MODEL_CALL_ACTIVITY:
            continue
        call = json.loads(attributes.input.payloads[0].data)
        request = dict(call["request"])
        delta = call.get("conversation")
        if delta:
            base = lists[delta["base"]][: delta["keep"]] if delta["base"] else []
            items = base + delta["append"]
            lists[attributes.activity_id] = items
            request[delta["field"]] = items
        requests.append(request)
    return requests


async def history_json(handle: WorkflowHandle[Any, Any] | Any) -> str:
    """The run's whole history as Temporal's JSON (what ``temporal workflow show --output json`` prints)."""
    workflow_handle = getattr(handle, "workflow_handle", handle)
    history = await workflow_handle.fetch_history()
    return history.to_json()

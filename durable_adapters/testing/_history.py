"""Reading a durable run's history call by call, as the Temporal UI shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from .._names import MODEL_CALL_ACTIVITY, TOOL_CALL_ACTIVITY


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


async def run_histories(handle: WorkflowHandle[Any, Any] | Any) -> list[list[Any]]:
    """The history events of every Temporal run of a durable run, first run first.

    A long run continues as new (see ``durable_adapters._continue_as_new``); its calls are
    spread over a chain of Temporal runs under one workflow id.
    """
    from .._chain import runs_latest_first

    workflow_handle = getattr(handle, "workflow_handle", handle)
    client = workflow_handle._client  # noqa: SLF001 - the handle's own client, to open earlier runs
    return [events async for _, events in runs_latest_first(client, workflow_handle.id)][::-1]


async def recorded_calls(handle: WorkflowHandle[Any, Any] | Any) -> list[RecordedCall]:
    """The model and tool calls of a run (a ``RunHandle`` or a Temporal handle), in order, over all its
    Temporal runs."""
    calls = []
    for events in await run_histories(handle):
        scheduled: dict[int, tuple[Any, datetime]] = {}
        done: dict[int, tuple[datetime, int]] = {}
        for event in events:
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                scheduled[event.event_id] = (
                    event.activity_task_scheduled_event_attributes,
                    event.event_time.ToDatetime(),
                )
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                attrs = event.activity_task_started_event_attributes
                done.setdefault(attrs.scheduled_event_id, (event.event_time.ToDatetime(), attrs.attempt))
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                attrs = event.activity_task_completed_event_attributes
                attempt = done.get(attrs.scheduled_event_id, (None, None))[1]
                done[attrs.scheduled_event_id] = (event.event_time.ToDatetime(), attempt)  # type: ignore[assignment]
        for event_id, (attrs, at) in scheduled.items():
            if attrs.activity_type.name not in (MODEL_CALL_ACTIVITY, TOOL_CALL_ACTIVITY):
                continue  # e.g. a fast-forward's slice marker
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

    lists: dict[str, list[Any]] = {}
    requests = []
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attributes = event.activity_task_scheduled_event_attributes
        if attributes.activity_type.name != MODEL_CALL_ACTIVITY:
            continue
        call = json.loads(attributes.input.payloads[0].data)
        request = dict(call["request"])
        delta = call.get("conversation")
        if delta:
            if delta.get("base_run"):
                raise ValueError(
                    f"call {attributes.activity_id!r} continues a conversation of an earlier run of its "
                    "chain (the run continued as new); this reads one history only"
                )
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

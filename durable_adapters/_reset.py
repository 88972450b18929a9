"""Time travel: run a finished (or stuck) run again from a chosen call on.

Temporal's reset starts a new run of the same workflow whose history is copied up to a workflow
task and which goes on from there with the current code. Resetting to the workflow task that
follows call K's completion means: calls 1..K come from history (not made again, not paid
again), calls after K are made afresh. This is what the UI's reset button does, addressed by
call number instead of event id.
"""

from __future__ import annotations

import uuid

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import Client

from ._chain import runs_latest_first
from ._errors import ConfigurationError


async def reset_point(client: Client, run_id: str, call: int) -> tuple[str, int]:
    """The Temporal run that made call ``call`` and the event id of the workflow task right after it.

    A run that continued as new (see ``_continue_as_new``) is a chain of Temporal runs; the
    chain is searched from the latest run back to the first.
    """
    seen: list[int] = []
    async for temporal_run_id, events in runs_latest_first(client, run_id):
        scheduled: dict[int, str] = {}
        call_done_at: int | None = None
        for event in events:
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                scheduled[event.event_id] = event.activity_task_scheduled_event_attributes.activity_id
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                activity_id = scheduled.get(event.activity_task_completed_event_attributes.scheduled_event_id, "")
                if activity_id.split(" ", 1)[0] == str(call):
                    call_done_at = event.event_id
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED and call_done_at is not None:
                return temporal_run_id, event.event_id
        seen += [int(a.split(" ", 1)[0]) for a in scheduled.values() if a.split(" ", 1)[0].isdigit()]
    raise ConfigurationError(
        f"run {run_id!r} has no completed call {call} followed by a workflow task "
        f"(its calls: {min(seen) if seen else 0}..{max(seen) if seen else 0})"
    )


async def reset_after_call(client: Client, run_id: str, call: int, *, reason: str | None = None) -> str:
    """Reset ``run_id`` to just after call ``call``; return the Temporal run id of the new run."""
    temporal_run_id, event_id = await reset_point(client, run_id, call)
    response = await client.workflow_service.reset_workflow_execution(
        ResetWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=run_id, run_id=temporal_run_id),
            reason=reason or f"durable-adapters: run again after call {call}",
            workflow_task_finish_event_id=event_id,
            request_id=str(uuid.uuid4()),
        )
    )
    return response.run_id

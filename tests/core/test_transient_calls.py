"""A call an adapter marks as transient (``TransientCallError``) is retried; a tool's own error is not.

The fake framework's tool raises ``TransientCallError`` for its first attempts, as an adapter
does when an MCP server or a session store is briefly unreachable. Runs on the REAL workflow and
a real worker; attempts are read from the run's history, as a Temporal user would.
"""

from __future__ import annotations

import asyncio

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ActivityError, ApplicationError

from durable_adapters._payloads import CallPolicy, RunOptions

from ._fake_adapter import WORKFLOW_TASK_FAILED, event_types, host_fake, serving, start_program


async def tool_attempts(handle: WorkflowHandle) -> list[int]:
    """The attempt number of every tool activity that started, in order."""
    attempts = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attempts.append(event.activity_task_started_event_attributes.attempt)
    return attempts


async def test_a_transient_tool_failure_is_retried_until_the_call_succeeds(temporal_client, unique):
    hosted = host_fake(f"transient-{unique}")
    steps = [{"op": "tool", "key": "store", "request": {"numbers": [2, 3], "transient_failures": 2}}]
    async with serving(temporal_client, f"core-transient-{unique}") as queue:
        handle = await start_program(temporal_client, queue, hosted.name, steps, run_id=f"transient-{unique}")
        output = await asyncio.wait_for(handle.result(), timeout=30)
    assert output.payload["results"] == [{"key": "store", "sum": 5}]
    # Two failed attempts and the third that answered: Temporal's own retries, one activity.
    assert await tool_attempts(handle) == [3]  # history records the last started attempt
    assert WORKFLOW_TASK_FAILED not in await event_types(handle)


async def test_a_transient_failure_that_does_not_heal_fails_the_call_as_its_cause(temporal_client, unique):
    hosted = host_fake(f"transient-out-{unique}")
    steps = [{"op": "tool", "key": "store", "request": {"transient_failures": 99}}]
    options = RunOptions(tool=CallPolicy(initial_retry_seconds=0.05, max_attempts=3))
    async with serving(temporal_client, f"core-transient-out-{unique}") as queue:
        handle = await start_program(
            temporal_client, queue, hosted.name, steps, run_id=f"transient-out-{unique}", options=options
        )
        with pytest.raises(WorkflowFailureError) as info:
            await asyncio.wait_for(handle.result(), timeout=30)
    assert await tool_attempts(handle) == [3]  # the policy's attempts, then no more
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "builtins.ConnectionRefusedError"
    assert "store unreachable (attempt 3)" in str(cause)


async def test_a_tools_own_error_is_not_retried(temporal_client, unique):
    hosted = host_fake(f"tool-error-{unique}")
    steps = [{"op": "tool", "key": "calc", "request": {"tool_error": "bad input"}}]
    async with serving(temporal_client, f"core-tool-error-{unique}") as queue:
        handle = await start_program(temporal_client, queue, hosted.name, steps, run_id=f"tool-error-{unique}")
        with pytest.raises(WorkflowFailureError) as info:
            await asyncio.wait_for(handle.result(), timeout=30)
    assert await tool_attempts(handle) == [1]
    cause = info.value.cause
    assert isinstance(cause, (ApplicationError, ActivityError))
    assert "bad input" in str(cause)

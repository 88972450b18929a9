"""Threads: one durable run per invocation, chained by run ids derived from the thread id.

The n-th invocation on thread ``T`` of graph ``G`` is the run ``G.thread.T.n``. Each run returns
its last checkpoint; the next invocation finds the latest run of the thread, takes that
checkpoint in, and starts run ``n + 1``. The thread's state therefore lives in Temporal's
history (no database of our own), any client process can continue a thread, and each run's
history holds one invocation only.

Why not one long-lived workflow per thread receiving invocations as updates: its history would
grow with every turn of every conversation until continue-as-new, and the generic workflow
would need a mailbox; a run per invocation keeps the one generic workflow unchanged.

Invocations on one thread are sequential, as with a LangGraph checkpointer: a new invocation
waits for a run still in progress on the thread; a failed or cancelled run is replaced by the
next invocation (which starts from the last completed one). A run waiting in ``interrupt()`` is
answered by invoking the thread with ``Command(resume=value)``, as in LangGraph.
"""

from __future__ import annotations

from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from durable_adapters.adapter import PENDING_INPUT_QUERY, RunOutput

from ._payloads import CarriedCheckpoint, RunResult


def run_id(hosted_name: str, thread_id: str, turn: int) -> str:
    """The run id of invocation ``turn`` (from 1) on a thread (persisted: keep stable).

    The thread id is used as it is (Temporal accepts any string), so two threads never share runs.
    """
    return f"{hosted_name}.thread.{thread_id}.{turn}"


async def _status(client: Client, workflow_id: str) -> WorkflowExecutionStatus | None:
    try:
        description = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    return description.status


async def _latest_turn(client: Client, hosted_name: str, thread_id: str) -> int:
    """The highest turn that exists (0 for a new thread): doubling, then bisection."""

    async def exists(turn: int) -> bool:
        return await _status(client, run_id(hosted_name, thread_id, turn)) is not None

    if not await exists(1):
        return 0
    low, high = 1, 2
    while await exists(high):
        low, high = high, high * 2
    while high - low > 1:  # exists(low) and not exists(high)
        middle = (low + high) // 2
        if await exists(middle):
            low = middle
        else:
            high = middle
    return low


def _handle(client: Client, workflow_id: str) -> WorkflowHandle[Any, RunOutput]:
    return client.get_workflow_handle(workflow_id, result_type=RunOutput)


async def last_completed(
    client: Client, hosted_name: str, thread_id: str, *, wait: bool
) -> tuple[int, RunResult | None]:
    """``(latest turn, result of the latest completed turn)``; waits for a running turn if ``wait``."""
    latest = await _latest_turn(client, hosted_name, thread_id)
    turn = latest
    while turn > 0:
        workflow_id = run_id(hosted_name, thread_id, turn)
        status = await _status(client, workflow_id)
        if status == WorkflowExecutionStatus.RUNNING and wait:
            try:
                output = await _handle(client, workflow_id).result()
            except Exception:
                turn -= 1  # it failed: the thread continues from the turn before
                continue
            return latest, RunResult.model_validate(output.value())
        if status == WorkflowExecutionStatus.COMPLETED:
            return latest, RunResult.model_validate((await _handle(client, workflow_id).result()).value())
        turn -= 1
    return latest, None


async def waiting_turn(client: Client, hosted_name: str, thread_id: str) -> tuple[str, dict[str, Any]] | None:
    """``(run id, prompt)`` of the thread's latest run if it is waiting for input (interrupt()), else None."""
    latest = await _latest_turn(client, hosted_name, thread_id)
    if not latest:
        return None
    workflow_id = run_id(hosted_name, thread_id, latest)
    if await _status(client, workflow_id) != WorkflowExecutionStatus.RUNNING:
        return None
    prompt = await client.get_workflow_handle(workflow_id).query(PENDING_INPUT_QUERY)
    return (workflow_id, prompt) if prompt is not None else None


async def next_turn(client: Client, hosted_name: str, thread_id: str) -> tuple[str, CarriedCheckpoint | None]:
    """The run id of the next invocation on the thread and the checkpoint it starts from."""
    latest, previous = await last_completed(client, hosted_name, thread_id, wait=True)
    status = await _status(client, run_id(hosted_name, thread_id, latest)) if latest else None
    # A failed/cancelled/terminated last turn is started again under its own id (the core
    # allows reusing the id of a run that did not complete); otherwise a new turn.
    turn = (
        latest
        if status not in (None, WorkflowExecutionStatus.COMPLETED, WorkflowExecutionStatus.RUNNING)
        else latest + 1
    )
    return run_id(hosted_name, thread_id, turn), previous.checkpoint if previous is not None else None

"""Replaying recorded runs against the current code, to catch changes that break running runs.

A run's history records every call in order, named by its activity id (``3 tool triage/get_weather``).
Replaying it makes the current code produce its calls again; where it makes a different call,
Temporal reports nondeterminism and names both calls. Run it before deploying a change to an
agent: ``durable-adapters replay RUN_ID``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, WorkflowReplayResult

from ._converter import DATA_CONVERTER
from ._names import MEMO_SOURCE
from ._targets import load_source, load_target
from ._thread_pinning import RunPinnedExecutor
from ._workflow import AgentLoopWorkflow


def replayer() -> Replayer:
    """A replayer configured like this project's workers (unsandboxed, run-pinned threads)."""
    return Replayer(
        workflows=[AgentLoopWorkflow],
        workflow_runner=UnsandboxedWorkflowRunner(),
        workflow_task_executor=RunPinnedExecutor(),
        data_converter=DATA_CONVERTER,
        # No 2 s deadlock detector: a replay judges what the code does, not how fast it runs, and
        # the first replay of a process imports a framework's lazily loaded modules inside the
        # workflow, which on a loaded machine can take longer than that.
        debug_mode=True,
    )


async def replay_histories(histories: Iterable[WorkflowHistory]) -> list[WorkflowReplayResult]:
    """Replay ``histories``; the objects they ran must already be hosted in this process."""
    replaying = replayer()
    return [await replaying.replay_workflow(history, raise_on_replay_failure=False) for history in histories]


_EVENT_ID = re.compile(r"HistoryEvent\(id: (\d+)")


def explain_divergence(history: WorkflowHistory, failure: Exception) -> str:
    """The replay failure, plus which recorded call it happened at when the message names an event."""
    message = str(failure)
    match = _EVENT_ID.search(message)
    if match is None:
        return message
    event_id = int(match.group(1))
    for event in history.events:
        if event.event_id == event_id and event.HasField("activity_task_scheduled_event_attributes"):
            call = event.activity_task_scheduled_event_attributes.activity_id
            return (
                f"{message}\nThe history's call {call!r} (event {event_id}) is not what the current code "
                "does at that point: the code now makes another call there, or none."
            )
    return message


async def fetch_and_replay(client: Client, run_id: str, targets: Sequence[str] = ()) -> str | None:
    """Replay ``run_id``'s history on the code of ``targets`` (or the run's own source); the divergence, or None."""
    handle = client.get_workflow_handle(run_id)
    description = await handle.describe()
    if targets:
        for target in targets:
            load_target(target)
    else:
        memo = await description.memo()
        load_source(dict(memo.get(MEMO_SOURCE) or {}))
    history = await handle.fetch_history()
    (result,) = await replay_histories([history])
    if result.replay_failure is None:
        return None
    return explain_divergence(history, result.replay_failure)

"""Replaying recorded runs against the current code, to catch changes that break running runs.

A run's history records every call in order, named by its activity id (``3 tool triage/get_weather``).
Replaying it makes the current code produce its calls again; where it makes a different call,
Temporal reports nondeterminism and names both calls. Run it before deploying a change to an
agent: ``durable-adapters replay RUN_ID``.
"""

from __future__ import annotations

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
    )


async def replay_histories(histories: Iterable[WorkflowHistory]) -> list[WorkflowReplayResult]:
    """Replay ``histories``; the objects they ran must already be hosted in this process."""
    results = []
    async with replayer().workflow_replay_iterator(histories) as replays:
        async for result in replays:
            results.append(result)
    return results


async def fetch_and_replay(client: Client, run_id: str, targets: Sequence[str] = ()) -> WorkflowReplayResult:
    """Fetch ``run_id``'s history and replay it against the code of ``targets`` (or the run's own source)."""
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
    return result

"""Workers: the processes that host objects and run their workflows and calls.

Every worker runs the one agent-loop workflow and the two call activities. What it can serve is
what this process's registry hosts; by default each hosted name has its own task queue (see
``_names.default_task_queue``), so a worker polls only the queues of names it hosts and never
takes a run it cannot serve.

Tuning, and why:
* the workflow runs unsandboxed: the frameworks must be passed through the sandbox anyway, after
  which it checks little; the determinism guard does the checking instead;
* workflow tasks run on :class:`RunPinnedExecutor`, because the sync bridge's greenlets must be
  resumed on the thread that started them;
* a short sticky-queue timeout: after a worker dies, its runs' next workflow task goes to
  another worker after 1 s instead of Temporal's default 10 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from ._activities import ACTIVITIES
from ._thread_pinning import RunPinnedExecutor
from ._workflow import AgentLoopWorkflow

STICKY_TIMEOUT = timedelta(seconds=1)


def create_worker(client: Client, task_queue: str, **overrides: Any) -> Worker:
    """A worker for ``task_queue`` that serves whatever this process's registry hosts."""
    options: dict[str, Any] = dict(
        workflows=[AgentLoopWorkflow],
        activities=ACTIVITIES,
        workflow_runner=UnsandboxedWorkflowRunner(),
        workflow_task_executor=RunPinnedExecutor(),
        sticky_queue_schedule_to_start_timeout=STICKY_TIMEOUT,
        # Heartbeats reach the server at least every 0.25 s, so the 1 s heartbeat timeout tells a
        # dead worker from a live one within about two seconds without false alarms.
        max_heartbeat_throttle_interval=timedelta(seconds=0.25),
        default_heartbeat_throttle_interval=timedelta(seconds=0.25),
        graceful_shutdown_timeout=timedelta(seconds=5),
    )
    options.update(overrides)
    return Worker(client, task_queue=task_queue, **options)


async def run_workers(client: Client, task_queues: Sequence[str], *, ready: asyncio.Event | None = None) -> None:
    """Run one worker per task queue until cancelled; set ``ready`` once all of them poll."""
    workers = [create_worker(client, queue) for queue in task_queues]
    async with _all_running(workers):
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()


class _all_running:
    """Start workers as context managers (validated and polling) and shut them all down on exit."""

    def __init__(self, workers: list[Worker]) -> None:
        self._workers = workers

    async def __aenter__(self) -> None:
        for worker in self._workers:
            await worker.__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        await asyncio.gather(*(worker.__aexit__(*exc) for worker in self._workers), return_exceptions=True)

"""What CrewAI does around its loop that cannot happen inside a workflow, and what happens instead.

Each is a point of the interception table (:mod:`._interception`), a class-level replacement that
acts only while a durable run is current in the calling context (:mod:`._run`); everywhere else
CrewAI behaves as shipped. This module holds what those replacements do.

* **Event bus.** ``crewai_event_bus.emit`` hands handlers to a thread pool and an event loop of
  its own, and CrewAI's flows then await the returned ``concurrent.futures.Future`` through
  ``asyncio.wrap_future``, which hangs the workflow silently. Inside a durable run an event is
  prepared (ids, parent links, as CrewAI does) and not dispatched: no handler runs, no future is
  returned. This also keeps CrewAI's telemetry and tracing (including the first-run trace
  collection and its prompt) entirely out of the workflow. Listeners therefore see no events of
  durable runs; the Temporal UI shows each call instead, and task starts and completions become
  the run's progress events (``RunHandle.events()``, see :func:`progress_event`).
* **Thread pools.** CrewAI runs parallel native tool calls in a ``ThreadPoolExecutor``; a thread
  cannot wait on a workflow activity (every result became "Error executing tool…"). Inside a
  durable run ``ThreadPoolExecutor.submit`` runs the function at once, in the caller's greenlet,
  and returns a finished future: parallel tool calls become sequential activities, in order.
  Submissions of ``asyncio.run`` (CrewAI's sync-over-async helpers) keep their thread.
* **Sync agent execution.** CrewAI runs a coworker synchronously when a manager delegates to it
  (``Agent.execute_task`` from the delegation tool), which in a plain run happens on a worker
  thread and starts an event loop of its own there. Inside a durable run that sync code runs in a
  greenlet on the workflow thread, where CrewAI sees the workflow's loop and refuses. So inside
  a durable run ``Agent.execute_task`` awaits CrewAI's own ``aexecute_task`` on the workflow loop
  (through the sync bridge): the coworker's LLM and tool calls become activities one by one.
* **Task-output database.** Every ``Crew`` opens ``latest_kickoff_task_outputs.db`` (SQLite
  under ``CREWAI_STORAGE_DIR``) and wipes it at each kickoff; runs would share it and the
  workflow would do file I/O. Crews built inside a durable run keep their task-output log in
  memory instead, one per run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
from typing import Any

from crewai.events.event_bus import CrewAIEventsBus

from ._payloads import ProgressEvent
from ._run import current

_PROGRESS = ("crew_kickoff_started", "task_started", "task_completed", "task_failed", "crew_kickoff_completed")


def progress_event(event: Any) -> dict[str, Any] | None:
    """The progress event (JSON) a CrewAI event becomes in a durable run, or None.

    ``{"kind": "crewai.task_completed", "task": <description>, "agent": <role>, "output": <raw>}``
    and likewise ``crewai.task_started`` / ``crewai.task_failed`` / ``crewai.crew_kickoff_started``
    / ``crewai.crew_kickoff_completed`` (with ``"output"`` for the crew's final raw output).
    """
    kind = getattr(event, "type", None)
    if kind not in _PROGRESS:
        return None
    task = getattr(event, "task", None)
    output = getattr(event, "output", None)
    agent = getattr(task, "agent", None)
    return ProgressEvent(
        kind=f"crewai.{kind}",
        task=getattr(task, "description", None),
        agent=getattr(agent, "role", None),
        output=getattr(output, "raw", output if isinstance(output, str) else None),
        error=getattr(event, "error", None),
    ).data()


def emit_in_run(bus: CrewAIEventsBus, source: Any, event: Any) -> None:
    """``CrewAIEventsBus.emit`` inside a durable run: the event is prepared, not dispatched, and
    a progress event of the run if it is one."""
    bus._prepare_event(source, event)
    progress = progress_event(event)
    if progress is not None:
        run = current()
        assert run is not None
        run.calls.emit(progress)


def runs_own_loop(fn: Any, args: tuple[Any, ...]) -> bool:
    # CrewAI's sync-over-async helpers (file store, async tool bridges) run a coroutine with
    # asyncio.run in a thread of its own, because the caller's loop is running. That needs a real
    # thread; such coroutines are in-memory bookkeeping, and a durable call from one fails with
    # UnsupportedError instead of hanging.
    if fn is asyncio.run:
        return True
    return isinstance(getattr(fn, "__self__", None), contextvars.Context) and bool(args) and args[0] is asyncio.run


def run_at_once(fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
    """``ThreadPoolExecutor.submit`` inside a durable run: ``fn`` runs now, in the caller's greenlet."""
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    try:
        future.set_result(fn(*args, **kwargs))
    except BaseException as exc:  # the future carries it, as a thread's would
        future.set_exception(exc)
    return future


class MemoryTaskOutputs:
    """The task-output log of one run's crew, in memory (the SQLite store's interface)."""

    def __init__(self) -> None:
        self._rows: dict[int, dict[str, Any]] = {}

    def add(
        self,
        task: Any,
        output: dict[str, Any],
        task_index: int,
        was_replayed: bool = False,
        inputs: dict[str, Any] | None = None,
    ) -> None:
        self._rows[task_index] = {
            "task_id": str(task.id),
            "expected_output": task.expected_output,
            "output": output,
            "task_index": task_index,
            "inputs": inputs or {},
            "was_replayed": was_replayed,
        }

    def update(self, task_index: int, **fields: Any) -> None:
        self._rows.setdefault(task_index, {"task_index": task_index}).update(fields)

    def load(self) -> list[dict[str, Any]]:
        return [self._rows[index] for index in sorted(self._rows)]

    def delete_all(self) -> None:
        self._rows.clear()

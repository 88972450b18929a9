"""``durable-adapters worker`` with worker options changed, for benchmarks that compare settings.

    python -m tests.benchmarks.tuned_worker '{"sticky_timeout": 3}' worker TARGET...

The first argument is a JSON object of options; the rest is ``durable-adapters worker``'s command
line (``worker TARGET...``). Options:

* ``sticky_timeout``: seconds, the sticky queue's schedule-to-start timeout;
* any keyword of ``temporalio.worker.Worker`` that takes a number (``max_cached_workflows``,
  ``max_concurrent_workflow_tasks``, ...);
* ``local_tools``: true makes every tool call a local activity (:mod:`tests.benchmarks.local_tools`);
* ``inline_activations``: true runs each workflow activation on the worker's event-loop thread
  instead of handing it to the run's own thread (no deadlock detection, no isolation between
  runs: measured, not shipped; see docs/performance.md);
* ``gc_threshold``: a list, Python's ``gc.set_threshold`` in the worker.

The library itself has no such switch: this only patches ``durable_adapters._worker.create_worker``
(and for ``local_tools`` the workflow's activity calls) in this process.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from durable_adapters._thread_pinning import _is_eviction

T = TypeVar("T")


class InlineExecutor(ThreadPoolExecutor):
    """Runs each activation at once on the calling thread (the worker's event loop), each run in
    a context of its own. Temporal's activation resets the thread's running loop to none when it
    ends, so the worker's loop is put back."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)  # its threads are never started
        self._contexts: dict[str, contextvars.Context] = {}

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        activation = args[0] if args else None
        run_id = getattr(activation, "run_id", "")
        context = self._contexts.setdefault(run_id, contextvars.Context())
        future: Future[T] = Future()
        running = asyncio._get_running_loop()
        try:
            future.set_result(context.run(fn, *args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        finally:
            asyncio._set_running_loop(running)
        if _is_eviction(activation):
            self._contexts.pop(run_id, None)
        return future


def main() -> None:
    from durable_adapters import _cli, _worker

    options: dict[str, Any] = json.loads(sys.argv[1])
    if options.pop("local_tools", False):
        from tests.benchmarks.local_tools import LOCAL, redirect_tools

        redirect_tools()
        LOCAL["on"] = True
    if options.pop("inline_activations", False):
        options["workflow_task_executor"] = InlineExecutor()
    threshold = options.pop("gc_threshold", None)
    if threshold is not None:
        import gc

        gc.set_threshold(*threshold)
    sticky = options.pop("sticky_timeout", None)
    if sticky is not None:
        options["sticky_queue_schedule_to_start_timeout"] = timedelta(seconds=sticky)
    create = _worker.create_worker

    def create_tuned(client: Any, task_queue: str, **overrides: Any) -> Any:
        return create(client, task_queue, **{**options, **overrides})

    _worker.create_worker = create_tuned  # type: ignore[assignment]
    sys.argv = [sys.argv[0], *sys.argv[2:]]
    _cli.main()


if __name__ == "__main__":
    main()

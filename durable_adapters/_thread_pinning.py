"""A workflow-task executor that runs every activation of one run on that run's own thread.

Temporal hands each workflow activation to any thread of its executor. Greenlets (the sync
bridge) cannot be resumed on another thread ("Cannot switch to a different thread"), so a run
whose sync code is suspended in a greenlet must come back to the thread it started on. This
executor gives each cached run a lane (a single-thread executor) of its own, made on the run's
first activation and retired after its eviction from the worker's cache.

A lane per run, not a fixed set of shared lanes: Temporal's deadlock timer (2 s) starts when an
activation is submitted, so runs queued behind each other on a shared lane would be reported as
deadlocked while merely waiting their turn.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def _is_eviction(activation: Any) -> bool:
    return any(job.HasField("remove_from_cache") for job in getattr(activation, "jobs", ()))


class RunPinnedExecutor(ThreadPoolExecutor):
    """Executes ``fn(activation)`` on the lane of ``activation.run_id``; other calls on a shared lane.

    It subclasses ``ThreadPoolExecutor`` only because Temporal's ``Worker`` and ``Replayer``
    accept that type; its own threads are never started.
    """

    def __init__(self, thread_name_prefix: str = "durable-workflow") -> None:
        super().__init__(max_workers=1, thread_name_prefix=thread_name_prefix)
        self._prefix = thread_name_prefix
        self._lanes: dict[str, ThreadPoolExecutor] = {}
        self._shared = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{thread_name_prefix}-shared")
        self._lock = threading.Lock()

    def lane_count(self) -> int:
        """How many runs currently have a lane (their thread)."""
        with self._lock:
            return len(self._lanes)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        activation = args[0] if args else None
        run_id = getattr(activation, "run_id", None)
        if not isinstance(run_id, str):
            return self._shared.submit(fn, *args, **kwargs)
        with self._lock:
            lane = self._lanes.get(run_id)
            if lane is None:
                lane = self._lanes[run_id] = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix=f"{self._prefix}-{run_id[:8]}"
                )
        future = lane.submit(fn, *args, **kwargs)
        if _is_eviction(activation):
            future.add_done_callback(lambda _: self._retire(run_id, lane))
        return future

    def _retire(self, run_id: str, lane: ThreadPoolExecutor) -> None:
        with self._lock:
            if self._lanes.get(run_id) is lane:
                del self._lanes[run_id]
        lane.shutdown(wait=False)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            lanes, self._lanes = list(self._lanes.values()), {}
        for lane in [*lanes, self._shared]:
            lane.shutdown(wait=wait, cancel_futures=cancel_futures)
        super().shutdown(wait=wait, cancel_futures=cancel_futures)

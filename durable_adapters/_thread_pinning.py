"""A workflow-task executor that runs every activation of one run on the same thread.

Temporal hands each workflow activation to any thread of its executor. Greenlets (the sync
bridge) cannot be resumed on another thread ("Cannot switch to a different thread"), so with
many concurrent runs a run whose sync code is suspended in a greenlet must come back to the
thread it started on. This executor keeps one single-thread lane per slot and sends each
activation to the lane chosen by its run id. Runs still proceed in parallel across lanes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class RunPinnedExecutor(ThreadPoolExecutor):
    """Executes ``fn(activation)`` on the lane of ``activation.run_id``; other calls on lane 0.

    It subclasses ``ThreadPoolExecutor`` only because Temporal's ``Worker`` and ``Replayer``
    accept that type; its own threads are never started.
    """

    def __init__(self, lanes: int = 8, thread_name_prefix: str = "durable-workflow") -> None:
        super().__init__(max_workers=lanes, thread_name_prefix=thread_name_prefix)
        self._lanes = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{thread_name_prefix}-{i}")
            for i in range(lanes)
        ]

    def lane_of(self, run_id: str) -> int:
        # crc32, not hash(): the same run id maps to the same lane for the life of the process.
        return zlib.crc32(run_id.encode()) % len(self._lanes)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        run_id = getattr(args[0], "run_id", None) if args else None
        lane = self.lane_of(run_id) if isinstance(run_id, str) else 0
        return self._lanes[lane].submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        for lane in self._lanes:
            lane.shutdown(wait=wait, cancel_futures=cancel_futures)
        super().shutdown(wait=wait, cancel_futures=cancel_futures)

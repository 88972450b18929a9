"""The embedded worker: the calling process serves its own runs while a call is in progress.

``durable(obj)`` defaults to ``worker=True``: the first call starts a worker for the object's
task queue inside the caller's event loop, every further call on that loop shares it, and it is
shut down when the last call in progress ends. With ``worker=False`` runs wait for external
workers (``durable-adapters worker``).

A worker is taken out of service only after its shutdown has finished: Temporal refuses two
workers of one client on one task queue, so a call arriving while the last one is shutting down
waits for that shutdown and then starts a fresh worker.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field

from temporalio.client import Client
from temporalio.worker import Worker

from ._worker import create_worker


@dataclass
class _Running:
    worker: Worker
    users: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    closing: bool = False


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, str], _Running]] = (
    weakref.WeakKeyDictionary()
)
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _lock() -> asyncio.Lock:
    return _locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())


class Lease:
    """One call's hold on an embedded worker; :meth:`release` once the call is over. Idempotent."""

    def __init__(self, key: tuple[int, str], running: _Running) -> None:
        self._key = key
        self._running: _Running | None = running

    async def release(self) -> None:
        running, self._running = self._running, None
        if running is None:
            return
        async with _lock():
            running.users -= 1
            if running.users > 0:
                return
            running.closing = True
        try:
            await running.worker.__aexit__(None, None, None)
        finally:
            async with _lock():
                per_loop = _by_loop.get(asyncio.get_running_loop(), {})
                if per_loop.get(self._key) is running:
                    del per_loop[self._key]
            running.closed.set()


async def acquire(client: Client, task_queue: str) -> Lease:
    """Make sure a worker polls ``task_queue`` in this loop, and hold it until the lease is released."""
    per_loop = _by_loop.setdefault(asyncio.get_running_loop(), {})
    key = (id(client), task_queue)
    while True:
        async with _lock():
            running = per_loop.get(key)
            if running is None:
                running = _Running(create_worker(client, task_queue))
                per_loop[key] = running
                await running.worker.__aenter__()
                running.users += 1
                return Lease(key, running)
            if not running.closing:
                running.users += 1
                return Lease(key, running)
        await running.closed.wait()  # the last user is shutting it down: start a fresh one after


async def stop_all(timeout: float = 10.0) -> None:
    """Stop every embedded worker of this loop, leases or not (a test session's end, a shutdown hook).

    A handle that is never awaited keeps its lease, and with it its worker, until the loop
    closes; closing a loop under a running worker can wait a long time on its pollers.
    """
    per_loop = _by_loop.get(asyncio.get_running_loop(), {})
    running = [r for r in per_loop.values() if not r.closing]
    for r in running:
        r.closing = True
    if running:
        await asyncio.wait(
            [asyncio.ensure_future(r.worker.__aexit__(None, None, None)) for r in running], timeout=timeout
        )
    per_loop.clear()
    for r in running:
        r.closed.set()

"""The embedded worker: the calling process serves its own runs while a call is in progress.

``durable(obj)`` defaults to ``worker=True``: the first call starts a worker for the object's
task queue inside the caller's event loop, every further call on that loop shares it, and it is
shut down when the last call in progress ends. With ``worker=False`` runs wait for external
workers (``durable-adapters worker``).
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
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, str], _Running]] = (
    weakref.WeakKeyDictionary()
)


class Lease:
    """One call's hold on an embedded worker; :meth:`release` once the call is over. Idempotent."""

    def __init__(self, key: tuple[int, str], running: _Running) -> None:
        self._key = key
        self._running: _Running | None = running

    async def release(self) -> None:
        running, self._running = self._running, None
        if running is None:
            return
        async with running.lock:
            running.users -= 1
            if running.users > 0:
                return
            _by_loop.get(asyncio.get_running_loop(), {}).pop(self._key, None)
            await running.worker.__aexit__(None, None, None)


async def acquire(client: Client, task_queue: str) -> Lease:
    """Make sure a worker polls ``task_queue`` in this loop, and hold it until the lease is released."""
    per_loop = _by_loop.setdefault(asyncio.get_running_loop(), {})
    key = (id(client), task_queue)
    running = per_loop.get(key)
    if running is None:
        running = _Running(create_worker(client, task_queue))
        per_loop[key] = running
        async with running.lock:
            await running.worker.__aenter__()
            running.users += 1
        return Lease(key, running)
    async with running.lock:
        running.users += 1
    return Lease(key, running)

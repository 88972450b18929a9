"""The sync calls of the wrappers (``invoke``, ``run_sync``, ``kickoff``): one event loop per process.

A framework's sync entry point that wraps its async one runs the coroutine to completion on an
event loop. ``asyncio.run`` per call would make a new loop for every call and close it after, and
frameworks cache async clients process-wide (LangChain's OpenAI client, the Agents SDK's default
``AsyncOpenAI``): their pooled connections belong to the first call's loop, and the second sync
call fails with ``Event loop is closed`` inside its first model call. So every sync call of the
process runs on one long-lived loop, on a daemon thread of its own, as the OpenAI Agents SDK's
own ``run_sync`` keeps one loop. The embedded worker and the Temporal client live on that loop
too, and so stay warm between sync calls.

The coroutine runs in a copy of the caller's context (contextvars: a trace the caller opened, a
scoped setting), as ``asyncio.run`` would run it. Interrupting the waiting caller (Ctrl-C)
cancels the coroutine.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _forget_loop_in_child() -> None:
    # A forked child has no copy of the loop's thread: it starts its own on first use.
    global _loop, _lock
    _loop, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_loop_in_child)


def sync_calls_loop() -> asyncio.AbstractEventLoop:
    """The process's loop for sync calls, started on first use."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def serve() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            threading.Thread(target=serve, name="durable-adapters-sync-calls", daemon=True).start()
            started.wait()
            _loop = loop
        return _loop


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion from sync code, as the frameworks' own ``*_sync`` calls do.

    Raises :class:`RuntimeError` when called while an event loop runs in this thread (await the
    async variant there), as the frameworks' own sync calls do.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        coroutine.close()
        raise RuntimeError(
            "a sync durable call was made while an event loop is running in this thread; "
            "await the async variant instead (e.g. await dagent.run(...))"
        )
    loop = sync_calls_loop()
    context = contextvars.copy_context()
    outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
    tasks: list[asyncio.Task[T]] = []

    def start() -> None:
        task = loop.create_task(coroutine, context=context)
        tasks.append(task)
        task.add_done_callback(lambda done: _settle(done, outcome))

    loop.call_soon_threadsafe(start)
    try:
        return outcome.result()
    except BaseException:
        # KeyboardInterrupt (or the like) in the waiting caller: stop the coroutine too.
        if not outcome.done():
            loop.call_soon_threadsafe(lambda: [task.cancel() for task in tasks])
        raise


def _settle(task: asyncio.Task[T], outcome: concurrent.futures.Future[T]) -> None:
    if task.cancelled():
        outcome.set_exception(asyncio.CancelledError())
    elif task.exception() is not None:
        outcome.set_exception(task.exception())  # type: ignore[arg-type]
    else:
        outcome.set_result(task.result())

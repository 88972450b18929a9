"""An async stream iterated from sync code (``DurableGraph.stream``).

The stream runs to its end on an event loop of its own, in a thread: that loop also runs the
embedded worker, so the run keeps going (and its activities keep heartbeating) however long the
consumer takes over each chunk. Items are handed over through a queue as they come. Leaving the
loop early (``break``, an exception, the iterator collected) cancels the stream and waits for
the thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_END = object()


def iterate_sync(make: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
    """Iterate ``make()`` from sync code; refused at once while an event loop runs in this thread
    (the sync call would block that loop: await the async variant instead)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _iterate(make)
    raise RuntimeError(
        "a sync durable call (stream) was made while an event loop is running in this thread; "
        "iterate the async variant instead: async for chunk in dgraph.astream(...)"
    )


def _iterate(make: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
    handed: queue.Queue[tuple[str, Any]] = queue.Queue()
    started: queue.Queue[tuple[asyncio.AbstractEventLoop, asyncio.Task[None]]] = queue.Queue()

    async def pump() -> None:
        try:
            async for item in make():
                handed.put(("item", item))
        except BaseException as exc:  # handed to the consumer, raised there
            handed.put(("error", exc))
        else:
            handed.put(("end", _END))

    async def main() -> None:
        task = asyncio.ensure_future(pump())
        started.put((asyncio.get_running_loop(), task))
        await asyncio.gather(task, return_exceptions=True)

    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(asyncio.run, main()), name="durable-stream", daemon=True)
    thread.start()
    loop, task = started.get()

    def generator() -> Iterator[T]:
        try:
            while True:
                try:
                    kind, value = handed.get(timeout=0.5)
                except queue.Empty:
                    if thread.is_alive():
                        continue
                    try:  # it may have handed its last item over just before it ended
                        kind, value = handed.get_nowait()
                    except queue.Empty:
                        raise RuntimeError("the stream's thread ended without finishing the stream") from None
                if kind == "item":
                    yield value
                elif kind == "error":
                    if isinstance(value, asyncio.CancelledError):
                        return
                    raise value
                else:
                    return
        finally:
            if thread.is_alive():
                loop.call_soon_threadsafe(task.cancel)
                thread.join()

    return generator()

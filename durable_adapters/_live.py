"""Live streams of model calls in flight, in the worker process that makes them.

A model call made with ``DurableCalls.model(..., stream=True)`` runs in its activity with a
:class:`LiveStream` (:func:`live_stream`): the adapter drives the provider's streaming API and
publishes each chunk. The chunks stay here, in memory, and never enter history: the activity's
recorded result is the complete response, as for any call. Followers — a consumer in this
process, or the stream server (``_live_server``) for consumers elsewhere — read a call's chunks
from the first one, at their own pace; the call never waits for them.

One :class:`LiveCall` is one attempt of one call, under ``(workflow id, activity id)``. A retried
attempt that runs here anew replaces it (a new ``stream_id``), which is how followers see that
the call restarted; an attempt that joins the request still in flight (see ``_activities``)
keeps it. A finished call is kept for a short while, for followers that arrive as it ends.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

EndState = Literal["finished", "failed"]

KEEP_ENDED_SECONDS = 60.0
"""How long a finished call's chunks stay readable here after the call ended."""


class Wakeups:
    """Wake coroutines on any event loop, from any thread, when something under a key changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    @contextmanager
    def watch(self, key: str) -> Iterator[asyncio.Event]:
        """An event set (on the caller's loop) each time :meth:`notify` is called for ``key``."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.setdefault(key, set()).add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                waiters = self._waiters.get(key)
                if waiters is not None:
                    waiters.discard(entry)
                    if not waiters:
                        del self._waiters[key]

    def notify(self, key: str) -> None:
        with self._lock:
            waiters = list(self._waiters.get(key, ()))
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:
                pass  # that loop is closed: its watcher is gone


class LiveCall:
    """The chunks one attempt of a streamed model call has published so far."""

    def __init__(self, workflow_id: str, call: str, attempt: int) -> None:
        self.workflow_id = workflow_id
        self.call = call
        self.attempt = attempt
        self.stream_id = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._chunks: list[dict[str, Any]] = []
        self.ended: EndState | None = None
        self.ended_at: float | None = None

    @property
    def key(self) -> str:
        return f"{self.workflow_id}\x00{self.call}"

    def publish(self, chunk: dict[str, Any]) -> None:
        with self._lock:
            if self.ended is not None:
                return  # a late chunk of an attempt that already ended is nobody's
            self._chunks.append(chunk)
        _WAKEUPS.notify(self.key)

    def end(self, state: EndState) -> None:
        with self._lock:
            if self.ended is None:
                self.ended, self.ended_at = state, time.monotonic()
        _WAKEUPS.notify(self.key)

    async def follow(self, start: int = 0) -> AsyncIterator[dict[str, Any]]:
        """The chunks from index ``start`` on, as they are published, until the attempt ends."""
        index = start
        with _WAKEUPS.watch(self.key) as changed:
            while True:
                changed.clear()
                with self._lock:
                    batch, ended = self._chunks[index:], self.ended
                for chunk in batch:
                    yield chunk
                index += len(batch)
                if ended is not None and not batch:
                    return
                if not batch:
                    await changed.wait()


class LiveStream:
    """What an adapter's ``call_model`` publishes a streamed call's chunks to (see :func:`live_stream`)."""

    def __init__(self, call: LiveCall) -> None:
        self._call = call

    def publish(self, chunk: dict[str, Any]) -> None:
        """Hand one chunk (JSON) to the call's followers. Thread-safe; never blocks, never waits for them."""
        self._call.publish(chunk)


_WAKEUPS = Wakeups()
_lock = threading.Lock()
_calls: dict[str, LiveCall] = {}
_current: ContextVar[LiveStream | None] = ContextVar("durable_adapters_live_stream", default=None)


def live_stream() -> LiveStream | None:
    """In a model call activity: the call's live stream if it was made with ``stream=True``, else None."""
    return _current.get()


def open_call(workflow_id: str, call: str, attempt: int) -> LiveCall:
    """Start the live stream of an attempt of ``call``; it replaces the stream of an earlier attempt."""
    live = LiveCall(workflow_id, call, attempt)
    with _lock:
        _forget_old()
        previous = _calls.get(live.key)
        _calls[live.key] = live
    if previous is not None:
        previous.end("failed")
    _WAKEUPS.notify(live.key)
    return live


@contextmanager
def publishing(live: LiveCall) -> Iterator[None]:
    """Make ``live`` what :func:`live_stream` returns for the block (the adapter's ``call_model``)."""
    token = _current.set(LiveStream(live))
    try:
        yield
    finally:
        _current.reset(token)


def find_call(workflow_id: str, call: str) -> LiveCall | None:
    """The latest attempt of ``call`` streamed in this process, if it is still kept."""
    with _lock:
        return _calls.get(f"{workflow_id}\x00{call}")


@contextmanager
def watch_call(workflow_id: str, call: str) -> Iterator[asyncio.Event]:
    """An event set whenever a stream of ``call`` starts, grows or ends in this process."""
    with _WAKEUPS.watch(f"{workflow_id}\x00{call}") as changed:
        yield changed


def _forget_old() -> None:
    now = time.monotonic()
    for key, live in list(_calls.items()):
        if live.ended_at is not None and now - live.ended_at > KEEP_ENDED_SECONDS:
            del _calls[key]

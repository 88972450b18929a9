"""Following a run's stream from a client: its events, with each streamed call's live chunks spliced in.

The workflow keeps the run's stream in memory (``_channel``): the events the adapter emitted and,
in order among them, a marker where each streamed model call starts and one where it ends. The
``stream`` query reads it from any process. A call's chunks never pass through Temporal: they are
read live from the worker that makes the call — straight from memory when that is this process,
else from the worker's stream server, found in the call's heartbeat details (``_live_server``).

So a consumer sees, in the run's order: ``event`` items; ``call_started``, the call's ``chunk``s
while it runs, ``call_finished``. When a worker dies mid-call, the chunks stop, Temporal retries
the call on another worker, and the consumer gets ``call_restarted`` (the new attempt) and that
attempt's chunks from its first. A consumer that reaches a call only after it finished, with no
live stream left to read, gets ``call_finished`` with ``streamed=False``: the call's content is
then whatever the adapter recorded in its events (a late consumer reads completed calls from the
run, not from a stream).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import BaseModel
from temporalio.client import WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError

from . import _live, _live_server
from ._channel import CHANGES, StreamItem, StreamPage
from ._names import STREAM_QUERY
from ._payloads import StreamLocation

_IDLE_WHEN_LOCAL = 1.0
"""Between wake-ups, how often a consumer whose run's workflow runs in its own process asks anyway."""


class StreamEvent(BaseModel):
    """One thing a durable run streamed, in the run's order (see :meth:`RunHandle.stream`)."""

    index: int
    """Position in the run's stream; ``stream(after=index)`` resumes after it. A call's chunks
    and restarts carry the index of the call's start."""
    kind: Literal["event", "call_started", "chunk", "call_restarted", "call_finished"]
    event: dict[str, Any] | None = None
    """``event``: what the adapter emitted in the workflow."""
    call: str | None = None
    """The call's activity id (``"3 model triage"``), for every kind but ``event``."""
    chunk: dict[str, Any] | None = None
    """``chunk``: one chunk the call published, as the adapter encoded it."""
    attempt: int | None = None
    """``call_restarted``: the attempt whose chunks follow, from its first."""
    streamed: bool | None = None
    """``call_finished``: every chunk of the attempt that succeeded was yielded live."""
    failed: bool | None = None
    """``call_finished``: the call failed for good."""


class _Source:
    """One attempt's live stream of a call: in this process, or on a worker's stream server."""

    def __init__(self, stream_id: str, attempt: int, local: _live.LiveCall | None, where: StreamLocation | None):
        self.stream_id, self.attempt, self.local, self.where = stream_id, attempt, local, where

    async def chunks(self, workflow_id: str, call: str) -> AsyncIterator[dict[str, Any] | str]:
        if self.local is not None:
            async for chunk in self.local.follow():
                yield chunk
            yield self.local.ended or "lost"
            return
        assert self.where is not None
        async for item in _live_server.follow(
            self.where.address, self.where.token, workflow_id, call, self.where.stream
        ):
            yield item


class RunStream:
    """The state of one consumer following one run (see :meth:`RunHandle.stream`)."""

    def __init__(self, handle: WorkflowHandle[Any, Any], after: int, poll_interval: float) -> None:
        self._handle = handle
        self._workflow_id = handle.id
        self._next = after + 1
        self._poll = poll_interval
        self._items: deque[tuple[int, StreamItem]] = deque()
        self._streamed: dict[str, bool] = {}
        self._local = False
        self._finished: asyncio.Future[Any] | None = None

    async def events(self) -> AsyncIterator[StreamEvent]:
        self._finished = asyncio.ensure_future(self._handle.result())
        try:
            with CHANGES.watch(self._workflow_id) as changed:
                while True:
                    changed.clear()
                    done = await self._fetch()
                    while self._items:
                        index, item = self._items.popleft()
                        async for event in self._yield_item(index, item):
                            yield event
                    if done:
                        return
                    await self._wait(changed)
        finally:
            if self._finished.done():
                self._finished.exception()  # retrieved here; result() reports it
            else:
                self._finished.cancel()

    async def _yield_item(self, index: int, item: StreamItem) -> AsyncIterator[StreamEvent]:
        if item.kind == "event":
            yield StreamEvent(index=index, kind="event", event=item.event)
        elif item.kind == "call":
            assert item.call is not None
            yield StreamEvent(index=index, kind="call_started", call=item.call)
            async for event in self._live(index, item.call):
                yield event
        else:
            assert item.call is not None
            streamed = self._streamed.pop(item.call, False)
            yield StreamEvent(index=index, kind="call_finished", call=item.call, streamed=streamed, failed=item.failed)

    async def _live(self, index: int, call: str) -> AsyncIterator[StreamEvent]:
        """The call's chunks, attempt by attempt, until an attempt's stream is read to its end or
        the call has ended with no stream left to read."""
        followed: str | None = None
        with _live.watch_call(self._workflow_id, call) as changed:
            while True:
                changed.clear()
                ended = self._ended(call) or await self._fetch_ended(call)
                source = await self._source(call, finished_only=ended)
                if source is not None and source.stream_id != followed:
                    if followed is not None:
                        yield StreamEvent(index=index, kind="call_restarted", call=call, attempt=source.attempt)
                    followed = source.stream_id
                    async for chunk in source.chunks(self._workflow_id, call):
                        if isinstance(chunk, str):
                            if chunk == "finished":
                                self._streamed[call] = True
                                return
                            break  # failed, lost or unknown: look for the next attempt
                        yield StreamEvent(index=index, kind="chunk", call=call, chunk=chunk)
                    continue
                if ended:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), self._poll)

    async def _source(self, call: str, *, finished_only: bool) -> _Source | None:
        live = _live.find_call(self._workflow_id, call)
        if live is not None and (not finished_only or live.ended == "finished"):
            return _Source(live.stream_id, live.attempt, live, None)
        if finished_only:
            return None
        try:
            description = await self._handle.describe()
        except RPCError:
            return None
        for pending in description.raw_description.pending_activities:
            if pending.activity_id != call or not pending.heartbeat_details.payloads:
                continue
            try:
                where = StreamLocation.model_validate(json.loads(pending.heartbeat_details.payloads[0].data))
            except ValueError:
                return None
            return _Source(where.stream, where.attempt, None, where)
        return None

    def _ended(self, call: str) -> bool:
        return any(item.kind == "call_end" and item.call == call for _, item in self._items)

    async def _fetch_ended(self, call: str) -> bool:
        await self._fetch()
        return self._ended(call)

    async def _fetch(self) -> bool:
        """Read the run's new items into the queue; True once the run has ended and all are read."""
        assert self._finished is not None
        done = self._finished.done()  # decided before the query: its answer then holds every item
        try:
            page: StreamPage = await self._handle.query(STREAM_QUERY, self._next, result_type=StreamPage)
        except (WorkflowQueryFailedError, RPCError):
            if done:
                raise
            return False  # not started yet, or between runs of a continue-as-new chain: ask again
        # After a continue-as-new, the new run rebuilds its stream: until it has caught up, it has
        # nothing past what was read.
        if page.next > self._next:
            self._items.extend(enumerate(page.items, start=self._next))
            self._next = page.next
        return done

    async def _wait(self, changed: asyncio.Event) -> None:
        assert self._finished is not None
        waiter = asyncio.ensure_future(changed.wait())
        try:
            timeout = _IDLE_WHEN_LOCAL if self._local else self._poll
            await asyncio.wait({waiter, self._finished}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if changed.is_set():
                self._local = True  # the workflow runs here: wake-ups are enough
        finally:
            waiter.cancel()

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
    info: dict[str, Any] | None = None
    """``call_started``: what the adapter gave with the call (``DurableCalls.model(stream_info=...)``)."""
    streamed: bool | None = None
    """``call_finished``: every chunk of the attempt that succeeded was yielded live."""
    failed: bool | None = None
    """``call_finished``: the call failed for good."""


class _Source:
    """One attempt's live stream of a call: in this process, or on a worker's stream server."""

    def __init__(self, stream_id: str, attempt: int, local: _live.LiveCall | None, where: StreamLocation | None):
        self.stream_id, self.attempt, self.local, self.where = stream_id, attempt, local, where

    @classmethod
    def at(cls, workflow_id: str, call: str, where: StreamLocation) -> _Source:
        live = _live.find_call(workflow_id, call)
        if live is not None and live.stream_id == where.stream:
            return cls(live.stream_id, live.attempt, live, None)
        return cls(where.stream, where.attempt, None, where)

    async def chunks(self, workflow_id: str, call: str, start: int) -> AsyncIterator[dict[str, Any] | str]:
        if self.local is not None:
            async for chunk in self.local.follow(start):
                yield chunk
            yield self.local.ended or "lost"
            return
        assert self.where is not None
        async for item in _live_server.follow(self.where.address, workflow_id, call, self.where.stream, start):
            yield item


class _Call:
    """What one consumer has read of one streamed call."""

    def __init__(self, start: int) -> None:
        self.start = start
        """The index of the call's start in the run's stream (its chunks carry it)."""
        self.followed: str | None = None
        """The stream id of the attempt read last."""
        self.read = 0
        """How many chunks of that attempt were yielded."""
        self.streamed = False
        """An attempt was read to its end."""


class RunStream:
    """The state of one consumer following one run (see :meth:`RunHandle.stream`)."""

    def __init__(self, handle: WorkflowHandle[Any, Any], after: int, poll_interval: float) -> None:
        self._handle = handle
        self._workflow_id = handle.id
        self._next = after + 1
        self._poll = poll_interval
        self._items: deque[tuple[int, StreamItem]] = deque()
        self._calls: dict[str, _Call] = {}
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
            return
        assert item.call is not None
        if item.kind == "call":
            state = self._calls[item.call] = _Call(index)
            yield StreamEvent(index=index, kind="call_started", call=item.call, info=item.info)
            async for event in self._live(state, item.call):
                yield event
            return
        state = self._calls.pop(item.call) if item.call in self._calls else _Call(index)
        if not state.streamed and not item.failed and item.location is not None:
            # Ended before this consumer could read it (late, remote, or a retry that finished
            # fast): the attempt that succeeded said where its chunks are, kept for a while.
            source = _Source.at(self._workflow_id, item.call, item.location)
            async for event in self._read(state, item.call, source):
                yield event
        yield StreamEvent(
            index=index, kind="call_finished", call=item.call, streamed=state.streamed, failed=item.failed
        )

    async def _live(self, state: _Call, call: str) -> AsyncIterator[StreamEvent]:
        """The call's chunks, attempt by attempt, until an attempt's stream is read to its end or
        the call has ended (then its end item finishes it)."""
        if self._ended(call):
            return
        with _live.watch_call(self._workflow_id, call) as changed:
            while True:
                changed.clear()
                # Looking for the (next) attempt's stream comes first: after a worker died, the
                # query below may wait until the workflow has moved to another worker, while a
                # short retried attempt could start and end.
                source = await self._source(call, state)
                if source is not None:
                    async for event in self._read(state, call, source):
                        yield event
                    if state.streamed:
                        return
                    continue
                if self._ended(call) or await self._fetch_ended(call):
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), self._poll)

    async def _read(self, state: _Call, call: str, source: _Source) -> AsyncIterator[StreamEvent]:
        """Yield ``source``'s chunks not yielded yet; a different attempt than the one read is a restart."""
        if source.stream_id != state.followed:
            if state.followed is not None:
                yield StreamEvent(index=state.start, kind="call_restarted", call=call, attempt=source.attempt)
            state.followed, state.read = source.stream_id, 0
        async for chunk in source.chunks(self._workflow_id, call, state.read):
            if chunk == "quiet":
                if await self._source(call, state) is not None:
                    return  # a newer attempt is running elsewhere: this worker stopped mid-call
                continue
            if isinstance(chunk, str):
                state.streamed = chunk == "finished"
                return  # failed, lost or unknown: the caller looks for the next attempt
            state.read += 1
            yield StreamEvent(index=state.start, kind="chunk", call=call, chunk=chunk)

    async def _source(self, call: str, state: _Call) -> _Source | None:
        """The stream of the call's latest attempt, unless it is the one already read."""
        live = _live.find_call(self._workflow_id, call)
        if live is not None and live.stream_id != state.followed:
            return _Source(live.stream_id, live.attempt, live, None)
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
            return None if where.stream == state.followed else _Source(where.stream, where.attempt, None, where)
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

"""``CrewStreamingOutput`` for a durable run: what ``kickoff`` of a ``Crew(stream=True)`` returns.

As in a plain run, iterating it (``for`` after ``kickoff``, ``async for`` after ``akickoff`` /
``kickoff_async``) yields CrewAI's ``StreamChunk``s while the crew runs, and ``.result`` is the
``CrewOutput`` once the iteration has ended; a failed run raises from the iteration (and from
``.result``). The chunks come from the run's stream (``RunHandle.stream()``, read by
:class:`._stream.ChunkReader`), so they arrive while each LLM call is in flight, from a worker
in this process or in another one.

The sync form runs the run's client (and the embedded worker, if any) on an event loop of its own
in a thread, as CrewAI runs a plain streamed crew in a thread; closing it early waits for the run
to end, as CrewAI's does.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from crewai import Crew, CrewOutput
from crewai.types.streaming import CrewStreamingOutput, StreamChunk

from durable_adapters.adapter import RunHandle

from ._keys import agent_places
from ._stream import ChunkReader


def _reader(crew: Crew) -> ChunkReader:
    agents = {id(agent): agent for agent in [*crew.agents, crew.manager_agent] if agent is not None}
    return ChunkReader({place: str(agents[ident].id) for ident, place in agent_places(crew).items()})


async def _chunks(handle: RunHandle[CrewOutput], reader: ChunkReader) -> AsyncIterator[StreamChunk]:
    async for item in handle.stream():
        for chunk in reader.feed(item):
            yield chunk


def async_output(handle: RunHandle[CrewOutput], crew: Crew) -> CrewStreamingOutput:
    """The streaming output of a started run, for ``async for``."""
    holder: list[CrewStreamingOutput] = []

    async def iterate() -> AsyncIterator[StreamChunk]:
        async for chunk in _chunks(handle, _reader(crew)):
            yield chunk
        holder[0]._set_result(await handle.result())

    output = CrewStreamingOutput(async_iterator=iterate())
    holder.append(output)
    return output


def async_output_for_each(handles: list[RunHandle[CrewOutput]], crew: Crew) -> CrewStreamingOutput:
    """One streaming output for several runs (``akickoff_for_each``): their chunks as they come,
    then ``.results`` in the order of the inputs, as CrewAI merges a streamed kickoff_for_each."""
    holder: list[CrewStreamingOutput] = []

    async def iterate() -> AsyncIterator[StreamChunk]:
        merged: asyncio.Queue[StreamChunk | None] = asyncio.Queue()

        async def follow(handle: RunHandle[CrewOutput]) -> CrewOutput:
            try:
                async for chunk in _chunks(handle, _reader(crew)):
                    await merged.put(chunk)
            finally:
                await merged.put(None)
            return await handle.result()

        runs = [asyncio.ensure_future(follow(handle)) for handle in handles]
        try:
            ended = 0
            while ended < len(runs):
                chunk = await merged.get()
                if chunk is None:
                    ended += 1
                else:
                    yield chunk
            holder[0]._set_results(list(await asyncio.gather(*runs)))
        finally:
            for run in runs:
                run.cancel()

    output = CrewStreamingOutput(async_iterator=iterate())
    holder.append(output)
    return output


_END = object()


def sync_output(start: Callable[[], Awaitable[RunHandle[CrewOutput]]], crew: Crew) -> CrewStreamingOutput:
    """The streaming output of a run that ``start`` starts when iteration begins, for ``for``."""
    holder: list[CrewStreamingOutput] = []

    def iterate() -> Iterator[StreamChunk]:
        items: queue.Queue[Any] = queue.Queue()
        closed = threading.Event()

        async def pump() -> None:
            try:
                handle = await start()
                async for chunk in _chunks(handle, _reader(crew)):
                    if not closed.is_set():
                        items.put(chunk)
                items.put((_END, await handle.result()))
            except BaseException as exc:  # handed to the consumer, raised there
                items.put(exc)

        context = contextvars.copy_context()
        thread = threading.Thread(target=context.run, args=(asyncio.run, pump()), daemon=True)
        thread.start()
        try:
            while True:
                item = items.get()
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, tuple) and item[0] is _END:
                    holder[0]._set_result(item[1])
                    return
                yield item
        finally:
            closed.set()
            thread.join()

    output = CrewStreamingOutput(sync_iterator=iterate())
    holder.append(output)
    return output

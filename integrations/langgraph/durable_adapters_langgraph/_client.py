"""``durable(graph)``: the compiled graph, called the way LangGraph calls it.

``ainvoke`` / ``invoke`` return what the compiled graph returns (state with message objects);
``astream`` yields the chunks of the requested stream modes while the run progresses;
``start`` returns the run's handle at once (``pending_input()`` / ``resume(value)`` for
``interrupt()``); ``get_state`` / ``aget_state`` read a thread's state after its last completed
invocation. Each call is one durable run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command, Interrupt, StateSnapshot

from durable_adapters.adapter import DurableCore, RunHandle, UnsupportedError, run_sync

from . import _streaming, _thread
from ._payloads import PendingInput, PendingInterrupt, RunPayload
from ._sync_stream import iterate_sync
from ._toolset import plain_config
from ._values import decode, encode


def _encode_input(input: Any) -> Any:
    if isinstance(input, Command):
        if input.graph is not None:
            raise UnsupportedError("Command(graph=...) cannot start a run; it is for nodes")
        fields = {"resume": input.resume, "update": input.update, "goto": input.goto}
        return {"__command__": encode({key: value for key, value in fields.items() if value not in (None, ())})}
    return encode(input)


def _interrupt(data: PendingInterrupt) -> Interrupt:
    """An interrupt of a waiting run as LangGraph returns it (with its response schema, where
    the installed LangGraph has one: 1.2.0 has not)."""
    if data.response_schema is not None:
        return Interrupt(value=decode(data.value), id=data.id, response_schema=data.response_schema)  # type: ignore[call-arg,unused-ignore]
    return Interrupt(value=decode(data.value), id=data.id)


async def _result_or_interrupt(handle: RunHandle[Any], poll_interval: float = 0.1) -> Any:
    """The run's result, or — as soon as it waits in interrupt() — its state plus ``__interrupt__``.

    The caller keeps a worker up meanwhile: a query sent while the run's handle releases the
    embedded worker would otherwise wait for a poller that is gone.
    """
    result = asyncio.ensure_future(handle.result())
    try:
        while True:
            done, _ = await asyncio.wait({result}, timeout=poll_interval)
            if done:
                return result.result()
            try:
                prompt = await asyncio.wait_for(handle.pending_input(), timeout=5)
            except Exception:
                prompt = None  # not answerable yet (no workflow task so far); ask again
            if prompt is not None:
                pending = PendingInput.model_validate(prompt)
                values = decode(pending.values)
                interrupts = [_interrupt(i) for i in pending.interrupts]
                return (
                    {**values, "__interrupt__": interrupts}
                    if isinstance(values, dict)
                    else {"__interrupt__": interrupts}
                )
    finally:
        if not result.done():
            result.cancel()  # the run keeps waiting in Temporal; only this wait ends
            # Let the handle release the embedded worker completely before returning: a worker
            # acquired while the previous one still shuts down would collide with it.
            await asyncio.gather(result, return_exceptions=True)


def _crossing(what: str, write: Any, value: Any) -> Any:
    """``write(value)``, or a TypeError that says what could not cross into the run and what can."""
    try:
        return write(value)
    except TypeError as exc:
        raise TypeError(
            f"the {what} of a durable graph run cannot be written to its history ({exc}). Pass JSON "
            "data, LangChain messages and other Serializable objects, or values LangGraph's checkpoint "
            "serializer writes (dataclasses, pydantic models, enums, datetimes...)"
        ) from exc


def _stream_modes(stream_mode: str | Sequence[str] | None) -> list[str]:
    if stream_mode is None:
        return []
    return [stream_mode] if isinstance(stream_mode, str) else list(stream_mode)


class DurableGraph:
    """A durable compiled LangGraph graph (``StateGraph.compile()``, ``create_react_agent``, ``@entrypoint``).

    Guarantees: every chat-model call and every tool call of a run is one Temporal activity and
    is never sent again once it completed, whatever happens to workers; the output equals the
    plain graph's for the same model answers. ``thread_id`` in ``config["configurable"]``
    chains invocations into one conversation (runs ``<name>.thread.<thread_id>.<n>``).
    """

    def __init__(self, core: DurableCore) -> None:
        self.__durable_core__ = core

    @property
    def graph(self) -> Any:
        """The user's compiled graph (never modified)."""
        return self.__durable_core__.hosted.obj

    @property
    def name(self) -> str:
        return self.__durable_core__.name

    async def start(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] | None = None,
        subgraphs: bool = False,
        run_id: str | None = None,
        **unsupported: Any,
    ) -> RunHandle[Any]:
        """Start a run and return its handle at once (``await handle.result()`` for the output)."""
        if unsupported:
            raise UnsupportedError(
                f"durable graph runs do not take {sorted(unsupported)}; supported: input, config "
                "(configurable values, tags, metadata, recursion_limit), context, stream_mode, subgraphs, run_id. "
                "interrupt_before/after: use interrupt() in a node; checkpointers: the run is durable "
                "on Temporal and threads are kept by thread_id"
            )
        config = dict(config or {})
        if config.get("callbacks"):
            raise UnsupportedError("callbacks hold live objects and cannot cross into a durable run")
        run_config: dict[str, Any] = plain_config(config)
        if "recursion_limit" in config:
            run_config["recursion_limit"] = int(config["recursion_limit"])
        payload = RunPayload(
            input=_crossing("input", _encode_input, input),
            config=run_config,
            stream_mode=_stream_modes(stream_mode),
            context=_crossing("context", encode, context) if context is not None else None,
            subgraphs=bool(subgraphs),
        )
        thread_id = (config.get("configurable") or {}).get("thread_id")
        if thread_id is not None:
            if run_id is not None:
                raise UnsupportedError(
                    "run_id and thread_id together: on a thread, run ids are derived from the thread "
                    "(<name>.thread.<thread_id>.<n>); pass one of them"
                )
            core = self.__durable_core__
            client = await core.client()
            # A waiting run answers queries only while a worker polls: keep the embedded one up
            # until the run's own handle holds it.
            async with core.serving():
                waiting = await _thread.waiting_turn(client, self.name, str(thread_id))
                if waiting is not None:
                    return await self._answer(waiting, input, thread_id)
                run_id, payload.checkpoint = await _thread.next_turn(client, self.name, str(thread_id))
                return await core.start(payload.data(), run_id=run_id)
        return await self.__durable_core__.start(payload.data(), run_id=run_id)

    async def _answer(self, waiting: tuple[str, dict[str, Any]], input: Any, thread_id: Any) -> RunHandle[Any]:
        """The thread's run waits in interrupt(): ``Command(resume=...)`` answers it, as in LangGraph."""
        waiting_id, prompt = waiting
        if not isinstance(input, Command) or input.resume is None:
            raise UnsupportedError(
                f"thread {thread_id!r} has a run waiting for input ({waiting_id}, interrupts "
                f"{[i.get('value') for i in prompt.get('interrupts', [])]}); answer it with "
                "ainvoke(Command(resume=value), config) or its handle's resume(value) before a new input"
            )
        if input.update is not None or input.goto:
            raise UnsupportedError("resuming a waiting run takes Command(resume=...) only (no update/goto)")
        handle = await self.__durable_core__.attach(waiting_id)
        await handle.resume(encode(input.resume))
        return handle

    async def ainvoke(self, input: Any, config: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Run the graph durably; returns what ``graph.ainvoke`` returns (the final state).

        On a thread, a run that stops in ``interrupt()`` returns as LangGraph's does — the state
        so far plus ``"__interrupt__"`` — while the run waits durably; ``ainvoke(Command(resume=
        value), config)`` on the thread (from any process) answers it and continues. Without a
        thread, ``ainvoke`` waits until the run is answered through its handle (``start()``).
        """
        if (config or {}).get("configurable", {}).get("thread_id") is None:
            return await (await self.start(input, config, **kwargs)).result()
        async with self.__durable_core__.serving():
            return await _result_or_interrupt(await self.start(input, config, **kwargs))

    def invoke(self, input: Any, config: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """:meth:`ainvoke` from sync code."""
        return run_sync(self.ainvoke(input, config, **kwargs))

    async def astream(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        stream_mode: str | Sequence[str] = "updates",
        subgraphs: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """Yield the run's chunks while it runs, as ``graph.astream`` does.

        One mode yields chunks, several yield ``(mode, chunk)`` pairs, ``subgraphs=True`` puts the
        namespace first. 'messages' yields each model call's tokens live, ``(AIMessageChunk,
        metadata)`` as in a plain run; a call restarted mid-stream first yields
        ``(RemoveMessage(id=...), metadata)`` (see ``_streaming``). A failed run raises after the
        chunks it produced.
        """
        modes = _stream_modes(stream_mode)
        handle = await self.start(input, config, stream_mode=modes, subgraphs=subgraphs, **kwargs)
        own_thread = ((config or {}).get("configurable") or {}).get("thread_id") is None
        async for ns, mode, chunk in _streaming.items(handle, own_thread=own_thread):
            item = (chunk,) if isinstance(stream_mode, str) else (mode, chunk)
            if subgraphs:
                yield (ns, *item)
            else:
                yield item[0] if len(item) == 1 else item
        await handle.result()

    async def chunks(self, handle: RunHandle[Any]) -> AsyncIterator[tuple[str, Any]]:
        """``(mode, chunk)`` of a run started with ``start(..., stream_mode=...)``, as LangGraph objects.

        For streaming a run you also answer (``handle.resume``) while it goes on; ends with the run.
        """
        async for _, mode, chunk in _streaming.items(handle):
            yield mode, chunk

    def stream(self, input: Any, config: dict[str, Any] | None = None, **kwargs: Any) -> Iterator[Any]:
        """:meth:`astream` from sync code: the run is followed on an event loop of its own, in a
        thread (which also runs the embedded worker), and its chunks are handed over as they come."""
        return iterate_sync(lambda: self.astream(input, config, **kwargs))

    def astream_events(self, *args: Any, **kwargs: Any) -> Any:
        raise UnsupportedError(
            "astream_events is not supported on durable graphs: its events describe every runnable "
            "inside the run (run ids, inputs, callbacks) as the workflow executes it, not what a "
            "client can see. Use astream(..., stream_mode=['updates', 'messages', 'custom']): model "
            "tokens stream live in 'messages' mode"
        )

    async def aget_state(self, config: dict[str, Any]) -> StateSnapshot:
        """The thread's state after its last completed invocation, as ``graph.aget_state`` shows it."""
        thread_id = (config.get("configurable") or {}).get("thread_id")
        if thread_id is None:
            raise UnsupportedError("get_state needs config={'configurable': {'thread_id': ...}}")
        client = await self.__durable_core__.client()
        _, previous = await _thread.last_completed(client, self.name, str(thread_id), wait=False)
        saver = InMemorySaver()
        if previous is not None and previous.checkpoint is not None:
            from ._graph import _seed

            _seed(saver, str(thread_id), previous.checkpoint)
        snapshot: StateSnapshot = await self.graph.copy({"checkpointer": saver}).aget_state(
            {"configurable": {"thread_id": str(thread_id)}}
        )
        return snapshot

    def get_state(self, config: dict[str, Any]) -> StateSnapshot:
        """:meth:`aget_state` from sync code."""
        return run_sync(self.aget_state(config))

    def __repr__(self) -> str:
        return f"durable({type(self.graph).__name__} {self.name!r})"

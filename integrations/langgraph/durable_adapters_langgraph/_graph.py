"""Running the user's compiled graph inside the workflow.

The graph runs as LangGraph runs it — Pregel's own loop decides steps, ``Send`` fan-outs,
subgraphs, reducers, routers and ``Command`` gotos — on a copy of the compiled graph whose
checkpointer is an in-memory saver that lives in the workflow. (The user's own checkpointer,
if any, is not used inside durable runs: Temporal's history is what makes the run durable.)

* **Threads.** A run carries the thread's last checkpoint in (``payload.checkpoint``, taken
  from the previous run on that thread by the client) and its own last checkpoint out, so a
  second invocation on a ``thread_id`` continues the conversation of the first.
* **Interrupts.** When the graph stops on ``interrupt()``, the run waits durably for
  ``handle.resume(value)`` (``DurableCalls.wait_for_input``), then continues with
  ``Command(resume=value)`` — as LangGraph would after a later ``invoke``; the interrupted node
  starts again from its beginning, also as in LangGraph.
* **Streaming.** Chunks of the requested stream modes (of subgraphs too, with their namespace,
  for ``subgraphs=True``) are emitted into the run's stream while the run goes on
  (``DurableCalls.emit``), read by the client's ``astream``. A model call whose tokens stream
  live is announced in that order (``_model.Flush``, ``StreamedCall``); its tokens come from the
  activity, never through the workflow.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command, Interrupt
from temporalio import workflow

from durable_adapters.adapter import DurableCalls, UnsupportedError

from ._model import Flush
from ._payloads import CarriedCheckpoint, PendingInput, PendingInterrupt, RunPayload, RunResult, StreamEvent
from ._store import durable_store
from ._values import decode, decode_opaque, encode, encode_opaque

INTERRUPT_KEY = "__interrupt__"
OWN_MODES = ("updates", "values")


def _encode_interrupt(interrupt: Interrupt) -> PendingInterrupt:
    # interrupt(value, response_schema=...) (langgraph 1.2.x, not in 1.2.0) surfaces the JSON
    # schema of the answer it expects; LangGraph keeps it as a dict, so it crosses as it is.
    schema = getattr(interrupt, "response_schema", None)
    if schema is not None:
        return PendingInterrupt(id=interrupt.id, value=encode(interrupt.value), response_schema=schema)
    return PendingInterrupt(id=interrupt.id, value=encode(interrupt.value))


def _seed(saver: InMemorySaver, thread_id: str, carried: CarriedCheckpoint) -> None:
    checkpoint = decode_opaque(carried.checkpoint)
    metadata = decode_opaque(carried.metadata)
    config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    saver.put(config, checkpoint, metadata, checkpoint["channel_versions"])  # type: ignore[arg-type]


def _carry(saver: InMemorySaver, thread_id: str) -> CarriedCheckpoint | None:
    latest = saver.get_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    if latest is None:
        return None
    return CarriedCheckpoint(checkpoint=encode_opaque(latest.checkpoint), metadata=encode_opaque(latest.metadata))


def _output(graph: Any, values: Any) -> Any:
    """The state as ``ainvoke`` returns it: only the graph's output channels. ``astream``'s
    'values' chunks show the stream channels, which may be more (``create_agent``'s middleware
    keeps private fields such as ``jump_to`` or call counts there, omitted from its output)."""
    keys = getattr(graph, "output_channels", None)
    if isinstance(values, dict) and isinstance(keys, (list, tuple)):
        return {key: value for key, value in values.items() if key in keys}
    return values


async def run_graph(graph: Any, payload: RunPayload, calls: DurableCalls) -> RunResult:
    """Invoke ``graph`` on ``payload`` inside the workflow; the result for the client."""
    saver = InMemorySaver()
    update: dict[str, Any] = {"checkpointer": saver}
    store = durable_store(graph)
    if store is not None:
        update["store"] = store  # reads and writes of the graph's store become activities
    runnable = graph.copy(update)
    config: dict[str, Any] = dict(payload.config)
    configurable = dict(config.get("configurable") or {})
    # A run without a thread still gets one (its own run id), so interrupt() and state work.
    thread_id = str(configurable.get("thread_id") or f"run:{workflow.info().workflow_id}")
    configurable["thread_id"] = thread_id
    config["configurable"] = configurable
    if payload.checkpoint is not None:
        _seed(saver, thread_id, payload.checkpoint)

    requested: list[str] = list(payload.stream_mode)
    unknown = sorted(set(requested) - {"values", "updates", "messages", "custom", "debug", "tasks", "checkpoints"})
    if unknown:
        raise UnsupportedError(f"stream_mode {unknown} is not a LangGraph stream mode")
    modes = list(dict.fromkeys([*OWN_MODES, *requested]))
    options: dict[str, Any] = {}
    if payload.context is not None:
        options["context"] = decode(payload.context)

    graph_input: Any = decode(payload.input)
    if isinstance(payload.input, dict) and "__command__" in payload.input:
        graph_input = Command(**decode(payload.input["__command__"]))
    waits = 0
    while True:
        latest: Any = None
        interrupts: list[Interrupt] = []
        async for item in runnable.astream(
            graph_input, config, stream_mode=modes, subgraphs=payload.subgraphs, **options
        ):
            ns, mode, chunk = item if payload.subgraphs else ((), *item)
            if mode == "messages" and isinstance(chunk, tuple) and isinstance(chunk[0], Flush):
                chunk[0].reached()  # a streamed model call starts: everything before it is out
                continue
            if not ns and mode == "updates" and isinstance(chunk, dict) and chunk.get(INTERRUPT_KEY) is not None:
                interrupts.extend(chunk[INTERRUPT_KEY])
            elif not ns and mode == "values":
                latest = _output(graph, chunk)
            if mode in requested:
                calls.emit(StreamEvent(mode=mode, chunk=encode(chunk), ns=list(ns)).data())
        if not interrupts:
            break
        waits += 1
        # The state at the interrupt rides along (in the query answer, not in history), so a
        # client can return it as LangGraph's ainvoke does: values plus "__interrupt__".
        prompt = PendingInput(
            interrupts=[_encode_interrupt(interrupt) for interrupt in interrupts],
            thread_id=thread_id,
            values=encode(latest),
        )
        value = decode(await calls.wait_for_input(prompt.data()))
        if len(interrupts) > 1 and not (isinstance(value, dict) and set(value) <= {i.id for i in interrupts}):
            raise UnsupportedError(
                f"{len(interrupts)} interrupts are pending; resume with a dict from interrupt id to value "
                f"({[i.id for i in interrupts]})"
            )
        graph_input = Command(resume=value)
    return RunResult(
        output=encode(latest), thread_id=thread_id, checkpoint=_carry(saver, thread_id), interrupts_resumed=waits
    )

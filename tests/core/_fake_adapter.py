"""A test double for a *framework*: an adapter whose "agent loop" is a tiny JSON program.

Core tests host a :class:`FakeApp` under :class:`FakeAdapter` by putting a ``Hosted`` straight
into ``REGISTRY`` (the adapter is not an installed entry point) and start the REAL
``AgentLoopWorkflow`` on a real worker with ``{"steps": [...]}`` as the run payload. Each step
exercises one thing the core promises a framework:

``{"op": "model", "key": K, "request": {...}}``
    one async model call through ``calls.model``; its response is the step's result.
``{"op": "tool", "key": K, "request": {"numbers": [...]}}``
    one async tool call through ``calls.tool``.
``{"op": "sync_models", "keys": [K1, K2, ...], "hold_ms": H, "gate": NAME}``
    a SYNC function, started with ``asyncio.to_thread`` as a framework does, that makes one
    ``calls.model_sync`` call per key. Result: the responses in order and the thread it ran on
    before and after each call (under the bridge that is the workflow thread, every time).
    With ``hold_ms``, it keeps the workflow thread busy that long after each call, so that
    activations of concurrent runs overlap and a worker's executor has to use several threads.
    With ``gate``, the last call is held at that gate (see below).
``{"op": "values", "sync": bool}``
    ``uuid.uuid4()``, ``time.time()``, ``time.time_ns()`` and ``random.random()`` computed by
    the "framework" (in async code, or in sync code through ``to_thread``), next to
    ``workflow.now()``; then a model call whose key embeds the values, so that a replay that
    computed other values would schedule a different activity id (a nondeterminism failure).
``{"op": "connect", "port": P, "sync": bool, "api": "create_connection" | "socket"}``
    ``socket.create_connection(("127.0.0.1", P))`` (or ``socket.socket().connect``): an
    un-intercepted network call.
``{"op": "sleep", "seconds": S, "sync": bool}``
    ``time.sleep(S)``.
``{"op": "parallel", "steps": [...]}``
    the steps at once (``asyncio.gather``), as a framework runs parallel tool calls or branches.
``{"op": "edited_model", "key": K, "edit": NAME}``
    a model call with key ``EDITS.get(NAME, K)``: the test "edits the code" by setting ``EDITS[NAME]``.
``{"op": "stop_if", "edit": NAME}``
    ends the program when the test has set ``EDITS[NAME]`` (an edit that makes fewer calls), else
    a no-op step.
``{"op": "stream_model", "key": K, "request": {"chunks": [...], "gate": NAME, "gate_after": N, "fail_attempt": A}}``
    one model call made with ``stream=True``: the activity publishes each chunk ``{"text": c}``
    and answers ``{"key", "text"}`` (the chunks joined). With ``gate``, it waits at the gate
    after ``gate_after`` chunks; with ``fail_attempt``, that attempt fails (a retried, transient
    error) after publishing its chunks up to the gate point.
``{"op": "tool", "key": K, "request": {"transient_failures": N, "tool_error": M}}``
    with ``transient_failures``, the tool's first N attempts raise ``TransientCallError`` from a
    ``ConnectionRefusedError`` (I/O that may heal); with ``tool_error``, every attempt raises
    ``ValueError(M)`` (the tool's own error).
``{"op": "model", "key": K, "request": {"http_error": STATUS}}``
    the model answers with :class:`ProviderError` (``status_code`` STATUS), as a provider's SDK
    raises its HTTP errors.
``{"op": "swallow", "steps": [...]}``
    the steps, catching any exception as framework code does (``except Exception``); its result
    is the exception's class name, and the program goes on.
``{"op": "refuse", "message": M}``
    what an adapter does on reaching a construct it cannot run durably:
    ``raise calls.refuse(UnsupportedError(M))``.
``{"op": "raise", "message": M}``
    ``raise ValueError(M)``: the framework's own error.

The activities echo: a model call answers ``{"key", "echo", "reply"}``; a tool call sums.
A model request with ``"gate": NAME`` first waits for ``gate(NAME).release`` (an in-process
event the test sets) after setting ``gate(NAME).entered``, so a test can hold a call in flight.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle

from durable_adapters._payloads import RunInput, RunOptions, RunOutput
from durable_adapters._worker import create_worker
from durable_adapters._workflow import AgentLoopWorkflow
from durable_adapters.adapter import (
    REGISTRY,
    Adapter,
    DurableCalls,
    DurableCore,
    Hosted,
    LiveStream,
    TransientCallError,
    UnsupportedError,
    live_stream,
)

FRAMEWORK = "core-test"


@dataclass(eq=False)
class FakeApp:
    """The "framework object" a test hosts; it carries nothing but a name."""

    name: str


def model_reply(key: str, request: dict[str, Any]) -> str:
    """What the fake model answers (deterministic in its input)."""
    return f"{key}:{request.get('i', '-')}"


class ProviderError(Exception):
    """A provider SDK's HTTP error: built from a live response, which only the activity has."""

    def __init__(self, message: str, *, response: object) -> None:
        super().__init__(message)
        self.response = response
        self.status_code: int = getattr(response, "status", 0)


class FakeAdapter(Adapter):
    framework = FRAMEWORK

    # -- recognising and hosting -----------------------------------------------------------------
    def accepts(self, obj: Any) -> bool:
        return isinstance(obj, FakeApp)

    def default_name(self, obj: Any) -> str | None:
        return obj.name

    def host(self, hosted: Hosted) -> None:
        return None

    # -- client side -------------------------------------------------------------------------------
    def client(self, core: DurableCore) -> Any:
        return core

    def decode_result(self, hosted: Hosted, payload: dict[str, Any]) -> Any:
        return payload

    # -- inside the workflow -----------------------------------------------------------------------
    async def run(self, hosted: Hosted, payload: dict[str, Any], calls: DurableCalls) -> dict[str, Any]:
        results: list[Any] = []
        for step in payload.get("steps", []):
            if step["op"] == "stop_if" and step["edit"] in EDITS:
                break  # the "edited code" ends the program here
            results.append(await self._step(step, calls))
        return {"results": results}

    async def _step(self, step: dict[str, Any], calls: DurableCalls) -> Any:
        op = step["op"]
        if op == "model":
            return await calls.model(step["key"], step.get("request", {}), summary=f"model · {step['key']}")
        if op == "tool":
            return await calls.tool(step["key"], step.get("request", {}), summary=f"tool · {step['key']}")
        if op == "sync_models":
            return await asyncio.to_thread(
                _sync_models, calls, list(step["keys"]), step.get("hold_ms", 0), step.get("gate")
            )
        if op == "values":
            values = await asyncio.to_thread(_values) if step.get("sync") else _values()
            key = f"values/{values['uuid']}/{values['random']!r}/{values['time']!r}"
            values["model"] = await calls.model(key, {}, summary="values")
            return values
        if op in ("connect", "sleep"):
            return await _refused_io(step)
        if op == "ask":
            if step.get("sync"):
                return await asyncio.to_thread(calls.wait_for_input_sync, step["prompt"])
            return await calls.wait_for_input(step["prompt"])
        if op == "swallow":
            return await self._swallowed(step["steps"], calls)
        if op == "parallel":
            return list(await asyncio.gather(*(self._step(inner, calls) for inner in step["steps"])))
        if op == "edited_model":
            # A model call whose key the test can change between runs: an edit of the agent's code.
            key = EDITS.get(step["edit"], step["key"])
            return await calls.model(key, step.get("request", {}), summary=f"model · {key}")
        if op == "stop_if":
            return None
        if op == "emit":
            calls.emit(step["event"])
            return None
        if op == "stream_model":
            return await calls.model(
                step["key"], step.get("request", {}), summary=f"stream · {step['key']}", stream=True
            )
        if op in ("raise", "refuse"):
            error = ValueError(step["message"]) if op == "raise" else calls.refuse(UnsupportedError(step["message"]))
            raise error
        raise AssertionError(f"unknown op {op!r}")

    async def _swallowed(self, steps: list[dict[str, Any]], calls: DurableCalls) -> str | None:
        """Framework code that catches whatever its steps raise and goes on."""
        try:
            for inner in steps:
                await self._step(inner, calls)
        except Exception as exc:
            return type(exc).__name__
        return None

    # -- inside activities -------------------------------------------------------------------------
    async def call_model(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        stream = live_stream()
        if "chunks" in request:
            return await _streamed_reply(key, request, stream)
        if "http_error" in request:
            response = type("Response", (), {"status": request["http_error"]})()
            raise ProviderError(f"Error code: {request['http_error']}", response=response)
        if "gate" in request:
            held = gate(request["gate"])
            held.entered.set()
            await held.release.wait()
        return {"key": key, "echo": request, "reply": model_reply(key, request)}

    async def call_tool(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        attempt = activity.info().attempt
        if attempt <= request.get("transient_failures", 0):
            raise TransientCallError(f"store unreachable (attempt {attempt})") from ConnectionRefusedError(
                "connection refused"
            )
        if "tool_error" in request:
            raise ValueError(request["tool_error"])
        answer: dict[str, Any] = {"key": key, "sum": sum(request.get("numbers", []))}
        if hosted.definition is not None:
            answer["definition"] = hosted.definition  # which definition's tool answered
        return answer


async def _streamed_reply(key: str, request: dict[str, Any], stream: LiveStream | None) -> dict[str, Any]:
    """A model answering chunk by chunk; only a call made with ``stream=True`` has a stream to publish to."""
    chunks: list[str] = request["chunks"]
    attempt = activity.info().attempt
    for i, text in enumerate(chunks):
        if i == request.get("gate_after") and "gate" in request:
            held = gate(f"{request['gate']}/{attempt}")
            held.entered.set()
            if attempt == request.get("fail_attempt"):
                raise ConnectionError("the model connection dropped mid-answer")
            await held.release.wait()
        if stream is not None:
            stream.publish({"text": text})
        await asyncio.sleep(0)
    return {"key": key, "text": "".join(chunks)}


async def _refused_io(step: dict[str, Any]) -> str:
    """What the guard refuses: a network connection or ``time.sleep``, in async code or a thread."""
    if step["op"] == "connect":
        return await _maybe_sync(step, _connect, int(step["port"]), step.get("api", "create_connection"))
    return await _maybe_sync(step, _sleep, float(step["seconds"]))


async def _maybe_sync(step: dict[str, Any], fn: Any, *args: Any) -> Any:
    if step.get("sync"):
        return await asyncio.to_thread(fn, *args)
    return fn(*args)


def _sync_models(calls: DurableCalls, keys: list[str], hold_ms: float, gate_name: str | None) -> dict[str, Any]:
    """Sync framework code (a sync node, a sync step) making model calls one after the other."""
    responses, threads = [], []
    for i, key in enumerate(keys):
        threads.append(threading.get_ident())
        request: dict[str, Any] = {"i": i}
        if gate_name and i == len(keys) - 1:
            request["gate"] = gate_name
        responses.append(calls.model_sync(key, request, summary=f"sync model · {key}"))
        threads.append(threading.get_ident())
        if hold_ms:
            # Blocks the workflow thread (not time.sleep, which the guard refuses): CPU-bound
            # framework code between two calls, as far as the worker can tell.
            threading.Event().wait(hold_ms / 1000)
    return {"responses": responses, "threads": threads}


def _values() -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "time": time.time(),
        "time_ns": time.time_ns(),
        "random": random.random(),
        "now": workflow.now().timestamp(),
    }


def _connect(port: int, api: str) -> str:
    if api == "socket":
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(("127.0.0.1", port))
            return "connected"
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        return "connected"


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


@dataclass
class Gate:
    entered: asyncio.Event
    release: asyncio.Event


_GATES: dict[str, Gate] = {}
EDITS: dict[str, str] = {}


def gate(name: str) -> Gate:
    """The gate ``name`` (created on first use; activities run on the test's own event loop)."""
    if name not in _GATES:
        _GATES[name] = Gate(asyncio.Event(), asyncio.Event())
    return _GATES[name]


ADAPTER = FakeAdapter()


def host_fake(name: str) -> Hosted:
    """Host a fresh :class:`FakeApp` under ``name`` in this process's registry."""
    return REGISTRY.add(Hosted(name=name, obj=FakeApp(name), adapter=ADAPTER))


@asynccontextmanager
async def serving(client: Client, task_queue: str) -> AsyncIterator[str]:
    """A real worker (``create_worker``) polling ``task_queue`` for the length of the block."""
    async with create_worker(client, task_queue):
        yield task_queue


async def start_program(
    client: Client,
    task_queue: str,
    hosted: str,
    steps: list[dict[str, Any]],
    *,
    run_id: str,
    options: RunOptions | None = None,
    definition: str | None = None,
) -> WorkflowHandle[Any, RunOutput]:
    """Start the real agent-loop workflow on ``steps`` for the hosted fake app ``hosted``."""
    return await client.start_workflow(
        AgentLoopWorkflow.run,
        RunInput(
            hosted=hosted,
            framework=FRAMEWORK,
            payload={"steps": steps},
            options=options or RunOptions(),
            definition=definition,
        ),
        id=run_id,
        task_queue=task_queue,
    )


async def event_types(handle: WorkflowHandle[Any, Any]) -> list[int]:
    """The run's history as a list of ``EventType`` values."""
    return [event.event_type async for event in handle.fetch_history_events()]


WORKFLOW_TASK_FAILED = EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED

"""LLM calls: every ``BaseLLM.call``/``acall`` of a durable run's crew becomes a model activity.

Workflow side, the ``call``/``acall`` of every LLM class is replaced (the table in
:mod:`._interception`: class level, because a crew copy shares its LLM classes with every other
crew). The replacement acts only for LLM objects of the current run's crew copy (:mod:`._run`):
:func:`call_durably` / :func:`acall_durably` write down
what the request is made of — the messages, the tool schemas, the response model's name, the
stop words and streaming mode in effect for this LLM — and makes the call as a ``model_call``
activity. Callbacks and ``available_functions`` never cross: CrewAI's executor handles tool calls
itself (they come back as tool-call objects), and the native providers do not use callbacks.

Activity side, :func:`call_model` calls the live LLM object the worker hosts under the key (a
per-call copy of it, so token usage is counted per call and no run sees another's) through
CrewAI's sync ``call`` — the path a plain kickoff takes — on a thread, and sends back its
result — text, tool calls, or the response model's data — and the call's token usage, which the
workflow adds to the run's LLM exactly as CrewAI would have.

A call whose LLM streams (every agent's LLM in a ``Crew(stream=True)``, as CrewAI sets them) is
made with ``stream=True``: the activity publishes the live LLM's chunks as it streams, and the
workflow emits the call's agent before it and its answer after it (:mod:`._stream`). The
recorded request and response are the same as for any call.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from crewai.llms.base_llm import BaseLLM, call_stop_override, call_stream_override
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from temporalio import workflow

from durable_adapters.adapter import in_bridge, live_stream, reference, resolve

from . import _stream
from ._payloads import ModelRequest, ModelResponse
from ._run import current
from ._threads import in_thread

_USAGE_KEYS = (
    "total_tokens",
    "prompt_tokens",
    "completion_tokens",
    "successful_requests",
    "cached_prompt_tokens",
    "reasoning_tokens",
    "cache_creation_tokens",
)


def class_ref(cls: type) -> str:
    """How a class is named in history (``module:qualname``, the core's one format)."""
    return reference(cls)


def resolve_class(ref: str, known: dict[str, type] | None = None) -> Any:
    """The class (or any object) ``ref`` names, ``known`` first; callers check what they got."""
    if known and ref in known:
        return known[ref]
    return resolve(ref)


# -- values that cross: text, tool-call objects, response models ------------------------------


def encode_value(value: Any) -> Any:
    """A provider result as JSON that :func:`decode_value` turns back into equal objects."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return {"plain": value}
    if isinstance(value, BaseModel):
        return {"model": class_ref(type(value)), "data": value.model_dump(mode="json", exclude_unset=True)}
    if isinstance(value, list):
        return {"list": [encode_value(item) for item in value]}
    return {"json": to_jsonable_python(value)}


def decode_value(data: Any, known: dict[str, type] | None = None) -> Any:
    if "plain" in data:
        return data["plain"]
    if "model" in data:
        return resolve_class(data["model"], known).model_validate(data["data"])
    if "list" in data:
        return [decode_value(item, known) for item in data["list"]]
    return data["json"]


# -- workflow side ----------------------------------------------------------------------------


def _request(llm: BaseLLM, messages: Any, tools: Any, response_model: Any) -> dict[str, Any]:
    return ModelRequest(
        messages=to_jsonable_python(messages),
        tools=to_jsonable_python(tools) if tools else None,
        response_model=class_ref(response_model) if response_model is not None else None,
        stop=list(llm.stop_sequences) if llm.stop_sequences else None,
        stream=llm._effective_stream(),
    ).data()


def _result(llm: BaseLLM, data: dict[str, Any], response_model: Any) -> Any:
    response = ModelResponse.model_validate(data)
    for name in _USAGE_KEYS:
        llm._token_usage[name] = llm._token_usage.get(name, 0) + int(response.usage.get(name, 0))
    known = {class_ref(response_model): response_model} if response_model is not None else None
    return decode_value(response.result, known)


def fresh_usage(llms: Any) -> None:
    """Give a crew copy's LLMs token counters of their own, starting at zero.

    CrewAI's copies are shallow, so a copy's LLM shares its counter with the user's LLM (and with
    every other run's copy). Counters shared *within* the crew stay shared — agents that share one
    LLM count as they would in a plain run of a fresh crew.
    """
    fresh: dict[int, dict[str, int]] = {}
    for llm in llms:
        counter = llm._token_usage
        llm._token_usage = fresh.setdefault(id(counter), {name: 0 for name in counter})


_FROM_THREAD = (
    "CrewAI called an LLM from a thread it started itself inside a durable run{what}; a model call "
    "can only be made durably from the run's own loop, so this construct is not supported"
)


def key_for(llm: BaseLLM) -> str | None:
    """The key of ``llm`` in the current run's crew copy; None outside durable runs.

    Inside a run an LLM that is not one of the crew's keyed objects is refused: a worker could not
    find it."""
    run = current()
    if run is None:
        return None
    run.check()
    key = run.llm_keys.get(id(llm))
    if key is None and run.flow:
        from ._flow_calls import llm_key

        return llm_key(run, llm)
    if key is None:
        raise run.refuse(
            f"the crew called an LLM ({type(llm).__name__} {getattr(llm, 'model', '')!r}) that is not "
            "one of its agents' llm/function_calling_llm, manager_llm or planning_llm, so it has no "
            "stable name a worker could find it by; give every agent an explicit llm=LLM(...)"
        )
    return key


def _summary(key: str, llm: BaseLLM) -> str:
    return f"llm · {key} · {getattr(llm, 'model', '')}"


def call_durably(llm: BaseLLM, key: str, messages: Any, tools: Any, response_model: Any, from_agent: Any = None) -> Any:
    """A sync ``llm.call`` of the current run, as a ``model_call`` activity (the sync bridge waits)."""
    run = current()
    assert run is not None
    if not in_bridge():
        raise run.refuse(_FROM_THREAD.format(what=" (a synchronous LLM.call)"))
    request = {**_request(llm, messages, tools, response_model), **run.specs.get(key, {})}
    streamed = bool(request["stream"])
    if streamed:
        run.calls.emit(_stream.started_event(run, from_agent))
    response = run.calls.model_sync(key, request, summary=_summary(key, llm), conversation="messages", stream=streamed)
    result = _result(llm, response, response_model)
    if streamed:
        run.calls.emit(_stream.completed_event(result))
    return result


async def acall_durably(
    llm: BaseLLM, key: str, messages: Any, tools: Any, response_model: Any, from_agent: Any = None
) -> Any:
    """An ``llm.acall`` of the current run, as a ``model_call`` activity: where a model call leaves
    the workflow (``DurableCalls.model``)."""
    run = current()
    assert run is not None
    if not workflow.in_workflow():
        # An event loop of CrewAI's own, in a thread of its own (asyncio.run in a thread pool:
        # e.g. summarising the conversation when the context window is exceeded).
        raise run.refuse(
            _FROM_THREAD.format(
                what=" (LLM.acall on an event loop of its own, as when CrewAI summarises the conversation "
                "after the model reported its context window exceeded)"
            )
        )
    request = {**_request(llm, messages, tools, response_model), **run.specs.get(key, {})}
    streamed = bool(request["stream"])
    if streamed:
        run.calls.emit(_stream.started_event(run, from_agent))
    response = await run.calls.model(key, request, summary=_summary(key, llm), conversation="messages", stream=streamed)
    result = _result(llm, response, response_model)
    if streamed:
        run.calls.emit(_stream.completed_event(result))
    return result


# -- activity side ----------------------------------------------------------------------------


async def call_model(llm: BaseLLM, data: dict[str, Any], known: dict[str, type]) -> dict[str, Any]:
    """Send one recorded request through the worker's live ``llm``; the activity side of ``call``."""
    request = ModelRequest.model_validate(data)
    # A per-call copy shares the provider client but counts its own usage, so concurrent runs
    # on one worker never mix their token counts.
    per_call = llm.model_copy()
    per_call._token_usage = {name: 0 for name in _USAGE_KEYS}
    response_model = resolve_class(request.response_model, known) if request.response_model else None

    live = live_stream()

    def call() -> Any:
        with (
            call_stop_override(per_call, request.stop),
            call_stream_override(per_call, bool(request.stream)),
            _stream.publishing(per_call, live) if live is not None else nullcontext(),
        ):
            return per_call.call(
                request.messages,
                tools=request.tools,
                callbacks=None,
                available_functions=None,
                response_model=response_model,
            )

    # CrewAI's own sync path, as a plain kickoff takes it, in a thread: the provider call and
    # CrewAI's bookkeeping around it (first-use imports, token counting, event emission) must
    # never hold the activity's event loop past the heartbeat timeout.
    result = await in_thread(call)
    return ModelResponse(result=encode_value(result), usage=dict(per_call._token_usage)).data()


def describe(llm: BaseLLM, key: str) -> str:
    return f"{getattr(llm, 'model', type(llm).__name__)} ({key})"

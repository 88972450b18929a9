"""Chat-model calls: each generation of a ``BaseChatModel`` inside a durable run is an activity.

Workflow side, ``BaseChatModel._agenerate_with_cache`` / ``_generate_with_cache`` (the one
place every ``invoke``/``ainvoke``/``batch``/``generate`` reaches, after callbacks started) and
``astream`` / ``stream`` (which bypass it) are replaced once per process, at class level, by
functions that do nothing different outside a durable LangGraph run. Inside one, they write the
request down as data and run it as a ``model_call`` activity:

* the model as LangChain's own serialised form (``dumpd``: constructor kwargs, API keys as
  references such as ``{"type": "secret", "id": ["OPENAI_API_KEY"]}``, never their values) —
  which also covers models created at run time or kept in module globals;
* the messages as LangChain dicts; ``stop``; the bound kwargs (``bind_tools`` tools,
  ``tool_choice``...).

A model LangChain cannot serialise (a custom ``BaseChatModel`` subclass) is named instead by
its key in the hosted graph, where it was found when the graph was hosted; one that is neither
(created inside a node at run time), and bound kwargs that are not data (a pydantic class as
``response_format``), are refused with the reason instead of being called in the workflow.

Activity side, :func:`call_model` takes the live model object when this process has seen it (the
same fingerprint was intercepted here: explicit API keys and custom clients keep working), and
otherwise rebuilds it with ``load(..., secrets_from_env=True)`` from the worker's environment;
then it calls the *original* ``_agenerate_with_cache`` — so LangChain's own cache, rate limiter
and ``output_version`` handling apply — and returns the ``ChatResult`` as data.

Streaming: inside a durable run ``astream``/``stream`` yield the whole answer as one chunk,
because a model call is one activity with one recorded result.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.load import dumpd
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.utils import LC_ID_PREFIX

from durable_adapters.adapter import Hosted, UnsupportedError

from . import _run
from ._values import decode, encode, not_serialisable

_ORIGINAL: dict[str, Any] = {}
_installed = False
_lock = threading.Lock()

_LIVE_LIMIT = 256
_live: OrderedDict[str, BaseChatModel] = OrderedDict()
_loaded: OrderedDict[str, BaseChatModel] = OrderedDict()
_cache_lock = threading.Lock()


def model_key(model: BaseChatModel) -> str:
    """How the call is named in history: ``<class>/<model name>`` (e.g. ``ChatOpenAI/gpt-4o-mini``)."""
    name = getattr(model, "model_name", None) or getattr(model, "model", None) or getattr(model, "model_id", None)
    label = type(model).__name__
    return f"{label}/{name}" if isinstance(name, str) and name else label


def _remember(cache: OrderedDict[str, BaseChatModel], fingerprint: str, model: BaseChatModel) -> None:
    with _cache_lock:
        cache[fingerprint] = model
        cache.move_to_end(fingerprint)
        while len(cache) > _LIVE_LIMIT:
            cache.popitem(last=False)


# -- workflow side ----------------------------------------------------------------------------


def host_model(hosted: Hosted, model: BaseChatModel) -> str:
    """Keep a chat model found in the hosted graph under a stable key (``<class>/<model>``, then ``#2``...).

    Only used for models LangChain cannot serialise (a custom ``BaseChatModel`` subclass): their
    calls name the model by this key, and the activity takes the live object from the registry.
    """
    keys: dict[int, str] = hosted.state.setdefault("model_keys", {})
    if id(model) in keys:
        return keys[id(model)]
    base = key = model_key(model)
    n = 1
    while key in hosted.models:
        n += 1
        key = f"{base}#{n}"
    hosted.models[key] = model
    keys[id(model)] = key
    return key


def _model_spec(run: _run.DurableRun, model: BaseChatModel) -> dict[str, Any]:
    spec: dict[str, Any] = dumpd(model)
    missing = not_serialisable(spec)
    if spec.get("type") == "constructor" and not missing:
        return spec
    key = run.hosted.state.get("model_keys", {}).get(id(model))
    if key is not None:
        return {"hosted": key}
    raise _run.refuse(
        UnsupportedError(
            f"the chat model {model_key(model)} cannot be sent to an activity: LangChain cannot serialise "
            f"{', '.join(missing) or type(model).__name__} (is_lc_serializable() is {model.is_lc_serializable()}), "
            "and it is not part of the hosted graph (it was created while the graph ran). Create it where "
            "the graph is built — in a node's closure or the module — so the worker hosts it, or use a "
            "serialisable chat model (ChatOpenAI, ChatAnthropic...) built from plain values"
        )
    )


def build_request(
    run: _run.DurableRun,
    model: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    """The model call as data; raises :class:`UnsupportedError` for what cannot be written down."""
    spec = _model_spec(run, model)
    encoded_kwargs = dumpd(kwargs)
    missing = not_serialisable(encoded_kwargs)
    if missing:
        raise _run.refuse(
            UnsupportedError(
                f"a call of {model_key(model)} was bound to values that cannot be written as data: "
                f"{', '.join(missing)}. For structured output use with_structured_output(..., "
                "method='function_calling'), whose schema is bound as a plain tool definition"
            )
        )
    if "hosted" not in spec:
        _remember(_live, json.dumps(spec, sort_keys=True), model)
    return {
        "model": spec,
        "messages": [dumpd(message) for message in messages],
        "stop": stop,
        "kwargs": encoded_kwargs,
    }


def decode_result(data: dict[str, Any], run_manager: Any) -> ChatResult:
    generations = []
    for idx, item in enumerate(data["generations"]):
        message = decode(item["message"])
        # What _agenerate_with_cache does after generating, with the workflow's run id (which
        # _ids makes the same on replay); the activity ran without a run manager.
        if run_manager is not None and message.id is None:
            message.id = f"{LC_ID_PREFIX}-{run_manager.run_id}-{idx}"
        generations.append(ChatGeneration(message=message, generation_info=decode(item["generation_info"])))
    return ChatResult(generations=generations, llm_output=decode(data["llm_output"]))


def _summary(model: BaseChatModel) -> str:
    return f"model · {model_key(model)}"


async def _agenerate_with_cache(
    self: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None = None,
    run_manager: Any = None,
    **kwargs: Any,
) -> ChatResult:
    _run.refuse_off_workflow(f"a call of the chat model {model_key(self)}")
    run = _run.current()
    if run is None:
        plain: ChatResult = await _ORIGINAL["_agenerate_with_cache"](
            self, messages, stop=stop, run_manager=run_manager, **kwargs
        )
        return plain
    _raise_pending_refusal(run)
    request = build_request(run, self, messages, stop, kwargs)
    response = await run.calls.model(model_key(self), request, summary=_summary(self), conversation="messages")
    return decode_result(response, run_manager)


def _generate_with_cache(
    self: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None = None,
    run_manager: Any = None,
    **kwargs: Any,
) -> ChatResult:
    _run.refuse_off_workflow(f"a call of the chat model {model_key(self)}")
    run = _run.current()
    if run is None:
        plain: ChatResult = _ORIGINAL["_generate_with_cache"](
            self, messages, stop=stop, run_manager=run_manager, **kwargs
        )
        return plain
    _raise_pending_refusal(run)
    request = build_request(run, self, messages, stop, kwargs)
    # Sync code (a sync node calling llm.invoke) runs in a bridged greenlet: this suspends it
    # until the activity completes. Outside the bridge the core raises an UnsupportedError.
    response = run.calls.model_sync(model_key(self), request, summary=_summary(self), conversation="messages")
    return decode_result(response, run_manager)


def _as_chunk(message: BaseMessage) -> BaseMessage:
    if not isinstance(message, AIMessage) or isinstance(message, AIMessageChunk):
        return message
    chunks = [
        tool_call_chunk(name=call["name"], args=json.dumps(call["args"]), id=call["id"], index=i)
        for i, call in enumerate(message.tool_calls)
    ]
    chunks += [
        tool_call_chunk(name=bad.get("name"), args=bad.get("args"), id=bad.get("id"), index=len(chunks) + i)
        for i, bad in enumerate(message.invalid_tool_calls)
    ]
    return AIMessageChunk(
        content=message.content,
        additional_kwargs=message.additional_kwargs,
        response_metadata=message.response_metadata,
        usage_metadata=message.usage_metadata,
        id=message.id,
        name=message.name,
        tool_call_chunks=chunks,
        chunk_position="last",
    )


async def _astream(
    self: BaseChatModel, input: Any, config: Any = None, *, stop: list[str] | None = None, **kwargs: Any
) -> AsyncIterator[Any]:
    _run.refuse_off_workflow(f"a call of the chat model {model_key(self)}")
    if _run.current() is None:
        async for chunk in _ORIGINAL["astream"](self, input, config, stop=stop, **kwargs):
            yield chunk
        return
    # One model call is one activity with one recorded answer: stream it as a single chunk.
    yield _as_chunk(await self.ainvoke(input, config, stop=stop, **kwargs))


def _stream(
    self: BaseChatModel, input: Any, config: Any = None, *, stop: list[str] | None = None, **kwargs: Any
) -> Iterator[Any]:
    _run.refuse_off_workflow(f"a call of the chat model {model_key(self)}")
    if _run.current() is None:
        yield from _ORIGINAL["stream"](self, input, config, stop=stop, **kwargs)
        return
    yield _as_chunk(self.invoke(input, config, stop=stop, **kwargs))


def _raise_pending_refusal(run: _run.DurableRun) -> None:
    # A refusal inside a tool node may have been turned into a ToolMessage by the framework;
    # never let the model see it as data.
    if run.calls.refusal is not None:
        raise run.calls.refusal


def install() -> None:
    """Replace the four methods on ``BaseChatModel`` once per process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        replacements: dict[str, Any] = {
            "_agenerate_with_cache": _agenerate_with_cache,
            "_generate_with_cache": _generate_with_cache,
            "astream": _astream,
            "stream": _stream,
        }
        for name, replacement in replacements.items():
            _ORIGINAL[name] = BaseChatModel.__dict__[name]
            replacement.__wrapped__ = _ORIGINAL[name]  # type: ignore[attr-defined]
            replacement.__doc__ = _ORIGINAL[name].__doc__
            setattr(BaseChatModel, name, replacement)
        _installed = True


# -- activity side ----------------------------------------------------------------------------


def live_model(hosted: Hosted, spec: dict[str, Any]) -> BaseChatModel:
    """The model a request names: the live object seen in this process, else rebuilt from ``spec``."""
    if "hosted" in spec:
        return hosted.model(spec["hosted"])  # type: ignore[no-any-return]
    fingerprint = json.dumps(spec, sort_keys=True)
    with _cache_lock:
        model = _live.get(fingerprint) or _loaded.get(fingerprint)
    if model is None:
        model = decode(spec)
        if not isinstance(model, BaseChatModel):
            raise UnsupportedError(f"the recorded model {spec.get('id')} did not load as a chat model")
        _remember(_loaded, fingerprint, model)
    return model


def _encode_result(result: ChatResult) -> dict[str, Any]:
    return {
        "generations": [
            {"message": dumpd(generation.message), "generation_info": encode(generation.generation_info)}
            for generation in result.generations
        ],
        "llm_output": encode(result.llm_output),
    }


async def call_model(hosted: Hosted, request: dict[str, Any]) -> dict[str, Any]:
    """Send one recorded request to the real model (the activity side of ``_agenerate_with_cache``)."""
    model = live_model(hosted, request["model"])
    messages = [decode(message) for message in request["messages"]]
    kwargs = decode(request["kwargs"]) or {}
    result = await _ORIGINAL["_agenerate_with_cache"](model, messages, stop=request["stop"], run_manager=None, **kwargs)
    return _encode_result(result)

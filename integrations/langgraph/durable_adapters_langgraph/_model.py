"""Chat-model calls: each generation of a ``BaseChatModel`` inside a durable run is an activity.

Workflow side, the interception table (``_interception.PATCHES``) replaces
``BaseChatModel._agenerate_with_cache`` / ``_generate_with_cache`` (the one place every
``invoke``/``ainvoke``/``batch``/``generate`` reaches, after callbacks started) and ``astream`` /
``stream`` (which bypass it); inside a durable run they call :func:`generate` /
:func:`generate_sync` here, which write the request down as data (:class:`ModelRequest`) and
run it as a ``model_call`` activity:

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
then it calls LangChain's own ``_agenerate_with_cache`` (kept by the table) — so LangChain's own cache, rate limiter
and ``output_version`` handling apply — and returns the ``ChatResult`` as data.

Streaming: inside a durable run ``astream``/``stream`` yield the whole answer as one chunk,
because a model call is one activity with one recorded result.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.load import dumpd
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.utils import LC_ID_PREFIX

from durable_adapters.adapter import Hosted, UnsupportedError

from . import _run
from ._payloads import Generation, HostedModel, ModelRequest, ModelResponse
from ._values import decode, encode, not_serialisable

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
    keys = _run.graph_state(hosted).model_keys
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


def _model_spec(run: _run.DurableRun, model: BaseChatModel) -> HostedModel | dict[str, Any]:
    spec: dict[str, Any] = dumpd(model)
    missing = not_serialisable(spec)
    if spec.get("type") == "constructor" and not missing:
        return spec
    key = _run.graph_state(run.hosted).model_keys.get(id(model))
    if key is not None:
        return HostedModel(hosted=key)
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
    """The model call as data (a :class:`ModelRequest`'s); raises :class:`UnsupportedError` for
    what cannot be written down."""
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
    if not isinstance(spec, HostedModel):
        _remember(_live, json.dumps(spec, sort_keys=True), model)
    request = ModelRequest(
        model=spec, messages=[dumpd(message) for message in messages], stop=stop, kwargs=encoded_kwargs
    )
    return request.data()


def decode_result(data: dict[str, Any], run_manager: Any) -> ChatResult:
    response = ModelResponse.model_validate(data)
    generations = []
    for idx, item in enumerate(response.generations):
        message = decode(item.message)
        # What _agenerate_with_cache does after generating, with the workflow's run id (which
        # _ids makes the same on replay); the activity ran without a run manager.
        if run_manager is not None and message.id is None:
            message.id = f"{LC_ID_PREFIX}-{run_manager.run_id}-{idx}"
        generations.append(ChatGeneration(message=message, generation_info=decode(item.generation_info)))
    return ChatResult(generations=generations, llm_output=decode(response.llm_output))


def _summary(model: BaseChatModel) -> str:
    return f"model · {model_key(model)}"


async def generate(
    run: _run.DurableRun,
    model: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: Any,
    kwargs: dict[str, Any],
) -> ChatResult:
    """One generation inside a durable run: here the model call leaves the workflow, as a
    ``model_call`` activity (or comes back from history on replay)."""
    _raise_pending_refusal(run)
    request = build_request(run, model, messages, stop, kwargs)
    response = await run.calls.model(model_key(model), request, summary=_summary(model), conversation="messages")
    return decode_result(response, run_manager)


def generate_sync(
    run: _run.DurableRun,
    model: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: Any,
    kwargs: dict[str, Any],
) -> ChatResult:
    """:func:`generate` for sync code (a sync node calling ``llm.invoke``), which runs in a
    bridged greenlet: this suspends it until the activity completes. Outside the bridge the core
    raises an UnsupportedError."""
    _raise_pending_refusal(run)
    request = build_request(run, model, messages, stop, kwargs)
    response = run.calls.model_sync(model_key(model), request, summary=_summary(model), conversation="messages")
    return decode_result(response, run_manager)


def as_chunk(message: BaseMessage) -> BaseMessage:
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


def _raise_pending_refusal(run: _run.DurableRun) -> None:
    # A refusal inside a tool node may have been turned into a ToolMessage by the framework;
    # never let the model see it as data.
    if run.calls.refusal is not None:
        raise run.calls.refusal


# -- activity side ----------------------------------------------------------------------------


def live_model(hosted: Hosted, spec: HostedModel | dict[str, Any]) -> BaseChatModel:
    """The model a request names: the live object seen in this process, else rebuilt from ``spec``."""
    if isinstance(spec, HostedModel):
        return hosted.model(spec.hosted)  # type: ignore[no-any-return]
    fingerprint = json.dumps(spec, sort_keys=True)
    with _cache_lock:
        model = _live.get(fingerprint) or _loaded.get(fingerprint)
    if model is None:
        model = decode(spec)
        if not isinstance(model, BaseChatModel):
            raise UnsupportedError(f"the recorded model {spec.get('id')} did not load as a chat model")
        _remember(_loaded, fingerprint, model)
    return model


def _encode_result(result: ChatResult) -> ModelResponse:
    return ModelResponse(
        generations=[
            Generation(message=dumpd(generation.message), generation_info=encode(generation.generation_info))
            for generation in result.generations
        ],
        llm_output=encode(result.llm_output),
    )


async def call_model(hosted: Hosted, data: dict[str, Any]) -> dict[str, Any]:
    """Send one recorded request to the real model (the activity side of :func:`generate`)."""
    from ._interception import langchains_own  # the table imports this module

    request = ModelRequest.model_validate(data)
    model = live_model(hosted, request.model)
    messages = [decode(message) for message in request.messages]
    kwargs = decode(request.kwargs) or {}
    agenerate = langchains_own(BaseChatModel, "_agenerate_with_cache")
    result = await agenerate(model, messages, stop=request.stop, run_manager=None, **kwargs)
    return _encode_result(result).data()

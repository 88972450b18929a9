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
(created inside a node at run time), and bound kwargs that are not data, are refused with the
reason instead of being called in the workflow. A pydantic class bound as ``response_format``
(structured output) travels by reference, see ``_structured_output``.

Activity side, :func:`call_model` takes the live model object when this process has seen it (the
same fingerprint was intercepted here: explicit API keys and custom clients keep working), and
otherwise rebuilds it with ``load(..., secrets_from_env=True)`` from the worker's environment;
then it calls LangChain's own ``_agenerate_with_cache`` (kept by the table) — so LangChain's own cache, rate limiter
and ``output_version`` handling apply — and returns the ``ChatResult`` as data.

Streaming (see :func:`streams`): a generation that would hit the provider's streaming API in
a plain run (LangGraph's 'messages' mode attaches a streaming callback handler; ``astream`` /
``stream``; ``streaming=True``) is made with ``DurableCalls.model(..., stream=True)``. In the
activity the real model then streams — LangChain's own streaming branch, driven by a streaming
handler of ours (:class:`_Publisher`), so the request says ``"stream": true`` as the plain run's
does — and each chunk is published live (:class:`ModelChunk`); the recorded result is still the
whole answer. Before such a call the workflow emits a :class:`StreamedCall`: the id and the
'messages' metadata LangGraph would give the call's chunks, from which the client turns the live
chunks into LangGraph's ``(AIMessageChunk, metadata)`` items. Inside the graph, ``astream`` /
``stream`` still yield the answer as one chunk (the graph in the workflow sees only the result).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
import uuid
from collections import OrderedDict
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, BaseCallbackHandler
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.load import dumpd
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.utils import LC_ID_PREFIX
from langgraph.pregel._messages import StreamMessagesHandler

from durable_adapters.adapter import Hosted, LiveStream, UnsupportedError, await_only, live_stream, reference

from . import _retries, _run, _structured_output
from ._payloads import (
    Generation,
    HostedModel,
    ModelChunk,
    ModelFailure,
    ModelRequest,
    ModelResponse,
    StreamedCall,
    StreamView,
)
from ._values import decode, encode, encode_tree, not_serialisable

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
    # A bound pydantic class (structured output) travels as a reference plus its JSON schema.
    encoded_kwargs = dumpd(_structured_output.kwargs_as_data(kwargs))
    missing = not_serialisable(encoded_kwargs)
    if missing:
        raise _run.refuse(
            UnsupportedError(
                f"a call of {model_key(model)} was bound to values that cannot be written as data: "
                f"{', '.join(missing)}. Bind JSON values (tool definitions, JSON schemas) or pydantic "
                "classes, which are sent by reference"
            )
        )
    if not isinstance(spec, HostedModel):
        _remember(_live, json.dumps(spec, sort_keys=True), model)
    request = ModelRequest(
        model=spec,
        messages=[dumpd(message) for message in messages],
        stop=stop,
        kwargs=encoded_kwargs,
        retried_by=_retries.enclosing_retry(run.hosted.obj),
    )
    return request.data()


def decode_result(data: dict[str, Any], run_manager: Any, *, streamed: bool = False) -> ChatResult:
    response = ModelResponse.model_validate(data)
    generations = []
    for idx, item in enumerate(response.generations):
        message = decode(item.message)
        # What _agenerate_with_cache does, with the workflow's run id (which _ids makes the same
        # on replay): a streamed answer is named by its chunks' id, lc_run-<run id>; another one
        # lc_run-<run id>-<index>. The activity ran without the workflow's run manager.
        if run_manager is not None and message.id is None:
            message.id = message_id(run_manager) if streamed else f"{LC_ID_PREFIX}-{run_manager.run_id}-{idx}"
        generations.append(ChatGeneration(message=message, generation_info=decode(item.generation_info)))
    return ChatResult(generations=generations, llm_output=decode(response.llm_output))


def _summary(model: BaseChatModel) -> str:
    return f"model · {model_key(model)}"


def _raise_failure(data: dict[str, Any], model: BaseChatModel) -> None:
    """A call made inside the graph's own retry failed: raise its error for that retry to decide
    (see ``_retries``), as a failed call's error is raised when Temporal gave up on it."""
    if set(data) == {"failure"}:
        raise _retries.error_of(ModelFailure.model_validate(data["failure"]), _summary(model))


def message_id(run_manager: Any) -> str:
    """The id LangChain gives a streamed generation's chunks and answer."""
    return f"{LC_ID_PREFIX}-{run_manager.run_id}"


FORCED_STREAM: contextvars.ContextVar[bool] = contextvars.ContextVar("durable_langgraph_forced_stream", default=False)
"""Set by the astream/stream points around the generation they make: a plain ``astream`` always
hits the streaming API (unless the model disables streaming)."""


def streams(model: BaseChatModel, run_manager: Any, kwargs: dict[str, Any], *, async_api: bool) -> bool:
    """Whether the plain run would stream this generation: LangChain's own test (a streaming
    callback handler such as LangGraph's 'messages' handler, ``stream=True``, ``streaming=True``,
    not ``disable_streaming``), or an ``astream``/``stream`` call."""
    if FORCED_STREAM.get():
        return True
    return bool(model._should_stream(async_api=async_api, run_manager=run_manager, **kwargs))


def would_stream(model: BaseChatModel, kwargs: dict[str, Any], *, async_api: bool) -> bool:
    """Whether ``model.astream``/``stream`` would reach the streaming API (as they test it)."""
    return bool(model._should_stream(async_api=async_api, **{**kwargs, "stream": True}))


class Flush:
    """Put through the graph's own stream before a call's tokens stream: once ``_graph.run_graph``
    reads it, everything the graph streamed before the call (a node's ``get_stream_writer()``
    output, the previous step's chunks) has been emitted, so the tokens come after it, in the
    plain run's order."""

    def __init__(self) -> None:
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def reached(self) -> None:
        if not self.done.done():
            self.done.set_result(None)


def _views(run_manager: Any) -> list[tuple[StreamMessagesHandler, tuple[str, ...], dict[str, Any]]]:
    """The run's own 'messages' handlers that show this generation, with its namespace and metadata.

    Only the handler of the graph the workflow streams (its ``parent_ns`` is the root); a
    handler of a graph a node streams itself feeds that node, not the run's stream.
    """
    found = []
    for handler in getattr(run_manager, "handlers", None) or []:
        if type(handler) is not StreamMessagesHandler or handler.parent_ns:
            continue
        meta = handler.metadata.get(run_manager.run_id)
        if meta is not None:
            found.append((handler, meta[0], meta[1]))
    return found


def _announce(run: _run.DurableRun, run_manager: Any) -> Flush | None:
    """Before a streamed call: a flush of the graph's stream to wait for, then the
    :class:`StreamedCall` the client pairs with the call's start (the core's marker comes next)."""
    views = _views(run_manager)
    if not views:
        return None
    flush = Flush()
    handler, ns, _ = views[0]
    handler.stream((ns, "messages", (flush, {})))
    return flush


def _streamed_call(run_manager: Any) -> dict[str, Any]:
    views = [StreamView(ns=list(ns), metadata=encode_tree(meta)) for _, ns, meta in _views(run_manager)]
    return StreamedCall(streamed_call=message_id(run_manager), views=views).data()


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
    stream = streams(model, run_manager, kwargs, async_api=True)
    flush = _announce(run, run_manager) if stream else None
    if flush is not None:
        await flush.done
        run.calls.emit(_streamed_call(run_manager))
    response = await run.calls.model(
        model_key(model), request, summary=_summary(model), conversation="messages", stream=stream
    )
    _raise_failure(response, model)
    return _structured_output.parsed_as_class(
        decode_result(response, run_manager, streamed=stream), _structured_output.bound_schemas(kwargs)
    )


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
    stream = streams(model, run_manager, kwargs, async_api=False)
    flush = _announce(run, run_manager) if stream else None
    if flush is not None:
        await_only(flush.done)
        run.calls.emit(_streamed_call(run_manager))
    response = run.calls.model_sync(
        model_key(model), request, summary=_summary(model), conversation="messages", stream=stream
    )
    _raise_failure(response, model)
    return _structured_output.parsed_as_class(
        decode_result(response, run_manager, streamed=stream), _structured_output.bound_schemas(kwargs)
    )


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


_OWN_RUN = uuid.UUID(int=0)
_OWN_ID = f"{LC_ID_PREFIX}-{_OWN_RUN}"
"""The activity's run manager exists only to carry :class:`_Publisher`; the ids LangChain derives
from its run id are left out (the workflow names the answer with its own run id)."""


def _without_own_id(message: BaseMessage) -> dict[str, Any]:
    data: dict[str, Any] = dumpd(message)
    kwargs = data.get("kwargs")
    if isinstance(kwargs, dict) and str(kwargs.get("id") or "").startswith(_OWN_ID):
        kwargs.pop("id")
    return data


class _Publisher(BaseCallbackHandler):
    """Publishes each chunk LangChain's streaming branch hands to callbacks (``on_llm_new_token``).

    Its ``tap_output_*`` methods make it a LangChain streaming handler (the runtime-checkable
    ``_StreamingCallbackHandler`` protocol), so ``_agenerate_with_cache`` streams, exactly as for
    LangGraph's 'messages' handler in a plain run. Runs inline: chunks are published in order.
    """

    run_inline = True

    def __init__(self, stream: LiveStream, schema: str | None = None) -> None:
        self._stream = stream
        self._schema = schema

    def on_llm_new_token(self, token: Any, *, chunk: Any = None, run_id: Any = None, **kwargs: Any) -> None:
        if isinstance(chunk, ChatGenerationChunk):
            message = _structured_output.parsed_as_data(chunk.message)
            self._stream.publish(ModelChunk(message=_without_own_id(message), parsed_as=self._schema).data())

    def tap_output_aiter(self, run_id: Any, output: Any) -> Any:
        return output

    def tap_output_iter(self, run_id: Any, output: Any) -> Any:
        return output


def _publishing(stream: LiveStream, schema: str | None) -> AsyncCallbackManagerForLLMRun:
    return AsyncCallbackManagerForLLMRun(
        run_id=_OWN_RUN,
        handlers=[_Publisher(stream, schema)],
        inheritable_handlers=[],
        parent_run_id=None,
        tags=[],
        inheritable_tags=[],
        metadata={},
        inheritable_metadata={},
    )


async def call_model(hosted: Hosted, data: dict[str, Any]) -> dict[str, Any]:
    """Send one recorded request to the real model (the activity side of :func:`generate`);
    in a streamed call, publish each chunk while the answer arrives."""
    from ._interception import langchains_own  # the table imports this module

    request = ModelRequest.model_validate(data)
    model = live_model(hosted, request.model)
    messages = [decode(message) for message in request.messages]
    kwargs = _structured_output.kwargs_from_data(decode(request.kwargs) or {})
    agenerate = langchains_own(BaseChatModel, "_agenerate_with_cache")
    stream = live_stream()
    schemas = _structured_output.bound_schemas(kwargs)
    schema = reference(schemas[0]) if len(schemas) == 1 else None
    run_manager = _publishing(stream, schema) if stream is not None else None
    try:
        result = await agenerate(model, messages, stop=request.stop, run_manager=run_manager, **kwargs)
    except Exception as exc:
        if request.retried_by is None:
            raise  # Temporal retries what may heal
        # The graph's own retry decides: one attempt per framework attempt (see _retries).
        return {"failure": _retries.failure_of(exc)}
    for generation in result.generations:
        if str(generation.message.id or "").startswith(_OWN_ID):
            generation.message.id = None
    return _encode_result(_structured_output.result_as_data(result)).data()

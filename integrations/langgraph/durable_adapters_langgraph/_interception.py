"""Every LangChain/LangGraph point this adapter replaces: the table :data:`PATCHES`.

How a model call leaves the workflow, by name: ``LangGraphAdapter.run`` runs the user's graph
(``_graph.run_graph``) inside :func:`intercepting`; the graph's chat model reaches
``BaseChatModel._agenerate_with_cache``, which the table below replaces with
:func:`chat_model_agenerate`; inside a run that calls ``_model.generate``, which hands the
request to ``DurableCalls.model``: a ``model_call`` activity. Tool calls go the same way
(:func:`tool_ainvoke` → ``_toolset.call_durably`` → ``DurableCalls.tool``).

Why patches at all: LangChain's and LangGraph's extension points cannot carry a call out of the
workflow. Callbacks (``BaseCallbackHandler``) observe a generation or a tool run but cannot
replace its result; a ``RunnableConfig`` cannot swap a model or tool; ``create_agent``'s
middleware (``wrap_model_call``/``wrap_tool_call``) and ``ToolNode(wrap_tool_call=...)`` exist
only where the user built them in, never for a node that calls a model or tool itself; the
checkpointer sees state, not calls. Each point says why in its ``why``; ``docs/architecture.md``
shows the table and ``tests/langgraph/test_framework_internals.py`` checks every point on each
supported LangChain/LangGraph release (and that the docs list it).

Every replacement runs only while :func:`durable_adapters_langgraph._run.reachable` (a durable
run's graph, or a thread it started, where calls are refused); anywhere else, the activities
included, LangChain's own code runs, kept as ``__wrapped__``.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import langchain_core.callbacks.manager
import langchain_core.tracers.event_stream
import langgraph.checkpoint.base
import langgraph.graph.ui
import langgraph.pregel._checkpoint
import langgraph.pregel._messages
import langgraph.pregel._runner
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from langchain_core.tools import BaseTool
from langchain_core.tools.simple import Tool
from langchain_core.tools.structured import StructuredTool

from durable_adapters.adapter import Interceptions, reference, scoped

from . import _checkpoint_ids, _ids, _model, _run, _sync_tasks, _toolset

PATCHES = Interceptions("langgraph", active=_run.reachable)
"""The table: installed by ``LangGraphAdapter.host`` (:func:`install`), once per process."""


def intercepting(run: _run.DurableRun) -> AbstractContextManager[None]:
    """While the block runs, the table's replacements act for ``run`` (in its own context only)."""
    return scoped(_run.CURRENT, run)


def install() -> None:
    PATCHES.install()


# -- chat models -----------------------------------------------------------------------------

_NO_MODEL_HOOK = (
    "callbacks observe a generation but cannot replace its result, a RunnableConfig cannot swap the "
    "model, create_agent's wrap_model_call middleware exists only in create_agent graphs, and LangChain's "
    "cache (BaseCache) sees only string forms of the prompt and model and is skipped for cache=False models"
)


@PATCHES.point(
    BaseChatModel,
    "_agenerate_with_cache",
    side="workflow",
    why="every ainvoke/abatch/agenerate of any chat model reaches it, after callbacks started; inside a run "
    f"the generation becomes a model_call activity, which calls the original ({_NO_MODEL_HOOK})",
)
async def chat_model_agenerate(
    original: Callable[..., Any],
    self: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None = None,
    run_manager: Any = None,
    **kwargs: Any,
) -> ChatResult:
    run = _run.entered(f"a call of the chat model {_model.model_key(self)}")
    if run is None:
        plain: ChatResult = await original(self, messages, stop=stop, run_manager=run_manager, **kwargs)
        return plain
    return await _model.generate(run, self, messages, stop, run_manager, kwargs)


@PATCHES.point(
    BaseChatModel,
    "_generate_with_cache",
    side="workflow",
    why="the sync counterpart (invoke/batch/generate from a sync node): the node's greenlet waits for "
    f"the model_call activity ({_NO_MODEL_HOOK})",
)
def chat_model_generate(
    original: Callable[..., Any],
    self: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None = None,
    run_manager: Any = None,
    **kwargs: Any,
) -> ChatResult:
    run = _run.entered(f"a call of the chat model {_model.model_key(self)}")
    if run is None:
        plain: ChatResult = original(self, messages, stop=stop, run_manager=run_manager, **kwargs)
        return plain
    return _model.generate_sync(run, self, messages, stop, run_manager, kwargs)


@PATCHES.point(
    BaseChatModel,
    "astream",
    side="workflow",
    why="streaming bypasses _agenerate_with_cache (it calls the provider's _astream) and no callback can "
    "stop it; inside a run the answer is one streamed model_call activity (its tokens reach the run's "
    "'messages' stream live), yielded to the graph as one chunk",
)
async def chat_model_astream(
    original: Callable[..., Any],
    self: BaseChatModel,
    input: Any,
    config: Any = None,
    *,
    stop: list[str] | None = None,
    **kwargs: Any,
) -> AsyncIterator[Any]:
    if _run.entered(f"a call of the chat model {_model.model_key(self)}") is None:
        async for chunk in original(self, input, config, stop=stop, **kwargs):
            yield chunk
        return
    # One model call is one activity with one recorded answer: the graph gets it as a single
    # chunk. The request streams as the plain astream's does, and so do its tokens to the client.
    token = _model.FORCED_STREAM.set(_model.would_stream(self, kwargs, async_api=True))
    try:
        answer = await self.ainvoke(input, config, stop=stop, **kwargs)
    finally:
        _model.FORCED_STREAM.reset(token)
    yield _model.as_chunk(answer)


@PATCHES.point(
    BaseChatModel,
    "stream",
    side="workflow",
    why="as astream, for sync code: it bypasses _generate_with_cache",
)
def chat_model_stream(
    original: Callable[..., Any],
    self: BaseChatModel,
    input: Any,
    config: Any = None,
    *,
    stop: list[str] | None = None,
    **kwargs: Any,
) -> Iterator[Any]:
    if _run.entered(f"a call of the chat model {_model.model_key(self)}") is None:
        yield from original(self, input, config, stop=stop, **kwargs)
        return
    token = _model.FORCED_STREAM.set(_model.would_stream(self, kwargs, async_api=False))
    try:
        answer = self.invoke(input, config, stop=stop, **kwargs)
    finally:
        _model.FORCED_STREAM.reset(token)
    yield _model.as_chunk(answer)


# -- tools -----------------------------------------------------------------------------------
# Stacked declarations are made bottom-up: the table lists BaseTool's point first.

_NO_TOOL_HOOK = (
    "callbacks (on_tool_start) cannot replace a tool's result, and ToolNode's wrap_tool_call is fixed "
    "when the user's graph is built and misses tools a node calls itself"
)


@PATCHES.point(
    Tool,
    "ainvoke",
    side="workflow",
    why="Tool overrides BaseTool.ainvoke as well",
)
@PATCHES.point(
    StructuredTool,
    "ainvoke",
    side="workflow",
    why="@tool functions are StructuredTools, which override BaseTool.ainvoke (a sync function runs in an "
    "executor), so the BaseTool point alone misses them",
)
@PATCHES.point(
    BaseTool,
    "ainvoke",
    side="workflow",
    why="every tool call (ToolNode, create_agent, a node calling tool.ainvoke) reaches it; inside a run it "
    f"becomes a tool_call activity, which calls the original ({_NO_TOOL_HOOK})",
)
async def tool_ainvoke(
    original: Callable[..., Any], self: BaseTool, input: Any, config: Any = None, **kwargs: Any
) -> Any:
    run = _run.entered(f"a call of the tool {self.name!r}")
    if run is None:
        return await original(self, input, config, **kwargs)
    return await _toolset.call_durably(run, self, input, config, kwargs)


@PATCHES.point(
    BaseTool,
    "invoke",
    side="workflow",
    why="the sync counterpart (a sync node calling tool.invoke): its greenlet waits for the activity "
    f"({_NO_TOOL_HOOK})",
)
def tool_invoke(original: Callable[..., Any], self: BaseTool, input: Any, config: Any = None, **kwargs: Any) -> Any:
    run = _run.entered(f"a call of the tool {self.name!r}")
    if run is None:
        return original(self, input, config, **kwargs)
    return _toolset.call_durably_sync(run, self, input, config, kwargs)


_TOOL_METHODS: dict[str, Callable[..., Any]] = {"ainvoke": tool_ainvoke, "invoke": tool_invoke}
_overrides: dict[tuple[type, str], Interceptions] = {}
_overrides_lock = threading.Lock()


def intercept_tool_class(cls: type[BaseTool]) -> None:
    """Give every ``ainvoke``/``invoke`` that a tool class found in a hosted graph defines itself,
    from ``cls`` up to ``BaseTool`` and not in the table (a user's or an integration's subclass),
    the table's tool replacement: otherwise its override would run in the workflow and call the
    tool there. These are not framework points (the table cannot name them in advance); each is
    installed the table's way, active under the same test, its original kept as ``__wrapped__``."""
    declared = {(point.owner, point.attribute) for point in PATCHES.table()}
    with _overrides_lock:
        for klass in cls.__mro__:
            if not (isinstance(klass, type) and issubclass(klass, BaseTool)):
                continue
            for name, replacement in _TOOL_METHODS.items():
                if name not in vars(klass) or (klass, name) in declared or (klass, name) in _overrides:
                    continue
                override = Interceptions(f"langgraph tool class {reference(klass)}", active=_run.reachable)
                override.point(klass, name, side="workflow", why=f"overrides BaseTool.{name}")(replacement)
                override.install()
                _overrides[(klass, name)] = override


def langchains_own(owner: type, name: str) -> Callable[..., Any]:
    """``owner.name`` as LangChain defines it (the activities call it): the original a table point
    or a tool-class override keeps as ``__wrapped__``, or the attribute itself where none applies."""
    attribute = vars(owner)[name]
    declared = any(point.owner is owner and point.attribute == name for point in PATCHES.table())
    replaced = (declared and PATCHES.installed) or (owner, name) in _overrides
    return attribute.__wrapped__ if replaced else attribute  # type: ignore[no-any-return]


# -- replay-stable ids (stacked declarations, made bottom-up) ---------------------------------

_IDS_ACTIVE = _run.in_workflow_run
"""Only in the workflow itself: a thread a node started has no workflow clock or random stream
(a model or tool call made there is refused by the points above, naming it)."""


@PATCHES.point(
    langchain_core.tracers.event_stream,
    "uuid7",
    side="workflow",
    active=_IDS_ACTIVE,
    why="run ids of the event-stream tracer (astream_events, 'messages' mode), as callbacks' run ids",
)
@PATCHES.point(
    langchain_core.callbacks.manager,
    "uuid7",
    side="workflow",
    active=_IDS_ACTIVE,
    why="callback run ids (uuid_utils.uuid7, a Rust extension the core's guard cannot route; no config "
    "sets a nested run's id) become message ids that flow into the next model call's input: drawn from "
    "the workflow's clock and random stream, so a replay builds the same input",
)
def run_id_uuid7(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return _ids.routed_uuid7(original, *args, **kwargs)


@PATCHES.point(
    langgraph.graph.ui,
    "uuid4",
    side="workflow",
    active=_IDS_ACTIVE,
    why="generative-UI message ids: a uuid4 bound at import, as in the 'messages' stream handler",
)
@PATCHES.point(
    langgraph.pregel._messages,
    "uuid4",
    side="workflow",
    active=_IDS_ACTIVE,
    why="LangGraph's 'messages' stream handler stamps message ids with a uuid4 bound at import "
    "(from uuid import uuid4), out of reach of the core's routing of uuid.uuid4",
)
def message_id_uuid4(original: Callable[..., Any]) -> Any:
    return _ids.routed_uuid4(original)


@PATCHES.point(
    langgraph.checkpoint.base,
    "uuid6",
    side="workflow",
    active=_IDS_ACTIVE,
    why="empty and new checkpoints' ids, as in langgraph.pregel._checkpoint",
)
@PATCHES.point(
    langgraph.pregel._checkpoint,
    "uuid6",
    side="workflow",
    active=_IDS_ACTIVE,
    why="checkpoint ids name tasks and interrupts; LangGraph's uuid6 keeps a process-wide last "
    "timestamp, so a replay would draw other ids: drawn from the run's clock, random stream and "
    "own last timestamp instead",
)
def checkpoint_uuid6(original: Callable[..., Any], node: int | None = None, clock_seq: int | None = None) -> Any:
    return _checkpoint_ids.run_uuid6(node, clock_seq)


# -- the Functional API in sync style ---------------------------------------------------------


@PATCHES.point(
    langgraph.pregel._runner,
    "_acall",
    side="workflow",
    active=_sync_tasks.on_the_bridge,
    why="a task called from sync code (a sync @entrypoint or task on the sync bridge, which runs inside "
    "an asyncio task) would get an asyncio future whose .result() fails at once; it gets the "
    "concurrent future a thread gets, whose .result() waits on the workflow loop",
)
def task_acall(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return _sync_tasks.bridged_acall(original, *args, **kwargs)

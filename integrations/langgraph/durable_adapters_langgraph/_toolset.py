"""Tool calls: each ``BaseTool.ainvoke``/``invoke`` inside a durable run is an activity.

Workflow side, the interception table (``_interception.PATCHES``) replaces ``ainvoke``/``invoke``
on ``BaseTool`` and on every subclass that overrides them (``StructuredTool``, ``Tool``, and
user subclasses found when a graph is hosted); outside a durable LangGraph run they are the
originals. Inside one, they call :func:`call_durably` here: the call is written down — the
tool call (name, args, id) with LangGraph's injected arguments as data:
``InjectedState`` values, ``InjectedToolCallId``, and ``ToolRuntime`` as its state, context,
config and tool call id — and run as a ``tool_call`` activity under the tool's stable key.

Activity side, :func:`call_tool` rebuilds the injected values and calls LangChain's own
``ainvoke`` of the live tool (kept by the table), so argument validation, ``handle_tool_error`` and the
``ToolMessage`` it builds are LangChain's own. What the tool raises comes back as data and is
raised again in the workflow as the same exception type where that type can be rebuilt, so
``ToolNode(handle_tool_errors=...)`` turns it into the same error message as in a plain run.

Tool keys are the tool's name within the hosted graph (a second, different tool with the same
name gets ``name~2``), found by walking the graph when it is hosted: ``ToolNode``s, subgraphs,
and tools, tool nodes and graphs referenced by node functions (globals and closures).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langgraph.errors import GraphInterrupt
from langgraph.prebuilt.tool_node import ToolNode, ToolRuntime
from langgraph.pregel import Pregel
from pydantic import ValidationError
from pydantic_core import InitErrorDetails

from durable_adapters.adapter import Hosted, reference, resolve

from . import _run, _tool_pause
from ._internals import PREGEL_CONFIGURABLE, PREGEL_METADATA_PREFIX, PREGEL_TAG_PREFIX
from ._model import host_model
from ._payloads import ToolError, ToolPause, ToolRequest, ToolResponse
from ._values import decode, encode

_RUNTIME = "__durable_tool_runtime__"


# -- finding tools when a graph is hosted ----------------------------------------------------


def _values_of(obj: Any) -> Iterable[Any]:
    if isinstance(obj, dict):
        return obj.values()
    if isinstance(obj, (list, tuple, set, frozenset)):
        return obj
    return (obj,)


_MAX_DEPTH = 6
_PARTS = ("func", "afunc", "bound", "steps", "first", "middle", "last", "runnable", "tools")
"""Attributes of a runnable that hold what it runs: a node's function, a binding's model or
tool, a sequence's steps (``RunnableSequence``, ``RunnableBinding``, ``RunnableCallable``...)."""


def find_objects(graph: Any) -> list[Any]:
    """Every tool and chat model a graph can reach: ToolNodes, subgraphs, bindings, and what
    node functions refer to (globals and closures, a few levels deep)."""
    walk = _Walk()
    walk.visit(graph, 0)
    return list(walk.found.values())


class _Walk:
    """One walk over a graph: what it found, and everything it has seen (objects and functions,
    by id, so shared parts and cycles are visited once)."""

    def __init__(self) -> None:
        self.found: dict[int, Any] = {}
        self.seen: set[int] = set()

    def visit(self, obj: Any, depth: int) -> None:
        if depth > _MAX_DEPTH or id(obj) in self.seen:
            return
        self.seen.add(id(obj))
        if isinstance(obj, BaseChatModel):
            self.found.setdefault(id(obj), obj)
        elif isinstance(obj, BaseTool):
            self.found.setdefault(id(obj), obj)
            self.visit_function(getattr(obj, "func", None), depth + 1)
            self.visit_function(getattr(obj, "coroutine", None), depth + 1)
        elif isinstance(obj, ToolNode):
            for tool in obj.tools_by_name.values():
                self.visit(tool, depth + 1)
        elif isinstance(obj, Pregel):
            for node in obj.nodes.values():
                self.visit(node.bound, depth + 1)
                for subgraph in getattr(node, "subgraphs", ()) or ():
                    self.visit(subgraph, depth + 1)
        else:
            self.visit_parts(obj, depth)

    def visit_parts(self, obj: Any, depth: int) -> None:
        """A runnable of another kind: what its parts (:data:`_PARTS`) hold."""
        for attr in _PARTS:
            value = getattr(obj, attr, None)
            if value is None or isinstance(value, (str, bytes, int, float)):
                continue
            if callable(value) and not isinstance(value, (BaseTool, Pregel, ToolNode)) and inspect.isroutine(value):
                self.visit_function(value, depth + 1)
            else:
                for item in _values_of(value):
                    self.visit(item, depth + 1)

    def visit_function(self, fn: Any, depth: int) -> None:
        """What a function refers to: its closure's cells and the globals its code (and nested
        functions' code) names."""
        fn = inspect.unwrap(fn) if callable(fn) else None
        code = getattr(fn, "__code__", None)
        if code is None or depth > _MAX_DEPTH or id(fn) in self.seen:
            return
        self.seen.add(id(fn))
        referenced: list[Any] = [cell.cell_contents for cell in (fn.__closure__ or ()) if _has_contents(cell)]
        names = set(code.co_names)
        for const in code.co_consts:  # nested functions/lambdas
            if inspect.iscode(const):
                names.update(const.co_names)
        referenced += [fn.__globals__[name] for name in names if name in fn.__globals__]
        for value in referenced:
            for item in _values_of(value):
                if isinstance(item, (BaseTool, ToolNode, Pregel, BaseChatModel, Runnable)):
                    self.visit(item, depth + 1)
                elif inspect.isfunction(item) or hasattr(item, "func"):
                    # @task functions and helpers: one level further
                    self.visit_function(getattr(item, "func", item), depth + 1)


def _has_contents(cell: Any) -> bool:
    try:
        _ = cell.cell_contents  # raises ValueError while the closure's variable is unassigned
    except ValueError:
        return False
    return True


def host_tools(hosted: Hosted) -> list[type[BaseTool]]:
    """Register the graph's tools under stable keys and keep its chat models by identity (for the
    few that LangChain cannot serialise, see ``_model``); the classes of the tools found (whose
    own ``ainvoke``/``invoke`` overrides ``_interception.intercept_tool_class`` intercepts)."""
    keys = _run.graph_state(hosted).tool_keys
    classes: list[type[BaseTool]] = []
    for obj in find_objects(hosted.obj):
        if isinstance(obj, BaseTool):
            _assign_key(hosted, keys, obj)
            classes.append(type(obj))
        elif isinstance(obj, BaseChatModel):
            host_model(hosted, obj)
    return classes


def _assign_key(hosted: Hosted, keys: dict[int, str], tool: BaseTool) -> str:
    key = tool.name
    n = 1
    while key in hosted.tools and hosted.tools[key] is not tool:
        n += 1
        key = f"{tool.name}~{n}"
    hosted.tools[key] = tool
    keys[id(tool)] = key
    return key


def tool_key(hosted: Hosted, tool: BaseTool) -> str:
    """The key of ``tool``; a tool first met at run time (made inside a node) is registered by name."""
    keys = _run.graph_state(hosted).tool_keys
    key = keys.get(id(tool))
    if key is not None and hosted.tools.get(key) is tool:
        return key
    if tool.name not in hosted.tools:
        return _assign_key(hosted, keys, tool)
    return tool.name


# -- workflow side ----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """``value`` if it is JSON data (dicts, lists, strings, numbers, booleans, None), else None."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_plain(item) for item in value]
        return items if all(item is not None or orig is None for item, orig in zip(items, value, strict=True)) else None
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, str) and (plain := _plain(item)) is not None:
                out[key] = plain
        return out
    return None


def plain_config(config: Any) -> dict[str, Any]:
    """The JSON part of a RunnableConfig: user configurable keys, tags, metadata, run name."""
    config = config or {}
    configurable = {
        key: value
        for key, value in (config.get("configurable") or {}).items()
        if not key.startswith("__") and key not in PREGEL_CONFIGURABLE
    }
    metadata = {
        key: value
        for key, value in (config.get("metadata") or {}).items()
        if not key.startswith(PREGEL_METADATA_PREFIX)
    }
    return {
        "configurable": _plain(configurable) or {},
        "tags": [tag for tag in config.get("tags") or [] if not tag.startswith(PREGEL_TAG_PREFIX)],
        "metadata": _plain(metadata) or {},
        **({"run_name": config["run_name"]} if isinstance(config.get("run_name"), str) else {}),
    }


_STORE = "__durable_store__"


def _encode_arg(value: Any) -> Any:
    from langgraph.store.base import BaseStore

    if isinstance(value, ToolRuntime):
        return {
            _RUNTIME: {
                "state": encode(value.state),
                "context": encode(value.context),
                "config": plain_config(value.config),
                "tool_call_id": value.tool_call_id,
                # the graph's store: the live one in the activity (written only when there is one)
                **({"store": True} if value.store is not None else {}),
            }
        }
    if isinstance(value, BaseStore):
        return {_STORE: True}  # InjectedStore: the graph's live store in the activity
    return encode(value)


def encode_input(input: Any) -> Any:
    if isinstance(input, dict):
        if input.get("type") == "tool_call" and isinstance(input.get("args"), dict):
            return {**input, "args": {name: _encode_arg(value) for name, value in input["args"].items()}}
        return {"__args__": {name: _encode_arg(value) for name, value in input.items()}}
    return encode(input)


def _reraise(error: ToolError) -> BaseException:
    """The tool's exception, rebuilt as its own type where possible (so handlers treat it the same)."""
    cls: Any = None
    try:
        cls = resolve(error.type)  # module:qualname; histories before issue 12 hold module.qualname
    except Exception:
        cls = None
    if cls is ValidationError and error.errors is not None:
        try:
            details = [InitErrorDetails(**item) for item in error.errors]  # type: ignore[typeddict-item]
            return ValidationError.from_exception_data(error.title or "ValidationError", details)
        except Exception:
            pass
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(*decode(error.args))
        except Exception:
            pass
    return ToolCallFailed(f"{error.type}: {error.message}")


class ToolCallFailed(Exception):
    """A tool raised an exception whose type cannot be rebuilt in the workflow; the message names it."""


def _request(input: Any, config: Any, kwargs: dict[str, Any], pause: ToolPause | None) -> dict[str, Any]:
    return ToolRequest(
        input=encode_input(input), config=plain_config(config), kwargs=encode(kwargs), pause=pause
    ).data()


async def call_durably(run: _run.DurableRun, tool: BaseTool, input: Any, config: Any, kwargs: dict[str, Any]) -> Any:
    """One tool invocation inside a durable run: here the tool call leaves the workflow, as a
    ``tool_call`` activity (or comes back from history on replay). A task with ``interrupt()``
    answers lends them to the tool (``_tool_pause``), one tool call at a time."""
    scratchpad = _tool_pause.task_scratchpad()
    if not _tool_pause.has_answers(scratchpad):
        return await _call(run, tool, input, config, kwargs, None)
    assert scratchpad is not None
    async with run.task_locks.lock(scratchpad):
        return await _call(run, tool, input, config, kwargs, scratchpad)


async def _call(
    run: _run.DurableRun, tool: BaseTool, input: Any, config: Any, kwargs: dict[str, Any], scratchpad: Any
) -> Any:
    request = _request(input, config, kwargs, _tool_pause.snapshot(scratchpad))
    response = await run.calls.tool(tool_key(run.hosted, tool), request, summary=f"tool · {tool.name}")
    return _result(response)


def call_durably_sync(run: _run.DurableRun, tool: BaseTool, input: Any, config: Any, kwargs: dict[str, Any]) -> Any:
    """:func:`call_durably` for sync code (a sync node calling ``tool.invoke``) on the sync bridge."""
    request = _request(input, config, kwargs, _tool_pause.snapshot(_tool_pause.task_scratchpad()))
    response = run.calls.tool_sync(tool_key(run.hosted, tool), request, summary=f"tool · {tool.name}")
    return _result(response)


def _result(data: dict[str, Any]) -> Any:
    response = ToolResponse.model_validate(data)
    # The tool's interrupt() calls, made again in its place: the task takes the same answers,
    # and where the tool stopped, LangGraph's own GraphInterrupt is raised here.
    _tool_pause.replay_in_task(response.asked)
    if response.error is not None:
        raise _reraise(response.error)
    return decode(response.output)


# -- activity side ----------------------------------------------------------------------------


def _decode_arg(value: Any, store: Any) -> Any:
    if isinstance(value, dict) and set(value) == {_RUNTIME}:
        data = value[_RUNTIME]
        return ToolRuntime(
            state=decode(data["state"]),
            context=decode(data["context"]),
            config=data["config"],
            stream_writer=lambda _chunk: None,  # custom stream events from tools are not carried yet
            tool_call_id=data["tool_call_id"],
            store=store if data.get("store") else None,
        )
    if isinstance(value, dict) and set(value) == {_STORE}:
        return store
    return decode(value)


def decode_input(data: Any, store: Any = None) -> Any:
    if isinstance(data, dict) and data.get("type") == "tool_call" and isinstance(data.get("args"), dict):
        return {**data, "args": {name: _decode_arg(value, store) for name, value in data["args"].items()}}
    if isinstance(data, dict) and set(data) == {"__args__"}:
        return {name: _decode_arg(value, store) for name, value in data["__args__"].items()}
    return decode(data)


def _error(exc: BaseException) -> ToolError:
    validation: dict[str, Any] = {}
    if isinstance(exc, ValidationError):
        errors = [{"type": e["type"], "loc": e["loc"], "input": e.get("input")} for e in exc.errors(include_url=False)]
        validation = {"title": exc.title, "errors": encode(errors)}
    return ToolError(type=reference(type(exc)), message=str(exc), args=encode(list(exc.args)), **validation)


async def call_tool(tool: BaseTool, data: dict[str, Any], store: Any = None) -> dict[str, Any]:
    """Run the live tool for one recorded call (the activity side of :func:`call_durably`);
    ``store`` is the graph's live store, given to a tool that takes it."""
    from ._interception import langchains_own  # the table imports this module

    request = ToolRequest.model_validate(data)
    tool_input = decode_input(request.input, store)
    kwargs = decode(request.kwargs) or {}
    # LangChain's own ainvoke of the tool's class (the first in its MRO that defines one).
    owner = next(klass for klass in type(tool).__mro__ if "ainvoke" in vars(klass))
    with _tool_pause.activity_config(request.config, request.pause) as (config, counter):
        try:
            output = await langchains_own(owner, "ainvoke")(tool, tool_input, config, **kwargs)
        except GraphInterrupt as stopped:
            # interrupt() found no answer: the workflow stops the task in the tool's place.
            return ToolResponse(asked=_tool_pause.asked(counter, stopped)).data()
        except Exception as exc:
            # Not a Temporal retry: a tool's exception is the graph's business (ToolNode turns it
            # into a message for the model), exactly as in a plain run.
            return ToolResponse(error=_error(exc), asked=_tool_pause.asked(counter, None)).data()
    return ToolResponse(output=encode(output), asked=_tool_pause.asked(counter, None)).data()

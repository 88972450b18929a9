"""Tool calls: each ``BaseTool.ainvoke``/``invoke`` inside a durable run is an activity.

Workflow side, ``ainvoke``/``invoke`` are replaced at class level on ``BaseTool`` and on every
subclass that overrides them (``StructuredTool``, ``Tool``, and user subclasses found when a
graph is hosted); outside a durable LangGraph run they are the originals. Inside one, the call
is written down — the tool call (name, args, id) with LangGraph's injected arguments as data:
``InjectedState`` values, ``InjectedToolCallId``, and ``ToolRuntime`` as its state, context,
config and tool call id — and run as a ``tool_call`` activity under the tool's stable key.

Activity side, :func:`call_tool` rebuilds the injected values and calls the original
``ainvoke`` of the live tool, so argument validation, ``handle_tool_error`` and the
``ToolMessage`` it builds are LangChain's own. What the tool raises comes back as data and is
raised again in the workflow as the same exception type where that type can be rebuilt, so
``ToolNode(handle_tool_errors=...)`` turns it into the same error message as in a plain run.

Tool keys are the tool's name within the hosted graph (a second, different tool with the same
name gets ``name~2``), found by walking the graph when it is hosted: ``ToolNode``s, subgraphs,
and tools, tool nodes and graphs referenced by node functions (globals and closures).
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Iterable
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.tools.simple import Tool
from langchain_core.tools.structured import StructuredTool
from langgraph.prebuilt.tool_node import ToolNode, ToolRuntime
from pydantic import ValidationError
from pydantic_core import InitErrorDetails

from durable_adapters.adapter import Hosted, UnsupportedError

from . import _run
from ._internals import PREGEL_CONFIGURABLE, PREGEL_METADATA_PREFIX, PREGEL_TAG_PREFIX
from ._values import decode, encode

_ORIGINAL: dict[tuple[type, str], Any] = {}
_lock = threading.Lock()
_RUNTIME = "__durable_tool_runtime__"


# -- finding tools when a graph is hosted ----------------------------------------------------


def _values_of(obj: Any) -> Iterable[Any]:
    if isinstance(obj, dict):
        return obj.values()
    if isinstance(obj, (list, tuple, set, frozenset)):
        return obj
    return (obj,)


def find_tools(graph: Any) -> list[BaseTool]:
    """Every tool a graph can reach: ToolNodes, subgraphs, and what node functions refer to."""
    return [obj for obj in find_objects(graph) if isinstance(obj, BaseTool)]


def find_objects(graph: Any) -> list[Any]:  # noqa: C901 (one walk over every kind of object a graph holds, sharing its seen-set)
    """Every tool and chat model a graph can reach: ToolNodes, subgraphs, bindings, and what
    node functions refer to (globals and closures, a few levels deep)."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable
    from langgraph.pregel import Pregel

    found: dict[int, Any] = {}
    seen: set[int] = set()

    def visit(obj: Any, depth: int) -> None:
        if depth > 6 or id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, BaseChatModel):
            found.setdefault(id(obj), obj)
        elif isinstance(obj, BaseTool):
            found.setdefault(id(obj), obj)
            visit_function(getattr(obj, "func", None), depth + 1)
            visit_function(getattr(obj, "coroutine", None), depth + 1)
        elif isinstance(obj, ToolNode):
            for tool in obj.tools_by_name.values():
                visit(tool, depth + 1)
        elif isinstance(obj, Pregel):
            for node in obj.nodes.values():
                visit(node.bound, depth + 1)
                for subgraph in getattr(node, "subgraphs", ()) or ():
                    visit(subgraph, depth + 1)
        else:
            for attr in ("func", "afunc", "bound", "steps", "first", "middle", "last", "runnable", "tools"):
                value = getattr(obj, attr, None)
                if value is None or isinstance(value, (str, bytes, int, float)):
                    continue
                if callable(value) and not isinstance(value, (BaseTool, Pregel, ToolNode)) and inspect.isroutine(value):
                    visit_function(value, depth + 1)
                else:
                    for item in _values_of(value):
                        visit(item, depth + 1)

    def visit_function(fn: Any, depth: int) -> None:
        fn = inspect.unwrap(fn) if callable(fn) else None
        code = getattr(fn, "__code__", None)
        if code is None or depth > 6 or id(fn) in seen:
            return
        seen.add(id(fn))
        referenced: list[Any] = [cell.cell_contents for cell in (fn.__closure__ or ()) if _has_contents(cell)]
        names = set(code.co_names)
        for const in code.co_consts:  # nested functions/lambdas
            if inspect.iscode(const):
                names.update(const.co_names)
        referenced += [fn.__globals__[name] for name in names if name in fn.__globals__]
        for value in referenced:
            for item in _values_of(value):
                if isinstance(item, (BaseTool, ToolNode, Pregel, BaseChatModel)) or isinstance(item, Runnable):
                    visit(item, depth + 1)
                elif inspect.isfunction(item) or hasattr(item, "func"):
                    # @task functions and helpers: one level further
                    visit_function(getattr(item, "func", item), depth + 1)

    visit(graph, 0)
    return list(found.values())


def _has_contents(cell: Any) -> bool:
    try:
        _ = cell.cell_contents  # raises ValueError while the closure's variable is unassigned
    except ValueError:
        return False
    return True


def host_tools(hosted: Hosted) -> None:
    """Register the graph's tools under stable keys and intercept their classes; keep its chat
    models by identity (for the few that LangChain cannot serialise, see ``_model``)."""
    from langchain_core.language_models import BaseChatModel

    keys: dict[int, str] = hosted.state.setdefault("tool_keys", {})
    for obj in find_objects(hosted.obj):
        if isinstance(obj, BaseTool):
            _assign_key(hosted, keys, obj)
            intercept_class(type(obj))
        elif isinstance(obj, BaseChatModel):
            from ._model import host_model

            host_model(hosted, obj)


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
    keys: dict[int, str] = hosted.state.setdefault("tool_keys", {})
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


def _encode_arg(value: Any) -> Any:
    if isinstance(value, ToolRuntime):
        if value.store is not None:
            raise _run.refuse(
                UnsupportedError(
                    "a tool takes ToolRuntime and the graph has a store: stores are not supported in durable "
                    "runs yet (the tool runs in an activity, the store would be shared state)"
                )
            )
        return {
            _RUNTIME: {
                "state": encode(value.state),
                "context": encode(value.context),
                "config": plain_config(value.config),
                "tool_call_id": value.tool_call_id,
            }
        }
    from langgraph.store.base import BaseStore

    if isinstance(value, BaseStore):
        raise _run.refuse(
            UnsupportedError("InjectedStore is not supported in durable runs yet: the tool runs in an activity")
        )
    return encode(value)


def encode_input(input: Any) -> Any:
    if isinstance(input, dict):
        if input.get("type") == "tool_call" and isinstance(input.get("args"), dict):
            return {**input, "args": {name: _encode_arg(value) for name, value in input["args"].items()}}
        return {"__args__": {name: _encode_arg(value) for name, value in input.items()}}
    return encode(input)


def _reraise(error: dict[str, Any]) -> BaseException:
    """The tool's exception, rebuilt as its own type where possible (so handlers treat it the same)."""
    module, _, qualname = error["type"].rpartition(".")
    cls: Any = None
    try:
        cls = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
    except Exception:
        cls = None
    if cls is ValidationError and error.get("errors") is not None:
        try:
            details = [InitErrorDetails(**item) for item in error["errors"]]  # type: ignore[typeddict-item]
            return ValidationError.from_exception_data(error.get("title") or "ValidationError", details)
        except Exception:
            pass
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(*decode(error["args"]))
        except Exception:
            pass
    return ToolCallFailed(f"{error['type']}: {error['message']}")


class ToolCallFailed(Exception):
    """A tool raised an exception whose type cannot be rebuilt in the workflow; the message names it."""


def _intercepted_ainvoke(cls: type) -> Any:
    original = cls.__dict__["ainvoke"]

    async def ainvoke(self: BaseTool, input: Any, config: Any = None, **kwargs: Any) -> Any:
        _run.refuse_off_workflow(f"a call of the tool {self.name!r}")
        run = _run.current()
        if run is None:
            return await original(self, input, config, **kwargs)
        request = {"input": encode_input(input), "config": plain_config(config), "kwargs": encode(kwargs)}
        response = await run.calls.tool(tool_key(run.hosted, self), request, summary=f"tool · {self.name}")
        return _result(response)

    ainvoke.__wrapped__ = original  # type: ignore[attr-defined]
    return ainvoke


def _intercepted_invoke(cls: type) -> Any:
    original = cls.__dict__["invoke"]

    def invoke(self: BaseTool, input: Any, config: Any = None, **kwargs: Any) -> Any:
        _run.refuse_off_workflow(f"a call of the tool {self.name!r}")
        run = _run.current()
        if run is None:
            return original(self, input, config, **kwargs)
        request = {"input": encode_input(input), "config": plain_config(config), "kwargs": encode(kwargs)}
        response = run.calls.tool_sync(tool_key(run.hosted, self), request, summary=f"tool · {self.name}")
        return _result(response)

    invoke.__wrapped__ = original  # type: ignore[attr-defined]
    return invoke


def _result(response: dict[str, Any]) -> Any:
    if "error" in response:
        raise _reraise(response["error"])
    return decode(response["output"])


def intercept_class(cls: type) -> None:
    """Intercept ``ainvoke``/``invoke`` on every class from ``cls`` up to ``BaseTool`` that defines them."""
    with _lock:
        for klass in cls.__mro__:
            if not (isinstance(klass, type) and issubclass(klass, BaseTool)):
                continue
            for name, make in (("ainvoke", _intercepted_ainvoke), ("invoke", _intercepted_invoke)):
                if name in klass.__dict__ and (klass, name) not in _ORIGINAL:
                    _ORIGINAL[(klass, name)] = klass.__dict__[name]
                    setattr(klass, name, make(klass))


def install() -> None:
    for cls in (BaseTool, StructuredTool, Tool):
        intercept_class(cls)


# -- activity side ----------------------------------------------------------------------------


def _decode_arg(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {_RUNTIME}:
        data = value[_RUNTIME]
        return ToolRuntime(
            state=decode(data["state"]),
            context=decode(data["context"]),
            config=data["config"],
            stream_writer=lambda _chunk: None,  # custom stream events from tools are not carried yet
            tool_call_id=data["tool_call_id"],
            store=None,
        )
    return decode(value)


def decode_input(data: Any) -> Any:
    if isinstance(data, dict) and data.get("type") == "tool_call" and isinstance(data.get("args"), dict):
        return {**data, "args": {name: _decode_arg(value) for name, value in data["args"].items()}}
    if isinstance(data, dict) and set(data) == {"__args__"}:
        return {name: _decode_arg(value) for name, value in data["__args__"].items()}
    return decode(data)


def _original_ainvoke(tool: BaseTool) -> Any:
    for klass in type(tool).__mro__:
        if (klass, "ainvoke") in _ORIGINAL:
            return _ORIGINAL[(klass, "ainvoke")]
        if "ainvoke" in getattr(klass, "__dict__", {}):
            return klass.__dict__["ainvoke"]
    raise AssertionError("BaseTool.ainvoke not found")


def _error(exc: BaseException) -> dict[str, Any]:
    error: dict[str, Any] = {
        "type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "message": str(exc),
        "args": encode(list(exc.args)),
    }
    if isinstance(exc, ValidationError):
        error["title"] = exc.title
        error["errors"] = encode(
            [{"type": e["type"], "loc": e["loc"], "input": e.get("input")} for e in exc.errors(include_url=False)]
        )
    return error


async def call_tool(tool: BaseTool, request: dict[str, Any]) -> dict[str, Any]:
    """Run the live tool for one recorded call (the activity side of the interception)."""
    tool_input = decode_input(request["input"])
    kwargs = decode(request["kwargs"]) or {}
    try:
        output = await _original_ainvoke(tool)(tool, tool_input, request["config"], **kwargs)
    except Exception as exc:
        # Not a Temporal retry: a tool's exception is the graph's business (ToolNode turns it
        # into a message for the model), exactly as in a plain run.
        return {"error": _error(exc)}
    return {"output": encode(output)}

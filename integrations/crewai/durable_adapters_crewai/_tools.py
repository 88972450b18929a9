"""Tool calls: every ``run`` of a tool of a durable run's crew becomes a tool activity.

Workflow side, ``BaseTool.run`` and ``Tool.run`` are replaced (the table in :mod:`._interception`)
by :func:`run_durably`, acting only for
the tool objects of the current run's crew copy (the ``@tool`` objects a user gives agents are
module singletons shared by every crew, so they are never patched one by one). Argument
validation happens in the workflow, as in CrewAI; the call itself — ``Tool.func`` or the tool's
``_run`` — runs in the activity, on the live tool the worker hosts under the key. The arguments
cross as JSON (the validated ones, or the model's own when the schema builds objects that are not
JSON) and are validated again in the activity, so the tool gets what its schema builds, as in a
plain run.

Tools CrewAI adds itself (delegation to coworkers in hierarchical crews, ``add_image``) are not
keyed and run in the workflow: they are the crew's own control flow, whose LLM calls are
activities one by one.

A tool that raises is not retried: its exception (type and message) is the call's recorded
result and is raised again in the workflow, where CrewAI turns it into "Error executing tool: …"
for the model exactly as in a plain run.

The tool's result crosses as JSON: strings as they are, pydantic models by class and data, other
JSON values as JSON; anything else as its ``str()``, which is what CrewAI shows the model.
"""

from __future__ import annotations

import inspect
from typing import Any

from crewai.tools.base_tool import BaseTool, Tool
from pydantic_core import to_jsonable_python

from durable_adapters.adapter import in_bridge, reference

from ._llm import decode_value, encode_value, resolve_class
from ._payloads import ToolFailure, ToolRequest, ToolResponse
from ._run import CrewRun
from ._threads import in_thread


def run_durably(crew_run: CrewRun, tool: BaseTool, key: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A ``run`` of the current run's keyed ``tool``, as a ``tool_call`` activity (the sync bridge waits)."""
    crew_run.check()
    if args:
        raise crew_run.refuse(
            f"tool {tool.name!r} was called with positional arguments; durable runs pass keyword arguments only"
        )
    if not in_bridge():
        raise crew_run.refuse(
            f"tool {tool.name!r} was called from a thread CrewAI started inside a durable run; "
            "this construct is not supported"
        )
    # Validated here, as CrewAI's run() does, so a bad call fails in the workflow as in a plain
    # run; validated again in the activity, so the tool gets the values its schema builds
    # (datetimes, enums, objects), not their JSON.
    validated = tool._validate_kwargs(kwargs)
    request = ToolRequest(arguments=_crossing(validated, kwargs))
    # A flow's tool goes with what it is (``_flow_calls``); a crew's is found by its key alone.
    data = {**request.data(), **crew_run.specs.get(key, {})}
    response = ToolResponse.model_validate(crew_run.calls.tool_sync(key, data, summary=f"tool · {tool.name}"))
    if response.error is not None:
        raise rebuild_error(response.error)
    return decode_value(response.result)


def _crossing(validated: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The arguments as they go into history: the validated ones when they are JSON, else the
    model's own (JSON), which the activity validates into the same values."""
    try:
        to_jsonable_python(validated)
    except Exception:
        return given
    return validated


class ToolError(Exception):
    """A tool's exception whose class could not be rebuilt in the workflow; same message."""

    def __init__(self, message: str, type_name: str) -> None:
        super().__init__(message)
        self.type_name = type_name


def rebuild_error(error: ToolFailure) -> Exception:
    """The tool's exception again, as its own class when that takes a message, else :class:`ToolError`."""
    message = error.message
    try:
        cls = resolve_class(error.type)
        if isinstance(cls, type) and issubclass(cls, Exception):
            rebuilt = cls(message)
            if str(rebuilt) == message:
                return rebuilt
    except Exception:
        pass
    return ToolError(message, error.type)


async def call_tool(tool: BaseTool, data: dict[str, Any]) -> dict[str, Any]:
    """Run the live ``tool`` once with the recorded arguments; the activity side of ``run``."""
    request = ToolRequest.model_validate(data)
    # What the tool's own run() would call, without its usage counter (see docs/crewai.md).
    function = tool.func if isinstance(tool, Tool) else tool._run
    try:
        arguments = tool._validate_kwargs(request.arguments)
        if inspect.iscoroutinefunction(function):
            result = await function(**arguments)
        else:
            # In a thread: a slow sync tool must not stop the activity's heartbeats.
            result = await in_thread(function, **arguments)
            if inspect.isawaitable(result):
                result = await result
    except Exception as exc:
        # The tool's own failure is CrewAI's business, as in a plain run: it tells the model
        # "Error executing tool: <message>". It is recorded (never retried) and raised again in
        # the workflow with the same type and message.
        return ToolResponse(error=ToolFailure(type=reference(type(exc)), message=str(exc))).data()
    try:
        encoded = encode_value(result)
    except Exception:
        encoded = {"plain": str(result)}
    return ToolResponse(result=encoded).data()

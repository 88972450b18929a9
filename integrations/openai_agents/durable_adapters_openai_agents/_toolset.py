"""Tool calls: each function tool's invocation rerouted to a ``tool_call`` activity.

Workflow side, :func:`durable_tool` copies a ``FunctionTool`` with ``on_invoke_tool`` replaced
by a call that runs the activity; everything else about the tool (schema, guardrails, approval,
``is_enabled``, timeout) is the SDK's, in the workflow, as in a plain run. Agent tools
(``agent.as_tool()``) are not rerouted: they run their nested agent in the workflow, where its
own model and tool calls become activities one by one. Nor is a function tool whose code names an
agent (``_tool_runs``): its body runs in the workflow for the same reason.

Activity side, :func:`call_tool` invokes the original tool with a ``ToolContext`` rebuilt from the
recorded call, so sync and async tools, ``failure_error_function`` and the SDK's own argument
parsing behave exactly as in a plain run.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from agents.items import ItemHelpers
from agents.tool import FunctionTool
from agents.tool_context import ToolContext
from pydantic import BaseModel, TypeAdapter
from pydantic_core import to_jsonable_python

from durable_adapters.adapter import DurableCalls, reference, resolve

from ._payloads import ToolError, ToolRequest, ToolResponse
from ._run_context import apply_context, decode_context, encode_context


def tool_key(agent_name: str, tool_name: str) -> str:
    """The registry key of a function tool: ``agent/tool`` (persisted; see test_persisted_names)."""
    return f"{agent_name}/{tool_name}"


def is_agent_tool(tool: Any) -> bool:
    return isinstance(tool, FunctionTool) and bool(getattr(tool, "_is_agent_tool", False))


def durable_tool(agent_name: str, tool: FunctionTool, calls: DurableCalls) -> FunctionTool:
    """A copy of ``tool`` whose invocations run as activities (workflow side)."""
    key = tool_key(agent_name, tool.name)

    async def invoke_as_activity(ctx: ToolContext[Any], arguments: str) -> Any:
        request = ToolRequest(
            arguments=arguments,
            call_id=ctx.tool_call_id,
            tool_name=ctx.tool_name,
            context=encode_context(ctx.context),
        )
        response = ToolResponse.model_validate(await calls.tool(key, request.data(), summary=f"tool · {tool.name}"))
        apply_context(ctx.context, response.context)
        if response.error is not None:
            # Raised here, where the SDK called the tool: it handles it as in a plain run (a
            # UserError "Error running tool ...: <the tool's message>", or the SDK's own error).
            raise raised_again(response.error)
        # The object the tool returned (tool_use_behavior, guardrails and the run's items get it
        # in a plain run); the portable form when it could not travel as JSON.
        return decode_value(response.value) if response.value is not None else response.output

    return dataclasses.replace(tool, on_invoke_tool=invoke_as_activity)


def _portable_output(tool: FunctionTool, output: Any) -> Any:
    """``output`` in a JSON form that the SDK turns into the same tool-output item.

    The SDK keeps strings, converts structured outputs (text/image/file parts) and, for a tool
    without an output schema, ``str()``s everything else; doing the same here keeps the item
    the model sees identical to a plain run's.
    """
    if isinstance(output, str):
        return output
    structured = ItemHelpers._convert_tool_output_as_structured(output)
    if structured is not None:
        return to_jsonable_python(structured)
    if tool.output_json_schema is not None or getattr(tool, "_output_type_adapter", None) is not None:
        return to_jsonable_python(output)
    return str(output)


def typed_value(output: Any) -> dict[str, Any] | None:
    """``output`` as JSON with its type (as the run context travels), or None when it need not or cannot travel.

    A string is its own portable form. A pydantic model or dataclass (defined at module level)
    is rebuilt by its type, and dicts, lists and numbers as JSON. The value is sent only if the
    rebuilt object is what the tool returned as far as the model can tell (same ``str()``, same
    JSON), so the tool-output item the SDK builds from it in the workflow is the plain run's;
    anything else (a live object, a type defined in a function) travels in its portable form.
    """
    if isinstance(output, str):
        return None
    typed = isinstance(output, BaseModel) or (dataclasses.is_dataclass(output) and not isinstance(output, type))
    if not typed and not isinstance(output, (dict, list, int, float, bool)):
        return None
    if typed and "<locals>" in type(output).__qualname__:
        return None
    try:
        encoded = {"type": reference(type(output)) if typed else None, "value": to_jsonable_python(output)}
        rebuilt = decode_value(encoded)
        same = str(rebuilt) == str(output) and to_jsonable_python(rebuilt) == encoded["value"]
    except Exception:
        return None
    return encoded if same else None


def decode_value(encoded: dict[str, Any]) -> Any:
    """Rebuild a tool's return value that :func:`typed_value` wrote."""
    if encoded.get("type") is None:
        return encoded["value"]
    return TypeAdapter(resolve(encoded["type"])).validate_python(encoded["value"])


async def call_tool(tool: FunctionTool, request: ToolRequest) -> ToolResponse:
    """Run the original ``tool`` for one recorded call; the activity side of :func:`durable_tool`."""
    context = decode_context(request.context)
    ctx = ToolContext(
        context=context,
        tool_name=request.tool_name,
        tool_call_id=request.call_id,
        tool_arguments=request.arguments,
    )
    try:
        output = await tool.on_invoke_tool(ctx, request.arguments)
    except Exception as exc:
        # Only a tool without a failure_error_function lets its exception out; the SDK decides
        # what it means (in the workflow), so it travels as the tool's answer, not the call's failure.
        changed = encode_context(ctx.context)
        return ToolResponse(
            output=None,
            context=changed if changed != request.context else None,
            error=tool_error(exc),
        )
    after = encode_context(ctx.context)
    return ToolResponse(
        output=_portable_output(tool, output),
        value=typed_value(output),
        context=after if after != request.context else None,
    )


def tool_error(exc: Exception) -> ToolError:
    """A tool's exception as data: its class, message and (JSON) args."""
    try:
        args: list[Any] | None = to_jsonable_python(list(exc.args))
    except Exception:
        args = None
    return ToolError(type=reference(type(exc)), message=str(exc), args=args)


class ToolCallFailed(Exception):
    """A tool's exception whose class cannot be rebuilt in the workflow: its message, its class in ``type``."""

    def __init__(self, message: str, *, type: str) -> None:
        super().__init__(message)
        self.type = type


def raised_again(error: ToolError) -> Exception:
    """The tool's exception rebuilt as its own class where it can be (same message), else :class:`ToolCallFailed`."""
    try:
        cls = resolve(error.type)
        if isinstance(cls, type) and issubclass(cls, Exception) and error.args is not None:
            rebuilt = cls(*error.args)
            if str(rebuilt) == error.message:
                return rebuilt
    except Exception:
        pass
    return ToolCallFailed(error.message, type=error.type)

"""Tool calls: each function tool's invocation rerouted to a ``tool_call`` activity.

Workflow side, :func:`durable_tool` copies a ``FunctionTool`` with ``on_invoke_tool`` replaced
by a call that runs the activity; everything else about the tool (schema, guardrails, approval,
``is_enabled``, timeout) is the SDK's, in the workflow, as in a plain run. Agent tools
(``agent.as_tool()``) are not rerouted: they run their nested agent in the workflow, where its
own model and tool calls become activities one by one.

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
from pydantic_core import to_jsonable_python

from durable_adapters.adapter import DurableCalls

from ._payloads import ToolRequest, ToolResponse
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
        return response.output

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


async def call_tool(tool: FunctionTool, request: ToolRequest) -> ToolResponse:
    """Run the original ``tool`` for one recorded call; the activity side of :func:`durable_tool`."""
    context = decode_context(request.context)
    ctx = ToolContext(
        context=context,
        tool_name=request.tool_name,
        tool_call_id=request.call_id,
        tool_arguments=request.arguments,
    )
    output = await tool.on_invoke_tool(ctx, request.arguments)
    after = encode_context(ctx.context)
    return ToolResponse(
        output=_portable_output(tool, output),
        context=after if after != request.context else None,
    )

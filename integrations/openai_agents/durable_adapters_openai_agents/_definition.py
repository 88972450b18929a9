"""What defines a durable agent: a digest of its agent graph (``Adapter.definition``).

A factory that builds the same agent per request (``durable(build_agent()).run(...)``) hosts an
equal definition each time; the core then reuses the first hosting under the agent's name. The
digest covers what a run depends on: every reachable agent's name, instructions (a string as
written, a function by its code), model (name, or model class and model name) and settings,
output type schema, tool-use behaviour, handoffs, and each tool by name, description and schema,
together with the code behind it. Code is compared by module and qualified name, plus the plain
values (strings, numbers) its closure captured: a tool that a factory builds around a per-call
value (a user id) differs from the last one, so the two definitions are refused rather than the
first build's tool being run for the second. Captured objects other than plain values and
functions (clients, the SDK's own schema objects) count by type only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from agents import Agent, Handoff
from agents.agent_output import AgentOutputSchema, AgentOutputSchemaBase
from agents.models.interface import Model
from agents.tool import FunctionTool
from pydantic_core import to_jsonable_python

from ._agent_graph import _handoff_target, collect_agents

_PLAIN = (str, int, float, bool, type(None))


def _code(value: Any, depth: int = 0) -> Any:
    """A callable by its code and the plain values it captured (see the module docstring)."""
    if isinstance(value, _PLAIN):
        return value
    if not callable(value):
        return f"<{type(value).__module__}.{type(value).__qualname__}>"
    func = getattr(value, "__func__", value)  # a bound method: its function
    captured: list[Any] = []
    if not hasattr(func, "__code__"):
        # A callable object (the SDK wraps a tool's function in one): its class and what it holds.
        name = f"{type(func).__module__}:{type(func).__qualname__}"
        if depth < 6:
            held = getattr(func, "__dict__", {})
            captured = [_code(held[key], depth + 1) for key in sorted(held) if callable(held[key])]
        return [name, captured] if captured else name
    name = f"{getattr(func, '__module__', '?')}:{getattr(func, '__qualname__', '?')}"
    if depth < 6:
        for cell in getattr(func, "__closure__", None) or ():
            try:
                content = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            captured.append(_code(content, depth + 1))
        wrapped = getattr(func, "__wrapped__", None)
        if wrapped is not None:
            captured.append(_code(wrapped, depth + 1))
    return [name, captured] if captured else name


def _model(model: str | Model | None) -> Any:
    if model is None or isinstance(model, str):
        return model
    return [f"{type(model).__module__}.{type(model).__qualname__}", getattr(model, "model", None)]


def _output_type(output_type: Any) -> Any:
    if output_type is None or output_type is str:
        return None
    try:
        schema = output_type if isinstance(output_type, AgentOutputSchemaBase) else AgentOutputSchema(output_type)
        if schema.is_plain_text():
            return None
        return [schema.name(), schema.json_schema(), schema.is_strict_json_schema()]
    except Exception:  # a type the SDK cannot make a schema of: the run reports it, as a plain run does
        return _code(output_type)


def _tool(tool: Any) -> Any:
    if isinstance(tool, FunctionTool):
        inner = getattr(tool, "_agent_instance", None)
        return {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.params_json_schema,
            "strict": tool.strict_json_schema,
            # An agent tool runs its agent (part of the graph, by name); a function tool its code.
            "runs": inner.name if isinstance(inner, Agent) else _code(tool.on_invoke_tool),
        }
    return {"type": type(tool).__qualname__, "name": getattr(tool, "name", None), "config": _fields(tool)}


def _fields(obj: Any) -> Any:
    """A hosted tool's configuration (a dataclass of plain settings), as JSON where it can be."""
    if not dataclasses.is_dataclass(obj):
        return None
    return {
        field.name: to_jsonable_python(getattr(obj, field.name), fallback=lambda v: _code(v))
        for field in dataclasses.fields(obj)
    }


def _handoff(entry: Agent[Any] | Handoff[Any, Any]) -> Any:
    if isinstance(entry, Agent):
        return {"agent": entry.name}
    target = _handoff_target(entry)
    return {
        "tool_name": entry.tool_name,
        "tool_description": entry.tool_description,
        "input_schema": entry.input_json_schema,
        "agent": target.name if target is not None else entry.agent_name,
        "on_invoke": _code(entry.on_invoke_handoff),
        "input_filter": _code(entry.input_filter) if entry.input_filter is not None else None,
    }


def _agent(agent: Agent[Any]) -> dict[str, Any]:
    instructions = agent.instructions
    behaviour = agent.tool_use_behavior
    return {
        "name": agent.name,
        "instructions": instructions if instructions is None or isinstance(instructions, str) else _code(instructions),
        "handoff_description": agent.handoff_description,
        "model": _model(agent.model),
        "model_settings": to_jsonable_python(agent.model_settings, fallback=lambda v: _code(v)),
        "output_type": _output_type(agent.output_type),
        "tool_use_behavior": behaviour
        if isinstance(behaviour, str)
        else to_jsonable_python(behaviour, fallback=lambda v: _code(v)),
        "reset_tool_choice": agent.reset_tool_choice,
        "tools": [_tool(tool) for tool in agent.tools],
        "handoffs": [_handoff(entry) for entry in agent.handoffs],
        "input_guardrails": [_code(guard.guardrail_function) for guard in agent.input_guardrails],
        "output_guardrails": [_code(guard.guardrail_function) for guard in agent.output_guardrails],
        "hooks": _code(agent.hooks) if agent.hooks is not None else None,
    }


def definition(root: Agent[Any]) -> str:
    """The sha256 of the root's agent graph written as canonical JSON."""
    agents = collect_agents(root)
    graph = {"root": root.name, "agents": [_agent(agents[name]) for name in sorted(agents)]}
    text = json.dumps(graph, sort_keys=True, separators=(",", ":"), default=_code)
    return hashlib.sha256(text.encode()).hexdigest()

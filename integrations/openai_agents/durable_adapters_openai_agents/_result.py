"""The run's result as plain data, and back into the SDK's own ``RunResult``.

Items keep their raw Responses-API form; agents are written as names and found again, on the
client, among the agents the client's durable object knows. Structured ``final_output`` comes
back as the last agent's ``output_type``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import agents.items as sdk_items
from agents import Agent, RunContextWrapper, RunResult, Usage
from agents.agent_output import AgentOutputSchemaBase
from agents.exceptions import RunErrorDetails
from agents.items import RunItem, TResponseOutputItem
from agents.result import RunResultBase
from pydantic import BaseModel, TypeAdapter
from pydantic_core import to_jsonable_python

from ._model import decode_response, encode_response
from ._payloads import RunResultData
from ._run_context import decode_context, encode_context

_OUTPUT_ITEM = TypeAdapter(TResponseOutputItem)
_USAGE = TypeAdapter(Usage)
# Run items are dataclasses (agents.items.RunItemBase); these fields hold agents, written as
# names: ``agent`` on every item, ``source_agent`` / ``target_agent`` on a HandoffOutputItem.
_AGENT_FIELDS = ("agent", "source_agent", "target_agent")


def _encode_item(item: RunItem, in_responses: dict[int, list[int]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(item):
        if not field.init or field.name == "type":
            continue
        value = getattr(item, field.name)
        if value is None and field.default is None:
            continue  # decodes to its default: one field less per item in a long run's result
        if field.name in _AGENT_FIELDS:
            fields[field.name] = value.name if value is not None else None
        elif field.name == "raw_item" and id(value) in in_responses:
            # The same item is already in raw_responses: refer to it instead of writing it twice.
            fields[field.name] = {"response_output": in_responses[id(value)]}
        elif field.name == "raw_item" and isinstance(value, BaseModel):
            fields[field.name] = {"model": value.model_dump(mode="json", exclude_unset=True)}
        else:
            try:
                fields[field.name] = to_jsonable_python(value)
            except Exception:
                fields[field.name] = None  # provenance metadata that does not survive as data
    return {"class": type(item).__name__, "fields": fields}


def _decode_item(data: dict[str, Any], agents: dict[str, Agent[Any]], responses: list[Any]) -> RunItem:
    cls = getattr(sdk_items, data["class"])
    fields = dict(data["fields"])
    for name in _AGENT_FIELDS:
        if name in fields and fields[name] is not None:
            fields[name] = agents[fields[name]]
    raw = fields.get("raw_item")
    if isinstance(raw, dict) and set(raw) == {"model"}:
        fields["raw_item"] = _OUTPUT_ITEM.validate_python(raw["model"])
    elif isinstance(raw, dict) and set(raw) == {"response_output"}:
        response, position = raw["response_output"]
        fields["raw_item"] = responses[response].output[position]
    return cls(**fields)  # type: ignore[no-any-return]


def encode_run_item(item: RunItem) -> dict[str, Any]:
    """One run item on its own (a streamed run's ``RunItemStreamEvent``), its raw item written out."""
    return _encode_item(item, {})


def decode_run_item(data: dict[str, Any], agents: dict[str, Agent[Any]]) -> RunItem:
    """The item :func:`encode_run_item` wrote, its agents found by name."""
    return _decode_item(data, agents, [])


def encode_result(result: RunResultBase) -> RunResultData:
    in_responses = {
        id(item): [r, o] for r, response in enumerate(result.raw_responses) for o, item in enumerate(response.output)
    }
    return RunResultData(
        input=to_jsonable_python(result.input),
        final_output=to_jsonable_python(result.final_output),
        last_agent=result.last_agent.name,
        new_items=[_encode_item(item, in_responses) for item in result.new_items],
        raw_responses=[encode_response(response) for response in result.raw_responses],
        usage=_USAGE.dump_python(result.context_wrapper.usage, mode="json"),
        context=encode_context(result.context_wrapper.context),
    )


def encode_run_data(details: RunErrorDetails) -> RunResultData:
    """An exception's ``run_data`` (the run so far), written as a result without a final output."""
    in_responses = {
        id(item): [r, o] for r, response in enumerate(details.raw_responses) for o, item in enumerate(response.output)
    }
    return RunResultData(
        input=to_jsonable_python(details.input),
        final_output=None,
        last_agent=details.last_agent.name,
        new_items=[_encode_item(item, in_responses) for item in details.new_items],
        raw_responses=[encode_response(response) for response in details.raw_responses],
        usage=_USAGE.dump_python(details.context_wrapper.usage, mode="json"),
        context=encode_context(details.context_wrapper.context),
    )


def decode_output(agent: Agent[Any], output: Any) -> Any:
    """An agent's output written as JSON, rebuilt as the agent's ``output_type``."""
    output_type = agent.output_type
    if isinstance(output_type, AgentOutputSchemaBase):
        if not output_type.is_plain_text() and output is not None:
            return output_type.validate_json(json.dumps(output))
    elif output_type not in (None, str) and output is not None:
        return TypeAdapter(output_type).validate_python(output)
    return output


def decode_result(data: RunResultData, agents: dict[str, Agent[Any]]) -> RunResult:
    last_agent = agents[data.last_agent]
    final_output = decode_output(last_agent, data.final_output)
    responses = [decode_response(response) for response in data.raw_responses]
    context_wrapper = RunContextWrapper(context=decode_context(data.context), usage=_USAGE.validate_python(data.usage))
    return RunResult(
        input=data.input,
        new_items=[_decode_item(item, agents, responses) for item in data.new_items],
        raw_responses=responses,
        final_output=final_output,
        input_guardrail_results=[],
        output_guardrail_results=[],
        tool_input_guardrail_results=[],
        tool_output_guardrail_results=[],
        context_wrapper=context_wrapper,
        _last_agent=last_agent,
    )

"""Model calls: the agent's model replaced, inside the workflow, by one that runs an activity.

Workflow side, :class:`ActivityModel` stands in for an agent's model. The SDK's loop calls its
``get_response`` with live objects (tools, handoffs, the output schema); it writes down only what
the model request is made of — instructions, input items, settings, and the tools', handoffs'
and output type's JSON schemas — and makes the call as a ``model_call`` activity.

Activity side, :func:`call_model` rebuilds schema-only stand-ins of those objects and calls the
agent's real model: the model object the user gave the agent, or, for a model name (or none),
the SDK's default provider in the worker (``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` of the worker).
The response's output items and usage travel back as JSON.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator
from typing import Any

from agents import Agent, Handoff, ModelSettings, Usage
from agents.agent_output import AgentOutputSchemaBase
from agents.items import ModelResponse, TResponseOutputItem
from agents.models.interface import Model, ModelTracing
from agents.models.multi_provider import MultiProvider
from agents.tool import FunctionTool, Tool
from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python

from durable_adapters.adapter import DurableCalls, UnsupportedError

from ._payloads import (
    FunctionToolSpec,
    HandoffSpec,
    HostedToolSpec,
    ModelRequest,
    ModelResponseData,
    OutputSchemaSpec,
)
from ._refusal import Refusal

_OUTPUT_ITEMS = TypeAdapter(list[TResponseOutputItem])
_USAGE = TypeAdapter(Usage)
_SETTINGS = TypeAdapter(ModelSettings)

# ModelSettings.retry holds the SDK's runner-side retry policy, which stays in the workflow;
# Temporal retries the activity itself.
_WORKFLOW_ONLY_SETTINGS = ("retry",)


# -- workflow side ----------------------------------------------------------------------------


class ActivityModel(Model):
    """The model of agent ``agent_name`` inside a durable run: each request is an activity."""

    def __init__(self, agent_name: str, calls: DurableCalls) -> None:
        self.agent_name = agent_name
        self._calls = calls

    async def get_response(
        self,
        system_instructions: str | None,
        input: Any,
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        **kwargs: Any,
    ) -> ModelResponse:
        request = ModelRequest(
            system_instructions=system_instructions,
            input=to_jsonable_python(input),
            model_settings=_encode_settings(model_settings),
            tools=[_encode_tool(self.agent_name, tool) for tool in tools],
            output_schema=_encode_output_schema(output_schema),
            handoffs=[_encode_handoff(handoff) for handoff in handoffs],
            **{name: to_jsonable_python(value) for name, value in kwargs.items() if value is not None},
        )
        response = await self._calls.model(
            self.agent_name, request.data(), summary=f"model · {self.agent_name}", conversation="input"
        )
        return decode_response(ModelResponseData.model_validate(response))

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise Refusal(
            UnsupportedError(
                "streaming (Runner.run_streamed, or as_tool(on_stream=...)) is not supported in a durable "
                "run yet; use run() — each model call is visible in the Temporal UI as it completes"
            )
        )


def _encode_settings(settings: ModelSettings) -> dict[str, Any]:
    plain = dataclasses.replace(settings, **{name: None for name in _WORKFLOW_ONLY_SETTINGS})
    # A dataclass dumped in JSON mode is a dict; pydantic types the dump as Any.
    dumped: dict[str, Any] = _SETTINGS.dump_python(plain, mode="json", exclude_none=True)
    return dumped


def _encode_tool(agent_name: str, tool: Tool) -> FunctionToolSpec | HostedToolSpec:
    if isinstance(tool, FunctionTool):
        return FunctionToolSpec(
            kind="function",
            name=tool.name,
            description=tool.description,
            params_json_schema=tool.params_json_schema,
            strict_json_schema=tool.strict_json_schema,
        )
    # Hosted tools (web search, file search, ...) run at the provider during the model call;
    # the activity takes the live tool from the agent by name.
    return HostedToolSpec(kind="hosted", agent=agent_name, name=tool.name)


def _encode_output_schema(schema: AgentOutputSchemaBase | None) -> OutputSchemaSpec | None:
    if schema is None:
        return None
    plain = schema.is_plain_text()
    return OutputSchemaSpec(
        plain_text=plain,
        name=schema.name(),
        json_schema=None if plain else schema.json_schema(),
        strict=schema.is_strict_json_schema(),
    )


def _encode_handoff(handoff: Handoff) -> HandoffSpec:
    return HandoffSpec(
        tool_name=handoff.tool_name,
        tool_description=handoff.tool_description,
        input_json_schema=handoff.input_json_schema,
        agent_name=handoff.agent_name,
        strict_json_schema=handoff.strict_json_schema,
    )


def encode_response(response: ModelResponse) -> ModelResponseData:
    return ModelResponseData(
        # exclude_unset: fields the provider did not send stay unset after the round trip, so
        # the items the SDK builds the next request from are the same as in a plain run.
        output=_OUTPUT_ITEMS.dump_python(response.output, mode="json", exclude_unset=True),
        usage=_USAGE.dump_python(response.usage, mode="json"),
        response_id=response.response_id,
        request_id=getattr(response, "request_id", None),
    )


def decode_response(data: ModelResponseData) -> ModelResponse:
    return ModelResponse(
        output=_OUTPUT_ITEMS.validate_python(data.output),
        usage=_USAGE.validate_python(data.usage),
        response_id=data.response_id,
        request_id=data.request_id,
    )


# -- activity side ----------------------------------------------------------------------------


class _SchemaOnlyOutput(AgentOutputSchemaBase):
    """The output type as the model sees it: a schema. Validation stays in the workflow."""

    def __init__(self, spec: OutputSchemaSpec) -> None:
        self._spec = spec

    def is_plain_text(self) -> bool:
        return self._spec.plain_text

    def name(self) -> str:
        return self._spec.name

    def json_schema(self) -> dict[str, Any]:
        return dict(self._spec.json_schema or {})

    def is_strict_json_schema(self) -> bool:
        return self._spec.strict

    def validate_json(self, json_str: str) -> Any:
        raise AssertionError("output is validated in the workflow, not in the model activity")


async def _never_invoked(*_: Any) -> Any:
    raise AssertionError("a schema-only stand-in was invoked inside a model activity")


def _decode_tool(spec: FunctionToolSpec | HostedToolSpec, agents_by_name: dict[str, Agent[Any]]) -> Tool:
    if isinstance(spec, FunctionToolSpec):
        return FunctionTool(
            name=spec.name,
            description=spec.description,
            params_json_schema=spec.params_json_schema,
            on_invoke_tool=_never_invoked,
            strict_json_schema=spec.strict_json_schema,
        )
    agent = agents_by_name[spec.agent]
    for tool in agent.tools:
        if getattr(tool, "name", None) == spec.name:
            return tool
    raise UnsupportedError(f"agent {spec.agent!r} has no hosted tool {spec.name!r} in this worker")


def _decode_handoff(spec: HandoffSpec) -> Handoff[Any, Any]:
    return Handoff(
        tool_name=spec.tool_name,
        tool_description=spec.tool_description,
        input_json_schema=spec.input_json_schema,
        on_invoke_handoff=_never_invoked,
        agent_name=spec.agent_name,
        strict_json_schema=spec.strict_json_schema,
    )


_default_providers: dict[tuple[str | None, ...], MultiProvider] = {}


def live_model(agent: Agent[Any]) -> Model:
    """The model the agent would use in a plain run: its model object, or the default provider's.

    The default provider reads ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` when it is made, so one is
    kept per value of those variables.
    """
    if isinstance(agent.model, Model):
        return agent.model
    env = (os.environ.get("OPENAI_API_KEY"), os.environ.get("OPENAI_BASE_URL"))
    provider = _default_providers.get(env)
    if provider is None:
        provider = _default_providers[env] = MultiProvider()
    return provider.get_model(agent.model)


def describe(agent: Agent[Any]) -> str:
    model = agent.model
    label = model if isinstance(model, str) else getattr(model, "model", None) or type(model).__name__
    return f"{label or 'the default model'} (agent {agent.name!r})"


async def call_model(
    agent: Agent[Any], agents_by_name: dict[str, Agent[Any]], request: ModelRequest
) -> ModelResponseData:
    """Send one recorded request to ``agent``'s real model; the activity side of :class:`ActivityModel`."""
    response = await live_model(agent).get_response(
        system_instructions=request.system_instructions,
        input=request.input,
        model_settings=_SETTINGS.validate_python(request.model_settings),
        tools=[_decode_tool(spec, agents_by_name) for spec in request.tools],
        output_schema=_SchemaOnlyOutput(request.output_schema) if request.output_schema else None,
        handoffs=[_decode_handoff(spec) for spec in request.handoffs],
        # Tracing would start the SDK's exporter in the worker; the Temporal UI shows the call.
        tracing=ModelTracing.DISABLED,
        previous_response_id=request.extra("previous_response_id"),
        conversation_id=request.extra("conversation_id"),
        prompt=request.extra("prompt"),
    )
    return encode_response(response)

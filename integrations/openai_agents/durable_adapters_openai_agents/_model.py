"""Model calls: the agent's model replaced, inside the workflow, by one that runs an activity.

Workflow side, :class:`ActivityModel` stands in for an agent's model. The SDK's loop calls its
``get_response`` with live objects (tools, handoffs, the output schema); it writes down only what
the model request is made of — instructions, input items, settings, and the tools', handoffs'
and output type's JSON schemas — and makes the call as a ``model_call`` activity.

Activity side, :func:`call_model` rebuilds schema-only stand-ins of those objects and calls the
agent's real model: the model object the user gave the agent, or, for a model name (or none),
the SDK's default provider in the worker (``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` of the worker).
The response's output items and usage travel back as JSON.

Streamed runs: the SDK's streamed loop calls ``stream_response`` instead. The workflow side makes
the same activity with ``stream=True`` and yields the SDK one ``response.completed`` event rebuilt
from the recorded response, from which the loop takes the turn's output exactly as from a live
stream. The activity calls the real model's ``stream_response`` (so the provider gets the same
streamed request as in a plain streamed run) and publishes every raw event to the call's live
stream as it arrives; its recorded result is the complete response, as for an unstreamed call.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

from agents import Agent, Handoff, ModelSettings, Usage
from agents.agent_output import AgentOutputSchemaBase
from agents.exceptions import ModelBehaviorError
from agents.items import ModelResponse, TResponseOutputItem, TResponseStreamEvent
from agents.models import get_default_model_settings
from agents.models.interface import Model, ModelTracing
from agents.models.multi_provider import MultiProvider
from agents.tool import FunctionTool, Tool
from agents.usage import _requests_for_response_without_usage, _response_usage_to_usage
from openai.types.responses import Response, ResponseCompletedEvent, ResponseOutputItemDoneEvent, ResponseUsage
from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python

from durable_adapters.adapter import DurableCalls, UnsupportedError

from ._inline import INLINE_MODEL_FIELD
from ._payloads import (
    FunctionToolSpec,
    HandoffSpec,
    HostedToolSpec,
    ModelChunk,
    ModelRequest,
    ModelResponseData,
    OutputSchemaSpec,
)
from ._raw_events import dump_raw_event

_OUTPUT_ITEMS = TypeAdapter(list[TResponseOutputItem])
_USAGE = TypeAdapter(Usage)
_SETTINGS = TypeAdapter(ModelSettings)

# ModelSettings.retry holds the SDK's runner-side retry policy, which stays in the workflow;
# Temporal retries the activity itself.
_WORKFLOW_ONLY_SETTINGS = ("retry",)


# -- workflow side ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RunModel:
    """A run's ``run_config.model`` name and ``model_settings``, while its loop runs (workflow side)."""

    name: str
    settings: ModelSettings | None


_RUN_MODEL: contextvars.ContextVar[RunModel | None] = contextvars.ContextVar("durable_openai_run_model", default=None)


@contextlib.contextmanager
def run_model(name: str | None, settings: ModelSettings | None) -> Iterator[None]:
    """Within: model calls are the run's model ``name`` (None: each agent's own model)."""
    token = _RUN_MODEL.set(RunModel(name, settings) if name is not None else None)
    try:
        yield
    finally:
        _RUN_MODEL.reset(token)


def _implicit_settings(agent: Agent[Any]) -> ModelSettings:
    """The settings an agent has when its author gave none, for its own model (as the SDK reckons them)."""
    if agent.model is None:
        return get_default_model_settings()
    if isinstance(agent.model, str):
        return get_default_model_settings(agent.model)
    return ModelSettings()


class ActivityModel(Model):
    """The model of agent ``agent_name`` inside a durable run: each request is an activity."""

    def __init__(
        self, agent_name: str, calls: DurableCalls, agent: Agent[Any] | None = None, *, inline: bool = False
    ) -> None:
        self.agent_name = agent_name
        self._calls = calls
        self._agent = agent
        self._inline = inline
        """An agent built during the run: its model name travels with each request (see _inline)."""
        """The user's agent: with a run model name, its settings are resolved for that name."""

    def _settings(self, model_settings: ModelSettings) -> ModelSettings:
        # With run_config.model a name, the SDK takes that name's default settings for an agent
        # whose settings are its own model's defaults (run_internal get_model_settings); the
        # stand-in's model is an object, so the loop here could not: do as the SDK does.
        run = _RUN_MODEL.get()
        if run is None or self._agent is None or self._agent.model_settings != _implicit_settings(self._agent):
            return model_settings
        return get_default_model_settings(run.name).resolve(run.settings)

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
        request = self._request(system_instructions, input, model_settings, tools, output_schema, handoffs, kwargs)
        response = await self._calls.model(
            self.agent_name, request.data(), summary=f"model · {self.agent_name}", conversation="input"
        )
        return decode_response(ModelResponseData.model_validate(response))

    async def stream_response(
        self,
        system_instructions: str | None,
        input: Any,
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        **kwargs: Any,
    ) -> AsyncIterator[TResponseStreamEvent]:
        """The call as a streamed activity; yields the ``response.completed`` event of its recorded response.

        The raw events before it (token deltas...) reach the run's consumers live from the
        activity; the SDK's loop here needs only the completed response.
        """
        request = self._request(system_instructions, input, model_settings, tools, output_schema, handoffs, kwargs)
        response = await self._calls.model(
            self.agent_name,
            request.data(),
            summary=f"model · {self.agent_name}",
            conversation="input",
            stream=True,
        )
        yield completed_event(ModelResponseData.model_validate(response))

    def _request(
        self,
        system_instructions: str | None,
        input: Any,
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        kwargs: dict[str, Any],
    ) -> ModelRequest:
        run = _RUN_MODEL.get()
        if run is not None:
            kwargs = {**kwargs, RUN_MODEL_FIELD: run.name}
        if self._inline and self._agent is not None and isinstance(self._agent.model, str):
            kwargs = {**kwargs, INLINE_MODEL_FIELD: self._agent.model}
        return ModelRequest(
            system_instructions=system_instructions,
            input=to_jsonable_python(input),
            model_settings=_encode_settings(self._settings(model_settings)),
            tools=[_encode_tool(self.agent_name, tool) for tool in tools],
            output_schema=_encode_output_schema(output_schema),
            handoffs=[_encode_handoff(handoff) for handoff in handoffs],
            **{name: to_jsonable_python(value) for name, value in kwargs.items() if value is not None},
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


def completed_event(data: ModelResponseData) -> ResponseCompletedEvent:
    """A ``response.completed`` event from which the SDK's streamed loop takes back exactly ``data``.

    The loop builds its ``ModelResponse`` from the event's response: the output items, the id,
    ``_request_id``, and the usage through the SDK's own conversion, which reads the request count
    (and per-request entries) from attributes the SDK's adapters set on ``ResponseUsage`` too.
    The model name and creation time are not recorded; the event says ``model=""``, ``created_at=0``.
    """
    usage = _USAGE.validate_python(data.usage)
    response_usage = ResponseUsage(
        input_tokens=usage.input_tokens,
        input_tokens_details=usage.input_tokens_details,
        output_tokens=usage.output_tokens,
        output_tokens_details=usage.output_tokens_details,
        total_tokens=usage.total_tokens,
    )
    object.__setattr__(response_usage, "_agents_sdk_request_count", usage.requests)
    if usage.request_usage_entries:
        object.__setattr__(response_usage, "_agents_sdk_request_usages", usage.request_usage_entries)
    response = Response(
        id=data.response_id or "",
        created_at=0,
        model="",
        object="response",
        output=_OUTPUT_ITEMS.validate_python(data.output),
        parallel_tool_calls=False,
        tool_choice="auto",
        tools=[],
        usage=response_usage,
    )
    object.__setattr__(response, "_request_id", data.request_id)
    return ResponseCompletedEvent(type="response.completed", response=response, sequence_number=0)


# -- activity side ----------------------------------------------------------------------------


class Publisher(Protocol):
    """Where a streamed call's raw events go: the core's ``live_stream()`` in the activity."""

    def publish(self, chunk: dict[str, Any]) -> None: ...


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


RUN_MODEL_FIELD = "run_model"
"""The model request's field for the run's ``run_config.model`` name (persisted; absent without one)."""

_default_providers: dict[tuple[str | None, ...], MultiProvider] = {}


def live_model(agent: Agent[Any], run_model: str | None = None) -> Model:
    """The model the agent would use in a plain run: the run's model name, its model object, or the default provider's.

    The default provider reads ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` when it is made, so one is
    kept per value of those variables.
    """
    name: str | None
    if run_model is not None:
        name = run_model  # run_config.model overrides every agent's model, as in the SDK's get_model
    elif isinstance(agent.model, Model):
        return agent.model
    else:
        name = agent.model
    env = (os.environ.get("OPENAI_API_KEY"), os.environ.get("OPENAI_BASE_URL"))
    provider = _default_providers.get(env)
    if provider is None:
        provider = _default_providers[env] = MultiProvider()
    return provider.get_model(name)


def describe(agent: Agent[Any]) -> str:
    model = agent.model
    label = model if isinstance(model, str) else getattr(model, "model", None) or type(model).__name__
    return f"{label or 'the default model'} (agent {agent.name!r})"


async def call_model(
    agent: Agent[Any], agents_by_name: dict[str, Agent[Any]], request: ModelRequest, stream: Publisher | None = None
) -> ModelResponseData:
    """Send one recorded request to ``agent``'s real model; the activity side of :class:`ActivityModel`.

    With ``stream`` (a call made by ``stream_response``) the model's streaming API is used and
    every raw event is published to ``stream`` as it arrives.
    """
    arguments: dict[str, Any] = {
        "system_instructions": request.system_instructions,
        "input": request.input,
        "model_settings": _SETTINGS.validate_python(request.model_settings),
        "tools": [_decode_tool(spec, agents_by_name) for spec in request.tools],
        "output_schema": _SchemaOnlyOutput(request.output_schema) if request.output_schema else None,
        "handoffs": [_decode_handoff(spec) for spec in request.handoffs],
        # Tracing would start the SDK's exporter in the worker; the Temporal UI shows the call.
        "tracing": ModelTracing.DISABLED,
        "previous_response_id": request.extra("previous_response_id"),
        "conversation_id": request.extra("conversation_id"),
        "prompt": request.extra("prompt"),
    }
    model = live_model(agent, request.extra(RUN_MODEL_FIELD))
    if stream is None:
        return encode_response(await model.get_response(**arguments))
    return encode_response(await _streamed_response(model, arguments, stream))


_FAILED_STREAM_EVENTS = {"response.incomplete", "response.failed", "error", "response.error"}


async def _streamed_response(model: Model, arguments: dict[str, Any], stream: Publisher) -> ModelResponse:
    """The model's streamed answer, each raw event published; the complete response as the SDK's loop builds it."""
    completed: Response | None = None
    done_items: list[Any] = []
    async for event in model.stream_response(**arguments):
        stream.publish(ModelChunk(event=dump_raw_event(event)).data())
        if isinstance(event, ResponseCompletedEvent):
            completed = event.response
        elif isinstance(event, ResponseOutputItemDoneEvent):
            done_items.append(event.item)
        elif getattr(event, "type", None) in _FAILED_STREAM_EVENTS:
            # The SDK's streamed loop fails the run with this type on such an event.
            raise ModelBehaviorError(f"the model's stream ended with a {event.type} event")
    if completed is None:
        raise ModelBehaviorError("Model did not produce a final response!")
    # As the SDK's streamed loop (run_single_turn_streamed) turns the completed event into its
    # ModelResponse: output items sent only as item.done events, usage through its conversion.
    output = completed.output or done_items
    usage = (
        _response_usage_to_usage(completed.usage)
        if completed.usage
        else Usage(requests=_requests_for_response_without_usage(completed))
    )
    return ModelResponse(
        output=output,
        usage=usage,
        response_id=completed.id,
        request_id=getattr(completed, "_request_id", None),
    )

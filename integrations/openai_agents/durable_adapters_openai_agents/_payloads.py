"""Everything this adapter writes into Temporal history, as declared types.

History is compatibility data: a run recorded by one release is replayed, continued or read by
the next. Each payload is built and read through its model here, never as a literal dict, and
dumped to exactly the JSON earlier releases wrote (field names, nesting, which keys are present);
``tests/openai_agents/test_persisted_names.py`` pins the names and the committed history in
``tests/histories/openai_agents/`` replays on them.

Values from the SDK (input items, output items, usage, model settings, JSON schemas) are ``Any``
or plain dicts here: they are the SDK's own JSON forms, written and read by ``_model``,
``_result`` and ``_run_context`` through the SDK's pydantic types.

* the run: :class:`RunPayload` in (the workflow input), :class:`RunResultData` out;
* a model call: :class:`ModelRequest` (with :class:`FunctionToolSpec`, :class:`HostedToolSpec`,
  :class:`OutputSchemaSpec`, :class:`HandoffSpec`), :class:`ModelResponseData`;
* a tool call: :class:`ToolRequest`, :class:`ToolResponse`.

A streamed run (``durable(agent).run_streamed(...)``) also puts events into the run's stream,
which lives in workflow memory and in the worker, never in history: the SDK's own stream events
as :class:`StreamedItem`, :class:`StreamedAgent` and :class:`StreamedResponse` (emitted by the
workflow), and each raw model event as a :class:`ModelChunk` (published by the model activity).
They are declared here all the same, since a client of another release may read them.

A run context, wherever it appears, is ``_run_context``'s ``{"type": ..., "value": ...}``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class _Payload(BaseModel):
    # Recorded payloads are read as they were written: nothing of theirs is dropped or coerced.
    model_config = ConfigDict(extra="forbid")

    def data(self) -> dict[str, Any]:
        """The payload as the JSON-able dict handed to the core (and written into history)."""
        return self.model_dump()


# -- the run ---------------------------------------------------------------------------------


class RunPayload(_Payload):
    """The workflow input of an agent run (``durable(agent).run(...)``)."""

    input: Any
    """The run input: a string, or a list of Responses-API input items (JSON)."""
    context: dict[str, Any] | None = None
    """The run context, encoded by ``_run_context.encode_context``; None for no context (always
    written; read as None when absent, as the adapter always has)."""
    max_turns: int
    stream: bool = False
    """True for a streamed run (``run_streamed``): the workflow runs the SDK's streamed loop.
    Written only when True, so an unstreamed run's input is the JSON earlier releases wrote."""
    run_config: dict[str, Any] | None = None
    """The run's ``run_config`` fields that travel (see ``_run_config``), or None. Written only
    when set, like ``stream``."""
    session: dict[str, Any] | None = None
    """The run's session (``_session.SessionRef``: its id and settings, never the store); written
    only when there is one."""

    def data(self) -> dict[str, Any]:
        unset = {"stream"} if not self.stream else set()
        if self.run_config is None:
            unset.add("run_config")
        if self.session is None:
            unset.add("session")
        return self.model_dump(exclude=unset or None)


class ModelResponseData(_Payload):
    """One model response (``agents.items.ModelResponse``); also inside :class:`RunResultData`."""

    output: list[Any]
    """Output items as the provider set them (``exclude_unset``)."""
    usage: dict[str, Any]
    response_id: str | None
    request_id: str | None = None
    """Always written; absent only from histories of releases that did not write it."""


class RunResultData(_Payload):
    """The workflow result: an ``agents.RunResult`` as data, rebuilt by ``_result.decode_result``."""

    input: Any
    final_output: Any
    last_agent: str
    """The name of the agent that produced the final output."""
    new_items: list[dict[str, Any]]
    """Run items as ``{"class": <agents.items class name>, "fields": {...}}`` (see ``_result``)."""
    raw_responses: list[ModelResponseData]
    usage: dict[str, Any]
    context: dict[str, Any] | None


# -- a model call ----------------------------------------------------------------------------


class FunctionToolSpec(_Payload):
    """A function tool as the model sees it: its schema (the tool runs in a ``tool_call`` activity)."""

    kind: Literal["function"]
    name: str
    description: str
    params_json_schema: dict[str, Any]
    strict_json_schema: bool


class HostedToolSpec(_Payload):
    """A hosted tool (web search, file search...), taken live from the named agent in the activity."""

    kind: Literal["hosted"]
    agent: str
    name: str


class OutputSchemaSpec(_Payload):
    """The agent's output type as the model sees it (validation stays in the workflow)."""

    plain_text: bool
    name: str
    json_schema: dict[str, Any] | None
    strict: bool


class HandoffSpec(_Payload):
    """A handoff as the model sees it: a tool (its target is chosen in the workflow)."""

    tool_name: str
    tool_description: str
    input_json_schema: dict[str, Any]
    agent_name: str
    strict_json_schema: bool


class ModelRequest(_Payload):
    """The input of a ``model_call`` activity: what ``Model.get_response`` was called with."""

    # The SDK's further keyword arguments that are not None (previous_response_id,
    # conversation_id, prompt...) follow the declared fields under their own names.
    model_config = ConfigDict(extra="allow")

    system_instructions: str | None
    input: Any
    model_settings: dict[str, Any]
    """``ModelSettings`` as JSON, without None values and without the workflow-only ``retry``."""
    tools: list[FunctionToolSpec | HostedToolSpec]
    output_schema: OutputSchemaSpec | None
    handoffs: list[HandoffSpec]

    def extra(self, name: str) -> Any:
        """A further keyword argument of the request, or None if it was not given."""
        return (self.model_extra or {}).get(name)


# -- a tool call -----------------------------------------------------------------------------


class ToolRequest(_Payload):
    """The input of a ``tool_call`` activity."""

    arguments: str
    """The arguments as the model wrote them (a JSON string)."""
    call_id: str
    tool_name: str
    context: dict[str, Any] | None


class ToolError(_Payload):
    """An exception a tool let out (``failure_error_function=None``), to be raised again in the workflow."""

    type: str
    """The exception's class, ``module:qualname``."""
    message: str
    args: list[Any] | None
    """The exception's ``args`` as JSON, or None when they are not JSON (then only the message is kept)."""


class ToolResponse(_Payload):
    """The result of a ``tool_call`` activity."""

    output: Any
    """The tool's output in a JSON form the SDK turns into the same tool-output item."""
    context: dict[str, Any] | None
    """The changed run context, or None when the tool did not change it."""
    value: dict[str, Any] | None = None
    """The tool's own return value, ``{"type": module:qualname or None, "value": JSON}``, when it is
    not ``output`` itself and survives the trip as JSON (see ``_toolset.typed_value``); the workflow
    hands the SDK this rebuilt object, as a plain run hands it the object the tool returned."""
    error: ToolError | None = None
    """The exception the tool raised, when it raised one: the workflow raises it again where the
    SDK called the tool, so the SDK handles it as in a plain run (see ``_toolset``)."""

    def data(self) -> dict[str, Any]:
        # "value" and "error" are written only when set, so a string tool's result is unchanged.
        unset = {name for name in ("value", "error") if getattr(self, name) is None}
        return self.model_dump(exclude=unset or None)


# -- a run's failure -------------------------------------------------------------------------


class GuardrailRef(_Payload):
    """Where a guardrail lives in the agent graph, so a client finds its own guardrail object again."""

    kind: Literal["input", "output", "tool_input", "tool_output"]
    agent: str
    tool: str | None
    """The function tool holding it, for a tool guardrail."""
    index: int
    """Its position in the agent's (or tool's) list of guardrails of this kind."""


class TypedValue(_Payload):
    """A value with the type it is rebuilt as (``module:qualname``; None for a JSON value or a ``str()``)."""

    type: str | None
    value: Any


class GuardrailData(_Payload):
    """The result of a guardrail that tripped (``InputGuardrailResult``, ``OutputGuardrailResult``,
    or a tool guardrail's ``guardrail`` and ``output``)."""

    guardrail: GuardrailRef
    output_info: TypedValue
    tripwire_triggered: bool | None
    """For an agent guardrail; None for a tool guardrail."""
    behavior: dict[str, Any] | None
    """For a tool guardrail: its ``ToolGuardrailFunctionOutput.behavior``."""
    agent_output: Any
    """For an output guardrail: the output it checked (JSON, rebuilt as the agent's output type)."""
    agent: str | None
    """For an output guardrail: the agent whose output it checked."""


class AgentsErrorData(_Payload):
    """An exception of the SDK (``agents.exceptions.AgentsException``) that ended a durable run.

    Carried in the run's failure (an ``ApplicationError`` of type :data:`AGENTS_ERROR_TYPE` in its
    cause chain, see ``_errors``), so the client raises the same exception a plain run raises.
    """

    type: str
    """The exception's class, ``module:qualname`` (a subclass of ``AgentsException``)."""
    args: list[Any]
    attributes: dict[str, Any]
    """Its plain attributes (``message``, ``tool_name``, ``timeout_seconds``...)."""
    guardrail: GuardrailData | None
    run_data: RunResultData | None
    """``run_data`` (``RunErrorDetails``), written as a run result without a final output."""


AGENTS_ERROR_TYPE = "durable_adapters_openai_agents.AgentsError"
"""The ``ApplicationError.type`` of the failure carrying :class:`AgentsErrorData` (persisted)."""


# -- a streamed run's events (the run's stream, not history) ---------------------------------


class StreamedItem(_Payload):
    """A ``RunItemStreamEvent``: the item is written as ``_result`` writes run items."""

    kind: Literal["run_item"]
    name: str
    """The event's name (``tool_called``, ``message_output_created``...)."""
    item: dict[str, Any]


class StreamedAgent(_Payload):
    """An ``AgentUpdatedStreamEvent``; the agent by name."""

    kind: Literal["agent_updated"]
    agent: str


class StreamedResponse(_Payload):
    """The ``response.completed`` raw event of a model call, rebuilt in the workflow from the
    recorded response. A client yields it only for a call whose own events it did not receive live."""

    kind: Literal["raw_response"]
    event: dict[str, Any]


StreamedEvent = StreamedItem | StreamedAgent | StreamedResponse


class ModelChunk(_Payload):
    """One raw event of a streamed model call (``TResponseStreamEvent`` as JSON), published live."""

    event: dict[str, Any]

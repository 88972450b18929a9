"""Everything this adapter writes into Temporal history, as declared types.

History is compatibility data: a run recorded by one release is replayed, continued or read by
the next. Each payload is built and read through its model here, never as a literal dict, and
dumped to exactly the JSON earlier releases wrote (field names, nesting, which keys are present);
``tests/crewai/test_persisted_names.py`` pins the names and the committed histories in
``tests/histories/crewai/`` replay on them.

Values from CrewAI (messages, a tool's arguments, a task output's fields) are ``Any`` here: they
are JSON made by pydantic's ``to_jsonable_python`` / ``model_dump``; a provider result or a tool's
result is the tagged form of ``_llm.encode_value`` (``{"plain": ...}``, ``{"model": <module:qualname>,
"data": ...}``, ``{"list": [...]}`` or ``{"json": ...}``), read only by ``_llm.decode_value``.

* the run: :class:`CrewRunPayload` / :class:`AgentRunPayload` in (the workflow input),
  :class:`CrewRunResult` / :class:`AgentRunResult` out;
* a model call: :class:`ModelRequest`, :class:`ModelResponse`;
* a tool call: :class:`ToolRequest`, :class:`ToolResponse` (with :class:`ToolFailure`);
* events of a running run: :class:`HumanPrompt` (the pending input), :class:`ProgressEvent`,
  and around each streamed LLM call :class:`StreamCallStarted` / :class:`StreamCallCompleted`
  (emitted into the run's stream, workflow memory only: never in history).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    # Recorded payloads are read as they were written: nothing of theirs is dropped or coerced.
    model_config = ConfigDict(extra="forbid")

    def data(self) -> dict[str, Any]:
        """The payload as the JSON-able dict handed to the core (and written into history)."""
        return self.model_dump()


# -- the run ---------------------------------------------------------------------------------


class CrewRunPayload(_Payload):
    """The workflow input of a crew's kickoff (``durable(crew).akickoff(inputs=...)``)."""

    kind: Literal["crew"] = "crew"
    inputs: dict[Any, Any]
    """The kickoff inputs (JSON), interpolated into the tasks by CrewAI. Keys as the caller gave
    them: JSON writes a number key as a string, which was accepted before these types existed."""


class AgentRunPayload(_Payload):
    """The workflow input of a standalone agent's kickoff (``durable(agent).akickoff(messages)``)."""

    kind: Literal["agent"] = "agent"
    messages: Any
    """A string or a list of message dicts, as ``Agent.kickoff`` takes them."""
    response_format: str | None = None
    """The structured-output class as ``module:qualname``, or None."""


def run_payload(data: dict[str, Any]) -> CrewRunPayload | AgentRunPayload:
    """The declared form of a recorded run payload."""
    if data["kind"] == "crew":
        return CrewRunPayload.model_validate(data)
    return AgentRunPayload.model_validate(data)


class EncodedModel(BaseModel):
    """A structured output (``output_pydantic``, ``response_format``): its class and its data.

    Not a ``_Payload``: its field ``data`` is persisted under that name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    class_: str = Field(alias="class")
    """``module:qualname`` of the pydantic class."""
    data: Any
    """``model_dump(mode="json")``: a dict, or a root model's value."""

    def dumped(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class CrewRunResult(_Payload):
    """A crew's result: CrewAI's ``CrewOutput`` fields, structured outputs as :class:`EncodedModel`."""

    kind: Literal["crew"] = "crew"
    raw: str
    pydantic: dict[str, Any] | None
    """An :class:`EncodedModel` (dumped), or None."""
    json_dict: dict[str, Any] | None
    tasks_output: list[dict[str, Any]]
    """Each ``TaskOutput``'s fields (``model_dump``), its ``pydantic`` as an :class:`EncodedModel`."""
    token_usage: dict[str, Any]
    """CrewAI's ``UsageMetrics`` fields."""


class AgentRunResult(_Payload):
    """A standalone agent's result."""

    kind: Literal["agent"] = "agent"
    output: dict[str, Any]
    """``LiteAgentOutput``'s fields (``model_dump``), its ``pydantic`` as an :class:`EncodedModel`."""


# -- a model call ----------------------------------------------------------------------------


class ModelRequest(_Payload):
    """One ``BaseLLM.call``/``acall`` of the run's crew: what the activity sends through the live LLM."""

    messages: Any
    """The messages as CrewAI passed them (JSON): a string or a list of message dicts."""
    tools: Any = None
    """The tool schemas offered to the model (JSON), or None."""
    response_model: str | None = None
    """The response model's class as ``module:qualname``, or None."""
    stop: list[str] | None = None
    """The stop words in effect for this LLM, or None."""
    stream: bool | None = None
    """The streaming mode in effect for this LLM (None, as absent, reads as False)."""


class ModelResponse(_Payload):
    """The LLM's answer (encoded, see the module docstring) and the call's token usage."""

    result: Any
    usage: dict[str, int] = Field(default_factory=dict)
    """CrewAI's token-usage counters for this one call, added to the run's LLM."""


# -- a tool call -----------------------------------------------------------------------------


class ToolRequest(_Payload):
    """One ``run`` of a keyed tool: the keyword arguments (JSON), validated again in the activity."""

    arguments: dict[str, Any]


class ToolFailure(_Payload):
    """A tool's own exception: recorded, never retried, raised again in the workflow."""

    type: str
    """The exception's class as ``module:qualname``."""
    message: str


class ToolResponse(_Payload):
    """Exactly one of: the tool's result (encoded, see the module docstring), or its failure."""

    result: Any = None
    error: ToolFailure | None = None

    def data(self) -> dict[str, Any]:
        # Only the key that was set: ``{"result": ...}`` or ``{"error": {...}}``, as recorded.
        return self.model_dump(exclude_unset=True)


# -- events of a running run -----------------------------------------------------------------


class HumanPrompt(_Payload):
    """What ``handle.pending_input()`` shows while a task waits for human feedback."""

    kind: Literal["crewai.human_feedback"] = "crewai.human_feedback"
    agent: Any
    """The agent's role."""
    task: Any
    """The task's description."""
    output: Any
    """The answer under review (text; a structured answer as its JSON)."""
    message: str
    """CrewAI-style instructions: empty to accept, text to have the agent revise."""


class ProgressEvent(_Payload):
    """A task start, completion or failure, or the crew's kickoff start or end (``RunHandle.events()``)."""

    kind: str
    """``crewai.<CrewAI's event type>``, e.g. ``crewai.task_completed``."""
    task: Any
    agent: Any
    output: Any
    """The raw output, where the event has one."""
    error: Any


class StreamCallStarted(_Payload):
    """Emitted just before a streamed LLM call: who makes it, for the chunks that follow.

    CrewAI fills a ``StreamChunk``'s agent fields from the call's ``from_agent``, which only the
    workflow knows; the activity that streams the answer has the LLM alone."""

    kind: Literal["crewai.llm_stream_started"] = "crewai.llm_stream_started"
    agent_role: str | None
    agent_id: str | None
    """The id of the agent in the run's crew copy."""
    agent: str | None
    """Where the agent is in the crew (``agents[0]``, ``manager_agent``), or None (e.g. the
    manager CrewAI builds at kickoff): a client shows the id of the agent at that place in its own
    crew, as a plain run of that crew would."""


class StreamCallCompleted(_Payload):
    """Emitted just after a streamed LLM call returned: its answer as the chunks it streamed,
    for a consumer that reaches the call only after it finished (no live stream left to read)."""

    kind: Literal["crewai.llm_stream_completed"] = "crewai.llm_stream_completed"
    chunks: list[dict[str, Any]]
    """In the form the activity publishes each chunk (see ``_stream.chunk_data``)."""

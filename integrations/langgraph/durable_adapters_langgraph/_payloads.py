"""Everything this adapter writes into Temporal history, as declared types.

History is compatibility data: a run recorded by one release is replayed, continued or read by
the next. Each payload is built and read through its model here, never as a literal dict, and
dumped to exactly the JSON earlier releases wrote (field names, nesting, which keys are present);
``tests/langgraph/test_persisted_names.py`` pins the names and the committed histories in
``tests/histories/langgraph/`` replay on them.

Values from the graph (state, messages, a tool's output...) are ``Any`` here: they are JSON
written by ``_values.encode`` (LangChain's ``dumpd`` form, or the checkpoint serializer's
``{"__durable_serde__": [kind, base64]}``), and only ``_values.decode`` reads them.

* the run: :class:`RunPayload` in (the workflow input), :class:`RunResult` out;
* a model call: :class:`ModelRequest`, :class:`ModelResponse`;
* a tool call: :class:`ToolRequest` (with :class:`ToolPause`), :class:`ToolResponse` (with
  :class:`ToolError`, :class:`ToolAsked`);
* a batch of store operations: :class:`StoreRequest`, :class:`StoreResponse`;
* not in history, but read by clients while a run goes on: :class:`PendingInput` (a run waiting
  in ``interrupt()``), :class:`StreamEvent` (a chunk of a requested stream mode),
  :class:`StreamedCall` (a model call whose tokens stream live) and :class:`ModelChunk` (one of
  those tokens).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    # Recorded payloads are read as they were written: nothing of theirs is dropped or coerced.
    model_config = ConfigDict(extra="forbid")

    def data(self) -> dict[str, Any]:
        """The payload as the JSON-able dict handed to the core (and written into history)."""
        return self.model_dump()


# -- the run ---------------------------------------------------------------------------------


class CarriedCheckpoint(_Payload):
    """A thread's last checkpoint, carried from one run's result into the next run's payload.

    Both fields are LangGraph's checkpoint serializer output ``[kind, base64]``: exact, not for reading.
    """

    checkpoint: list[str]
    metadata: list[str]


class RunPayload(_Payload):
    """The workflow input of a graph run (``durable(graph).ainvoke(...)`` and friends)."""

    input: Any
    """The graph input (encoded), or ``{"__command__": <encoded Command fields>}`` for a ``Command``."""
    config: dict[str, Any] = Field(default_factory=dict)
    """The JSON part of the caller's RunnableConfig (configurable, tags, metadata, run_name, recursion_limit)."""
    stream_mode: list[str] = Field(default_factory=list)
    """The stream modes the caller reads while the run goes on (as progress events)."""
    context: Any = None
    """LangGraph's runtime context (encoded), or None."""
    checkpoint: CarriedCheckpoint | None = None
    """The thread's last checkpoint, taken from the previous run on the thread; None for a first run."""
    subgraphs: bool = False
    """``astream(..., subgraphs=True)``: stream the chunks of subgraphs too, with their namespace.
    Written only when True (payloads before streaming had no such field)."""

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude={"subgraphs"} if not self.subgraphs else None)


class RunResult(_Payload):
    """What a graph run returns (the workflow result's payload)."""

    output: Any
    """The graph's final state (encoded)."""
    thread_id: str
    checkpoint: CarriedCheckpoint | None
    """The run's last checkpoint, the start of the thread's next run."""
    interrupts_resumed: int
    """How many times the run waited in ``interrupt()`` and was answered."""


# -- a model call ----------------------------------------------------------------------------


class HostedModel(_Payload):
    """A chat model LangChain cannot serialise, named by its key in the hosted graph."""

    hosted: str


class ModelRequest(_Payload):
    """One chat-model generation, as the workflow sends it to the ``model_call`` activity."""

    model: HostedModel | dict[str, Any]
    """LangChain's serialised constructor (``dumpd``: kwargs, API keys as secret references), or
    the model's key in the hosted graph."""
    messages: list[dict[str, Any]]
    """The conversation, each message in LangChain's dict form (the core records only new ones)."""
    stop: list[str] | None
    kwargs: Any
    """The bound kwargs (``bind_tools`` tools, ``tool_choice``...) in LangChain's dict form."""
    retried_by: str | None = None
    """The graph's own retry around this call (``"ModelRetryMiddleware"``, ``"retry_policy"``):
    the activity then returns the provider's error as a :class:`ModelFailure` instead of having
    Temporal retry it. Written only when set (requests before it had no such field)."""

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude={"retried_by"} if self.retried_by is None else None)


class Generation(_Payload):
    message: dict[str, Any]
    """The answer in LangChain's dict form."""
    generation_info: Any


class ModelResponse(_Payload):
    """LangChain's ``ChatResult`` of one generation, as data."""

    generations: list[Generation]
    llm_output: Any


# -- a tool call -----------------------------------------------------------------------------


class ToolPause(_Payload):
    """What ``interrupt()`` reads in the tool's LangGraph task when the tool starts (its
    scratchpad), so the tool's ``interrupt()`` in the activity finds the same answers."""

    index: int
    """How many ``interrupt()`` calls the task made before this tool call."""
    resume: list[Any]
    """The task's answers so far (encoded), in the order of its ``interrupt()`` calls."""
    pending: list[Any] = Field(default_factory=list)
    """The run's answer not yet taken (``Command(resume=value)``, encoded), as a one-item list;
    empty when there is none."""


class ToolRequest(_Payload):
    """One tool invocation, as the workflow sends it to the ``tool_call`` activity."""

    input: Any
    """A tool call ``{"type": "tool_call", "name", "args", "id"}``, ``{"__args__": {...}}`` for a
    dict of arguments, or an encoded value; injected arguments are encoded as data (``_toolset``)."""
    config: dict[str, Any]
    """The JSON part of the tool's RunnableConfig (``_toolset.plain_config``)."""
    kwargs: Any
    pause: ToolPause | None = None
    """The task's ``interrupt()`` answers, present only when it has some (``_tool_pause``)."""

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude={"pause"} if self.pause is None else None)


class ToolError(_Payload):
    """A tool's own exception, to be raised again in the workflow as the same type where possible."""

    type: str
    """The exception class as ``module:qualname`` (histories before issue 12: ``module.qualname``)."""
    message: str
    args: Any
    """The exception's ``args`` (encoded), to rebuild it."""
    title: str | None = None
    """A pydantic ``ValidationError``'s title (only then present)."""
    errors: Any = None
    """A pydantic ``ValidationError``'s errors (type, loc, input; encoded; only then present)."""

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)  # title/errors only for a ValidationError, as written before


class ToolAsked(_Payload):
    """The ``interrupt()`` calls a tool made in the activity (``_tool_pause``)."""

    answered: int
    """How many found an answer (the workflow takes the same answers, in LangGraph's own way)."""
    stopped: bool = False
    """Whether the last one found none: the tool stopped there, as in a plain run."""
    value: Any = None
    """The value of the ``interrupt()`` that stopped (encoded)."""
    response_schema: Any = None
    """Its ``response_schema`` as JSON schema (langgraph 1.2.x after 1.2.0), or None."""


class ToolResponse(_Payload):
    """A tool call's outcome: exactly one of ``output`` and ``error`` is present, unless the
    tool stopped in ``interrupt()`` (``asked.stopped``), when neither is."""

    output: Any = None
    """What the tool returned (encoded: a ToolMessage, a Command, a value)."""
    error: ToolError | None = None
    asked: ToolAsked | None = None
    """Present only when the tool called ``interrupt()``."""

    def data(self) -> dict[str, Any]:
        asked = {"asked": self.asked.model_dump()} if self.asked is not None else {}
        if self.error is not None:
            return {"error": self.error.data(), **asked}
        if self.asked is not None and self.asked.stopped:
            return asked
        return {"output": self.output, **asked}


# -- a batch of store operations ---------------------------------------------------------------


class StoreRequest(_Payload):
    """A batch of operations on the graph's store (``_store``), one activity under ``langgraph:store``."""

    ops: list[dict[str, Any]]
    """Each ``{"get"|"search"|"put"|"list_namespaces": {<the operation's fields>}}``: namespaces as
    lists, values encoded."""


class StoreResponse(_Payload):
    """The store's answers, one per operation: None, ``{"item": ...}``, ``{"items": [...]}`` or
    ``{"namespaces": [...]}`` (items with ISO 8601 times, values encoded)."""

    results: list[Any]


# -- what a run shows while it goes on -------------------------------------------------------
# Not in history (a query's answer, progress events), but read by clients of other releases
# while the run is in flight, and ``pending_input()`` returns the dict to the user as it is.


class PendingInterrupt(_Payload):
    """One ``interrupt(value)`` the run waits on."""

    id: str
    value: Any
    """The interrupt's value (encoded)."""
    response_schema: Any = None
    """The JSON schema of the answer (``interrupt(..., response_schema=...)``, langgraph 1.2.x
    after 1.2.0); present only when the interrupt has one."""

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class PendingInput(_Payload):
    """What ``RunHandle.pending_input()`` shows while the run waits in ``interrupt()``."""

    interrupts: list[PendingInterrupt]
    thread_id: str
    values: Any = None
    """The graph's state at the interrupt (encoded), as LangGraph's ainvoke returns it."""

    def data(self) -> dict[str, Any]:
        return {"interrupts": [i.data() for i in self.interrupts], "thread_id": self.thread_id, "values": self.values}


class StreamEvent(_Payload):
    """A chunk of a requested stream mode, emitted as a progress event."""

    mode: str
    chunk: Any
    """The chunk (encoded)."""
    ns: list[str] = Field(default_factory=list)
    """The namespace of the (sub)graph that produced it (``subgraphs=True``); written only when not the root."""

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude={"ns"} if not self.ns else None)


class StreamView(_Payload):
    """How LangGraph's 'messages' mode shows a model call's tokens: under this namespace, with this metadata."""

    ns: list[str]
    metadata: Any
    """The metadata dict LangGraph attaches to each of the call's chunks (encoded, tuples kept)."""


class StreamedCall(_Payload):
    """Emitted just before a model call whose tokens the run streams live (the core's marker of
    the call's start comes next): what its chunks become in 'messages' mode."""

    streamed_call: str
    """The id LangChain gives the call's chunks and answer (``lc_run-`` + the workflow's run id)."""
    views: list[StreamView]


class ModelChunk(_Payload):
    """One chunk of a streamed model call, published live by the activity (never in history)."""

    message: dict[str, Any]
    """The ``AIMessageChunk`` in LangChain's dict form, as LangChain hands it to streaming callbacks
    (its id left out when LangChain made it: the workflow's run id names the call)."""
    parsed_as: str | None = None
    """The structured-output class (``module:qualname``) whose instance the provider client put in
    ``additional_kwargs["parsed"]``, sent as its fields; written only for such a call."""

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude={"parsed_as"} if self.parsed_as is None else None)


# -- a structured-output schema bound to a model call ----------------------------------------


class SchemaReference(_Payload):
    """A pydantic class bound to a model call (``with_structured_output(Schema)``'s
    ``response_format``), written as data in :class:`ModelRequest`'s kwargs under the key
    ``"__durable_schema__"``: the activity gets the class back by reference, and checks it is
    still the class the run recorded by comparing its JSON schema."""

    schema_class: str
    """The class as ``module:qualname`` (``durable_adapters.adapter.reference``)."""
    json_schema: dict[str, Any]
    """The class's ``model_json_schema()`` when the call was made: readable in the UI, and the
    check that the class the activity imports is the same schema."""


class ModelFailure(_Payload):
    """A model call's error returned as data, not retried by Temporal: the call was made inside
    the graph's own retry (``ModelRequest.retried_by``), which decides (see ``_retries``).
    Written as ``{"failure": {...}}`` in place of a :class:`ModelResponse`."""

    type: str
    """The exception class as ``module:qualname``, raised again in the workflow as that type."""
    message: str
    """``str()`` of the exception, as the graph's retry shows it (``ModelRetryMiddleware`` writes it
    into its failure message)."""
    status_code: int | None = None
    """The provider's HTTP status, when it answered with one."""

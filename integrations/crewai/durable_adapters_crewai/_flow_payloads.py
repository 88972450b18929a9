"""What a durable Flow run writes into Temporal history, as declared types (see ``_payloads``).

* the run: :class:`FlowRunPayload` in, :class:`FlowRunResult` out;
* inside a model or tool request of a flow, the object to call, as the worker rebuilds it:
  :class:`LLMSpec` (under ``"llm"``) and :class:`ToolSpec` (under ``"tool"``) — an LLM or a tool
  made inside a flow method has no path in a hosted object, so the request says what it is
  (never its API key);
* :class:`FlowFeedbackPrompt`: what ``handle.pending_input()`` shows while a ``@human_feedback``
  method waits for its human;
* :class:`PersistRequest`: one ``@persist`` save, made by the worker's own persistence backend.

History is compatibility data: ``tests/crewai/test_flows.py`` pins these names.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def data(self) -> dict[str, Any]:
        return self.model_dump()


class FlowRunPayload(_Payload):
    """The workflow input of ``durable(flow).kickoff(inputs=...)``."""

    kind: Literal["flow"] = "flow"
    inputs: dict[str, Any]
    """The kickoff inputs (JSON), as ``Flow.kickoff_async(inputs=...)`` takes them."""


class FlowRunResult(_Payload):
    """A flow's result: what ``kickoff`` returned and the flow's state after the run, both in the
    tagged form of ``_llm.encode_value`` (a state model as its class and full data)."""

    kind: Literal["flow"] = "flow"
    result: Any
    state: Any


class LLMSpec(_Payload):
    """An LLM made inside a flow method: its class and the fields it was made with (JSON, its
    ``api_key`` left out: the worker's LLM reads its credentials as CrewAI does, from the environment)."""

    cls: str
    """``module:qualname`` of the LLM's class (a provider class such as ``OpenAICompletion``)."""
    fields: dict[str, Any]


class ToolSpec(_Payload):
    """A tool given to an agent inside a flow method: a ``@tool`` object by its module-level name,
    or a ``BaseTool`` subclass by its class and the fields it was made with (JSON)."""

    ref: str
    """``module:qualname`` of the ``@tool`` object, or of the ``BaseTool`` subclass."""
    fields: dict[str, Any] | None = None
    """None for a ``@tool`` object (the worker imports the object itself)."""


class FlowFeedbackPrompt(_Payload):
    """What a ``@human_feedback`` method shows its human: its output and CrewAI's message."""

    kind: Literal["crewai.flow_human_feedback"] = "crewai.flow_human_feedback"
    method: str
    output: Any
    """The method's output under review (text; a model as its JSON)."""
    message: str
    emit: list[str] | None = None
    """The outcomes the answer is collapsed to (routing), or None."""


class PersistRequest(_Payload):
    """One ``@persist`` save: CrewAI's own ``persist_state`` on the worker, with the flow's state."""

    method: str
    state: Any
    """The state (tagged form of ``_llm.encode_value``, a model as its class and full data)."""

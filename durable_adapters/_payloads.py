"""The data that crosses into history: workflow and activity inputs and outputs.

Every field is plain JSON written by pydantic. Framework objects are turned into JSON by their
adapter before they get here, and live objects (clients, functions, keys) never do: an activity
names its model or tool by the stable key the registry knows it under. These shapes are
compatibility data like the names in ``_names``: add optional fields, never rename or remove.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field
from temporalio.common import RetryPolicy

from . import _compressed_json
from ._continue_as_new import Carry
from ._conversation import ConversationDelta


class CallPolicy(BaseModel):
    """Timeouts and retries of one kind of call (model or tool)."""

    start_to_close_seconds: float = 600.0
    """Longest a single attempt may take."""
    heartbeat_timeout_seconds: float = 1.0
    """A worker that stops heartbeating for this long is taken as dead and the call moves on."""
    initial_retry_seconds: float = 1.0
    backoff: float = 2.0
    max_retry_seconds: float = 60.0
    max_attempts: int = 8

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            initial_interval=timedelta(seconds=self.initial_retry_seconds),
            backoff_coefficient=self.backoff,
            maximum_interval=timedelta(seconds=self.max_retry_seconds),
            maximum_attempts=self.max_attempts,
        )


def _model_policy() -> CallPolicy:
    # Provider errors back off from 0.5 s (the provider's retry-after wins when it sends one).
    return CallPolicy(initial_retry_seconds=0.5)


def _tool_policy() -> CallPolicy:
    # A tool call is retried only after its worker was lost or it timed out (its own exceptions
    # are not retried), so there is nothing to back off from: retry on the next worker at once.
    return CallPolicy(initial_retry_seconds=0.1)


class RunOptions(BaseModel):
    """Per-run call policies, chosen on the client (``durable(obj, model_policy=..., ...)``)."""

    model: CallPolicy = Field(default_factory=_model_policy)
    tool: CallPolicy = Field(default_factory=_tool_policy)
    continue_as_new_after_events: int | None = None
    """Continue as new once history has this many events; None: when Temporal suggests it (4,096 by default)."""


class RunInput(BaseModel):
    """Input of the agent-loop workflow."""

    hosted: str
    """The name the worker hosts the object under."""
    framework: str
    """The adapter that runs it (``openai-agents``, ``langgraph``, ``crewai``)."""
    payload: dict[str, Any]
    """The framework call's arguments, as the adapter encoded them."""
    options: RunOptions = Field(default_factory=RunOptions)
    definition: str | None = None
    """The adapter's digest of the definition the run was started with (``Adapter.definition``):
    the run executes that one, and a worker that hosts another under the name refuses to start it."""
    carried: Carry | None = None
    """Set on a run that continued as new: the earlier runs' answers, for the fast-forward
    (see ``_continue_as_new``)."""


COMPRESS_RESULTS_OVER = 256 * 1024
"""Results larger than this (JSON bytes) are stored compressed: Temporal warns at 512 KB per payload."""


class RunOutput(BaseModel):
    """Result of the agent-loop workflow: the framework result, as the adapter encoded it.

    A long run's result (every item of a 1,000-call conversation) can pass Temporal's 512 KB
    payload warning. Such a result is stored as base64(zlib(JSON)) in ``compressed``, with an empty
    ``payload``; every other result stays readable as it is. Read it with :meth:`value`.
    """

    payload: dict[str, Any]
    compressed: str | None = None

    @classmethod
    def of(cls, payload: dict[str, Any]) -> RunOutput:
        raw = _compressed_json.compact(payload)
        if len(raw) <= COMPRESS_RESULTS_OVER:
            return cls(payload=payload)
        return cls(payload={}, compressed=_compressed_json.compress(raw))

    def value(self) -> dict[str, Any]:
        if self.compressed is None:
            return self.payload
        return _compressed_json.decompress(self.compressed)  # type: ignore[no-any-return]


class CallInput(BaseModel):
    """Input of a model or tool activity."""

    hosted: str
    key: str
    """The registry key of the model or tool inside the hosted object."""
    request: dict[str, Any]
    """The call's arguments, as the adapter encoded them."""
    conversation: ConversationDelta | None = None
    """``request[conversation.field]``, written as a delta against an earlier call (see ``_conversation``)."""
    stream: bool = False
    """A model call whose chunks are published live while it runs (see ``_live``); its result is
    still the complete response."""
    definition: str | None = None
    """Set when the run's definition is hosted beside its name's primary one (``Registry.add``):
    which of them the call belongs to."""


class StreamLocation(BaseModel):
    """Where a streamed call's live chunks are read: the heartbeat details of its activity.

    Heartbeat details are not history: Temporal keeps a pending activity's latest, and
    ``DescribeWorkflowExecution`` shows them. The attempt that succeeds also returns its location
    with its response (``CallOutput.stream``), so a consumer that reaches the call after it ended
    can still read its chunks while the worker keeps them. ``stream`` names one attempt's stream
    (128 random bits): a reader must name it, and it grants nothing but that call's chunks, whose
    joined content is the response already in history. No secret of the worker is in it.
    """

    address: str
    stream: str
    attempt: int


class CallOutput(BaseModel):
    """Result of a model or tool activity, as the adapter encoded it."""

    response: dict[str, Any]
    stream: StreamLocation | None = None
    """A streamed call: where the attempt that produced ``response`` published its chunks."""

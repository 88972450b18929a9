"""Names that are persisted in Temporal histories and task queues.

Everything here is compatibility data: a recorded history refers to these strings, and a
worker of a later release must still find its workflow, activities and task queues by them.
``tests/test_persisted_names.py`` pins every value; change one only with a migration plan.
"""

from __future__ import annotations

import re

WORKFLOW_TYPE = "durable-adapters.AgentLoop"
"""The one workflow type that runs every framework's loop."""

MODEL_CALL_ACTIVITY = "durable-adapters.model_call"
"""Activity type of a single model call (one request to the model provider)."""

TOOL_CALL_ACTIVITY = "durable-adapters.tool_call"
"""Activity type of a single tool call."""

FAST_FORWARD_SLICE_ACTIVITY = "durable-adapters.fast_forward_slice"
"""Activity that does nothing: it ends the workflow task between slices of a fast-forward."""

TASK_QUEUE_PREFIX = "durable-adapters."
"""Default task queue of a hosted object: this prefix plus the hosted name."""

RESUME_UPDATE = "resume"
"""Update that resumes a run paused for human input."""

PENDING_INPUT_QUERY = "pending_input"
"""Query: what a run paused for human input is asking for (None when it is not waiting)."""

EVENTS_QUERY = "events"
"""Query: the progress events a run has emitted after a given index (for streaming)."""

STREAM_QUERY = "durable-adapters.stream"
"""Query: a run's stream (events and streamed calls' markers) after a given index."""

MEMO_SOURCE = "durable-adapters.source"
"""Memo key: where the hosted object was defined, so ``replay`` can import it."""

MEMO_FRAMEWORK = "durable-adapters.framework"
"""Memo key: the adapter that runs the hosted object."""

_QUEUE_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def default_task_queue(hosted_name: str) -> str:
    """The task queue a hosted name is served on unless ``task_queue=`` says otherwise."""
    return TASK_QUEUE_PREFIX + _QUEUE_UNSAFE.sub("-", hosted_name)

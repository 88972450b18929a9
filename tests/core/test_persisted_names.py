"""Every name that is persisted in Temporal histories and task queues, pinned with literals.

A recorded run refers to these strings; a worker of a later release must still find its
workflow, its activities, its task queue, its models and tools by them, and read its payloads.
If a test here fails, a change broke runs that are in flight: revert it, or plan a migration
and update the literal on purpose.
"""

from __future__ import annotations

import pytest
import temporalio.activity
import temporalio.workflow
from temporalio import workflow

import durable_adapters._calls
from durable_adapters import _names
from durable_adapters._activities import ACTIVITIES, model_call, tool_call
from durable_adapters._calls import DurableCalls
from durable_adapters._payloads import CallInput, CallOutput, CallPolicy, RunInput, RunOptions, RunOutput
from durable_adapters._workflow import AgentLoopWorkflow


def test_workflow_activity_update_and_memo_names():
    assert _names.WORKFLOW_TYPE == "durable-adapters.AgentLoop"
    assert _names.MODEL_CALL_ACTIVITY == "durable-adapters.model_call"
    assert _names.TOOL_CALL_ACTIVITY == "durable-adapters.tool_call"
    assert _names.FAST_FORWARD_SLICE_ACTIVITY == "durable-adapters.fast_forward_slice"
    assert _names.TASK_QUEUE_PREFIX == "durable-adapters."
    assert _names.RESUME_UPDATE == "resume"
    assert _names.PENDING_INPUT_QUERY == "pending_input"
    assert _names.EVENTS_QUERY == "events"
    assert _names.STREAM_QUERY == "durable-adapters.stream"
    assert _names.MEMO_SOURCE == "durable-adapters.source"
    assert _names.MEMO_FRAMEWORK == "durable-adapters.framework"


@pytest.mark.parametrize(
    ("hosted_name", "queue"),
    [
        ("triage", "durable-adapters.triage"),
        ("my agent/v2", "durable-adapters.my-agent-v2"),
        ("team  a//b", "durable-adapters.team-a-b"),
        ("Crew_1.beta-x", "durable-adapters.Crew_1.beta-x"),
    ],
)
def test_default_task_queue(hosted_name, queue):
    assert _names.default_task_queue(hosted_name) == queue


def test_registered_workflow_and_activity_names_are_the_literals():
    assert temporalio.workflow._Definition.from_class(AgentLoopWorkflow).name == "durable-adapters.AgentLoop"
    assert temporalio.activity._Definition.from_callable(model_call).name == "durable-adapters.model_call"
    assert temporalio.activity._Definition.from_callable(tool_call).name == "durable-adapters.tool_call"
    assert sorted(temporalio.activity._Definition.from_callable(fn).name for fn in ACTIVITIES) == [
        "durable-adapters.fast_forward_slice",
        "durable-adapters.model_call",
        "durable-adapters.tool_call",
    ]


async def test_activity_id_is_sequence_kind_key(monkeypatch):
    scheduled = []

    async def execute_activity(activity, arg, **kwargs):
        scheduled.append((temporalio.activity._Definition.from_callable(activity).name, kwargs["activity_id"], arg))
        return CallOutput(response={"ok": True})

    class NoContinuation:  # outside a workflow: no history to measure, nothing carried
        def __init__(self, *args):
            pass

        async def carried(self, answer_id):
            return None

        async def before_new_call(self, waiting_for_input):
            pass

        def started(self):
            pass

        finished = started

        def record(self, *args, **kwargs):
            pass

    monkeypatch.setattr(workflow, "execute_activity", execute_activity)
    monkeypatch.setattr(durable_adapters._calls, "Continuation", NoContinuation)
    calls = DurableCalls(RunInput(hosted="triage-app", framework="openai-agents", payload={}))

    assert await calls.model("triage", {"q": 1}, summary="model · triage") == {"ok": True}
    await calls.tool("triage/get_weather", {}, summary="tool · get_weather")
    await calls.model("reporter", {}, summary="model · reporter")

    assert [(name, activity_id) for name, activity_id, _ in scheduled] == [
        ("durable-adapters.model_call", "1 model triage"),
        ("durable-adapters.tool_call", "2 tool triage/get_weather"),
        ("durable-adapters.model_call", "3 model reporter"),
    ]
    assert scheduled[0][2] == CallInput(hosted="triage-app", key="triage", request={"q": 1})


def test_payload_field_names():
    assert set(RunInput.model_fields) == {"hosted", "framework", "payload", "options", "definition", "carried"}
    assert set(RunOptions.model_fields) == {"model", "tool", "continue_as_new_after_events"}
    assert set(CallPolicy.model_fields) == {
        "start_to_close_seconds",
        "heartbeat_timeout_seconds",
        "initial_retry_seconds",
        "backoff",
        "max_retry_seconds",
        "max_attempts",
    }
    assert set(RunOutput.model_fields) == {"payload", "compressed"}
    assert set(CallInput.model_fields) == {"hosted", "key", "request", "conversation", "stream", "definition"}
    # Fields added later are optional, so histories written before them still load.
    assert RunInput.model_validate({"hosted": "h", "framework": "f", "payload": {}}).definition is None
    assert CallInput.model_validate({"hosted": "h", "key": "k", "request": {}}).definition is None
    from durable_adapters._channel import StreamItem, StreamPage
    from durable_adapters._payloads import StreamLocation

    # Not history, but read across processes and releases (queries, heartbeat details).
    assert set(StreamItem.model_fields) == {"kind", "event", "call", "info", "failed", "location"}
    assert set(StreamPage.model_fields) == {"items", "next"}
    assert set(StreamLocation.model_fields) == {"address", "stream", "attempt"}
    from durable_adapters._conversation import ConversationDelta

    assert set(ConversationDelta.model_fields) == {"field", "base", "keep", "append", "base_run"}
    assert set(CallOutput.model_fields) == {"response", "stream"}
    from durable_adapters._continue_as_new import CarriedEntry, CarriedError, Carry

    assert set(Carry.model_fields) == {"runs", "answers", "started_at", "data"}
    assert set(CarriedEntry.model_fields) == {"id", "at", "run", "response", "error", "value"}
    assert set(CarriedError.model_fields) == {"message", "type"}
    # ... and they are the JSON keys in history (no aliases).
    run = RunInput(hosted="h", framework="f", payload={"input": "x"}).model_dump(mode="json")
    assert set(run) == {"hosted", "framework", "payload", "options", "definition", "carried"}
    assert set(run["options"]) == {"model", "tool", "continue_as_new_after_events"}
    assert set(CallInput(hosted="h", key="k", request={}).model_dump(mode="json")) == {
        "hosted",
        "key",
        "request",
        "conversation",
        "stream",
        "definition",
    }
    assert set(CallOutput(response={}).model_dump(mode="json")) == {"response", "stream"}
    assert set(RunOutput(payload={}).model_dump(mode="json")) == {"payload", "compressed"}


def test_compressed_values_keep_their_format():
    # Continue-as-new carries and large results are stored as base64(zlib(compact JSON)) in
    # history; a later release must read what an earlier one wrote, and write the same.
    from durable_adapters import _compressed_json

    stored = "eJyrVkrMKy5PLVKyijbUUSopz1eKrQUAR94Gug=="
    assert _compressed_json.decompress(stored) == {"answer": [1, "two"]}
    assert _compressed_json.compress(_compressed_json.compact({"answer": [1, "two"]})) == stored


def test_update_and_query_names_are_registered_on_the_workflow():
    from temporalio import workflow as wf

    from durable_adapters._workflow import AgentLoopWorkflow

    definition = wf._Definition.from_class(AgentLoopWorkflow)
    assert set(definition.updates) == {"resume"}
    assert {"pending_input", "events", "durable-adapters.stream"} <= set(definition.queries)

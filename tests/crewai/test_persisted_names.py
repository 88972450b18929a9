"""The names the CrewAI adapter writes into history stay what they were.

History is compatibility data: a run recorded by one release is replayed, continued or read by the
next, so the payload types in ``durable_adapters_crewai._payloads`` must dump to the same keys, in
the same shape, as the literal dicts they replaced. The committed histories in
``tests/histories/crewai/`` replay on them too (``test_replay``); this pins each type's keys.
"""

from __future__ import annotations

import pytest

from durable_adapters_crewai import _payloads as p


@pytest.fixture(scope="module", autouse=True)
def _temporal_env():
    """No Temporal server for this module (this replaces tests/conftest.py's session fixture)."""
    yield


def test_run_payloads_and_results_keep_their_names():
    assert p.CrewRunPayload(inputs={"city": "Paris"}).data() == {"kind": "crew", "inputs": {"city": "Paris"}}
    assert p.AgentRunPayload(messages="hi", response_format="m:Answer").data() == {
        "kind": "agent",
        "messages": "hi",
        "response_format": "m:Answer",
    }
    assert isinstance(p.run_payload({"kind": "crew", "inputs": {}}), p.CrewRunPayload)
    assert isinstance(p.run_payload({"kind": "agent", "messages": [], "response_format": None}), p.AgentRunPayload)
    crew = p.CrewRunResult(raw="r", pydantic=None, json_dict=None, tasks_output=[], token_usage={}).data()
    assert list(crew) == ["kind", "raw", "pydantic", "json_dict", "tasks_output", "token_usage"]
    assert crew["kind"] == "crew"
    assert p.AgentRunResult(output={"raw": "r"}).data() == {"kind": "agent", "output": {"raw": "r"}}
    assert p.EncodedModel.model_validate({"class": "m:A", "data": {"x": 1}}).dumped() == {
        "class": "m:A",
        "data": {"x": 1},
    }


def test_model_and_tool_calls_keep_their_names():
    request = p.ModelRequest(messages=[{"role": "user", "content": "hi"}], stream=False).data()
    assert list(request) == ["messages", "tools", "response_model", "stop", "stream"]
    response = p.ModelResponse(result={"plain": "ok"}, usage={"total_tokens": 3}).data()
    assert response == {"result": {"plain": "ok"}, "usage": {"total_tokens": 3}}
    assert p.ToolRequest(arguments={"city": "Paris"}).data() == {"arguments": {"city": "Paris"}}
    # Exactly one key: the result or the failure, as recorded.
    assert p.ToolResponse(result={"plain": None}).data() == {"result": {"plain": None}}
    assert p.ToolResponse(error=p.ToolFailure(type="builtins:ValueError", message="no")).data() == {
        "error": {"type": "builtins:ValueError", "message": "no"}
    }


def test_events_of_a_running_run_keep_their_names():
    prompt = p.HumanPrompt(agent="Drafter", task="t", output="o", message="m").data()
    assert prompt == {"kind": "crewai.human_feedback", "agent": "Drafter", "task": "t", "output": "o", "message": "m"}
    event = p.ProgressEvent(kind="crewai.task_completed", task="t", agent="a", output="o", error=None).data()
    assert list(event) == ["kind", "task", "agent", "output", "error"]
    # Around a streamed LLM call (in the run's stream, read by clients of other releases).
    started = p.StreamCallStarted(agent_role="Looper", agent_id="id", agent="agents[0]").data()
    assert list(started) == ["kind", "agent_role", "agent_id", "agent"]
    assert started["kind"] == "crewai.llm_stream_started"
    completed = p.StreamCallCompleted(chunks=[{"chunk": "hi"}]).data()
    assert completed == {"kind": "crewai.llm_stream_completed", "chunks": [{"chunk": "hi"}]}

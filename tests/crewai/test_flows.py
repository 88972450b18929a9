"""CrewAI Flows run durably: the flow's own logic in the workflow, every LLM and tool call an activity.

Each flow runs plainly, then durably with no ``name=``, against scripted model servers of their
own; the requests (bodies), the result and the state after the run must be the plain run's.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from crewai.flow.flow import Flow, start

from durable_adapters import UnsupportedError, durable
from durable_adapters.testing import Reply, history_json, recorded_calls, recorded_model_requests
from tests.apps.crewai_flows import FileReadingFlow, JoinFlow, RouterFlow, TopicState, weather_crew

WEATHER_SCRIPT = [
    Reply.text("Weather"),
    Reply.tool_call("get_weather", {"city": "Paris"}),
    Reply.text("Sunny, 21C"),
]
POPULATION_SCRIPT = [
    Reply.text("Population"),
    Reply.tool_call("get_population", {"city": "Oslo"}),
    Reply.text("2.1 million"),
]
JOIN_SCRIPT = [Reply.text("Sunny and mild"), Reply.text("2.1 million"), Reply.text("Sunny and mild; 2.1 million")]


def _without_id(state):
    data = state.model_dump() if hasattr(state, "model_dump") else dict(state)
    data.pop("id", None)  # CrewAI gives every run's state a fresh uuid4
    return data


async def _plain_and_durable(scripted_model, monkeypatch, build, script, inputs):
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain_flow = build()
    plain = await plain_flow.kickoff_async(inputs=inputs)
    plain_server = server

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dflow = durable(build())  # no name=
    handle = await dflow.start(inputs=inputs)
    outcome = await asyncio.wait_for(handle.result(), timeout=60)
    return plain_flow, plain, plain_server, dflow, handle, outcome, server


@pytest.mark.parametrize(
    ("script", "city", "route", "tool"),
    [(WEATHER_SCRIPT, "Paris", "weather", "get_weather"), (POPULATION_SCRIPT, "Oslo", "population", "get_population")],
)
async def test_router_flow_with_two_crews_matches_plain_run(script, city, route, tool, scripted_model, monkeypatch):
    plain_flow, plain, plain_server, dflow, handle, outcome, server = await _plain_and_durable(
        scripted_model, monkeypatch, RouterFlow, script, {"city": city}
    )

    assert dflow.name.startswith("routerflow-")
    assert outcome.result == plain == f"{city}: {script[-1].content}"
    assert isinstance(outcome.state, TopicState)
    assert _without_id(outcome.state) == _without_id(plain_flow.state)
    assert outcome.state.steps == ["classify", "route", route, "conclude"]
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert len(server.served) == 3 and not server.repeats
    calls = await recorded_calls(handle)
    assert [c.kind for c in calls] == ["model", "model", "tool", "model"]
    assert calls[2].key.startswith(f"tool:{tool}:")
    assert all(c.key.startswith("llm:gpt-4o-mini:") for c in calls if c.kind == "model")
    # The LLM goes into history as what it is (class and settings), never with its API key.
    requests = recorded_model_requests(await handle.workflow_handle.fetch_history())
    assert all(r["llm"]["cls"].endswith(":OpenAICompletion") for r in requests)
    assert all(r["llm"]["fields"]["model"] == "gpt-4o-mini" and "api_key" not in r["llm"]["fields"] for r in requests)
    assert os.environ["OPENAI_API_KEY"] not in await history_json(handle)


async def test_kickoff_returns_the_result_and_keeps_the_state_as_a_plain_kickoff(scripted_model, monkeypatch):
    server = scripted_model(WEATHER_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain_flow = RouterFlow()
    plain = await asyncio.to_thread(plain_flow.kickoff, inputs={"city": "Paris"})

    server = scripted_model(WEATHER_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dflow = durable(RouterFlow)  # the class works too
    result = await asyncio.to_thread(dflow.kickoff, inputs={"city": "Paris"})

    assert result == plain == "Paris: Sunny, 21C"
    assert _without_id(dflow.state) == _without_id(plain_flow.state)


async def test_and_or_listeners_agent_and_bare_llm_calls_with_dict_state(scripted_model, monkeypatch):
    plain_flow, plain, plain_server, dflow, handle, outcome, server = await _plain_and_durable(
        scripted_model, monkeypatch, JoinFlow, JOIN_SCRIPT, {"city": "Paris"}
    )

    assert outcome.result == plain
    assert isinstance(outcome.state, dict)
    assert _without_id(outcome.state) == _without_id(plain_flow.state)
    assert outcome.state["log"] == plain_flow.state["log"]
    assert outcome.state["joined"] == "Sunny and mild; 2.1 million"
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert not server.repeats
    calls = await recorded_calls(handle)
    assert [c.kind for c in calls] == ["model", "model", "model"]


async def test_a_file_opened_in_a_flow_method_is_refused_naming_the_method(scripted_model, monkeypatch, tmp_path):
    server = scripted_model([Reply.text("unused")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert FileReadingFlow().kickoff(inputs={"path": str(notes)}) == "hello"  # plainly it reads the file

    with pytest.raises(Exception, match="read_notes") as failure:
        await asyncio.wait_for(durable(FileReadingFlow).kickoff_async(inputs={"path": str(notes)}), timeout=60)
    assert "UnsupportedError" in repr(failure.value) or isinstance(failure.value, UnsupportedError)
    assert server.requests == []


def test_a_flow_is_named_by_its_class_the_same_for_the_class_and_its_instances():
    by_instance, by_class = durable(RouterFlow(), worker=False), durable(RouterFlow, worker=False)
    other = durable(JoinFlow(), worker=False)
    assert by_instance.name == by_class.name and by_instance.name.startswith("routerflow-")
    assert other.name.startswith("joinflow-") and other.name != by_instance.name
    assert durable(RouterFlow(), name="support", worker=False).name == "support"


async def test_persist_restore_by_id_is_refused_before_any_model_call(scripted_model, monkeypatch):
    from tests.apps.crewai_flows import PersistedFlow

    server = scripted_model([Reply.text("unused")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    with pytest.raises(UnsupportedError, match="@persist"):
        await durable(PersistedFlow, worker=False).kickoff_async(inputs={"id": "abc"})
    assert server.requests == []


class _ThrottledFlow(Flow[dict[str, Any]]):
    @start()
    def ask(self) -> str:
        crew = weather_crew()
        crew.max_rpm = 10  # CrewAI enforces it with a timer thread: refused in durable runs
        return str(crew.kickoff(inputs={"city": "Paris"}).raw)


async def test_a_crew_built_in_a_method_is_checked_before_any_of_its_calls(scripted_model, monkeypatch):
    server = scripted_model([Reply.text("unused")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    with pytest.raises(Exception, match="max_rpm") as failure:
        await asyncio.wait_for(durable(_ThrottledFlow).kickoff_async(), timeout=60)
    assert "UnsupportedError" in repr(failure.value) or isinstance(failure.value, UnsupportedError)
    assert server.requests == []

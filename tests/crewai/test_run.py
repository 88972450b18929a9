"""Unchanged CrewAI crews, run durably: same output as a plain run, one activity per call."""

from __future__ import annotations

import asyncio

import pytest
from crewai.lite_agent_output import LiteAgentOutput

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls
from tests.apps.crewai_crews import (
    CityReport,
    build_agent,
    build_hierarchical_crew,
    build_hierarchical_crew_by_name,
    build_research_crew,
    build_structured_crew,
)

RESEARCH_SCRIPT = [
    Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_population", {"city": "Paris"})]),
    Reply.text("Paris: sunny, 21C; 2.1 million people."),
    Reply.text("Paris is sunny at 21C and home to 2.1 million."),
]


async def plain_kickoff(scripted_model, monkeypatch, build, script, inputs):
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    return await build().akickoff(inputs=inputs), server


async def durable_kickoff(scripted_model, monkeypatch, build, script, inputs, *, name, **options):
    """The same crew run durably, against a scripted server of its own: (handle, result, server)."""
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build(), name=name, **options).start(inputs=inputs)
    return handle, await asyncio.wait_for(handle.result(), timeout=30), server


async def test_sequential_crew_matches_plain_run_with_one_activity_per_call(scripted_model, monkeypatch, unique):
    plain, plain_server = await plain_kickoff(
        scripted_model, monkeypatch, build_research_crew, RESEARCH_SCRIPT, {"city": "Paris"}
    )

    handle, result, server = await durable_kickoff(
        scripted_model, monkeypatch, build_research_crew, RESEARCH_SCRIPT, {"city": "Paris"}, name=f"research-{unique}"
    )

    assert result.raw == plain.raw == "Paris is sunny at 21C and home to 2.1 million."
    assert [t.raw for t in result.tasks_output] == [t.raw for t in plain.tasks_output]
    assert [t.agent for t in result.tasks_output] == ["Researcher", "Writer"]
    assert result.token_usage == plain.token_usage
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [
        ("model", "agents[0].llm"),
        ("tool", "agents[0].tools[get_weather]"),
        ("tool", "agents[0].tools[get_population]"),
        ("model", "agents[0].llm"),
        ("model", "agents[1].llm"),
    ]
    assert len(server.served) == 3 and not server.repeats
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]


async def test_output_pydantic_comes_back_as_the_model(scripted_model, monkeypatch, unique):
    script = [
        Reply.tool_call("get_weather", {"city": "Rome"}),
        Reply.json({"city": "Rome", "summary": "sunny, 21C"}),
    ]
    plain, plain_server = await plain_kickoff(
        scripted_model, monkeypatch, build_structured_crew, script, {"city": "Rome"}
    )
    handle, result, server = await durable_kickoff(
        scripted_model, monkeypatch, build_structured_crew, script, {"city": "Rome"}, name=f"structured-{unique}"
    )

    assert isinstance(result.pydantic, CityReport)
    assert result.pydantic == plain.pydantic == CityReport(city="Rome", summary="sunny, 21C")
    assert result.tasks_output[0].pydantic == plain.tasks_output[0].pydantic
    assert result.raw == plain.raw
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [
        ("model", "agents[0].llm"),
        ("tool", "agents[0].tools[get_weather]"),
        ("model", "agents[0].llm"),
    ]


HIERARCHICAL_SCRIPT = [
    Reply.tool_call(
        "delegate_work_to_coworker", {"task": "Get the weather in Paris", "context": "Paris", "coworker": "Researcher"}
    ),
    Reply.tool_call("get_weather", {"city": "Paris"}),
    Reply.text("Paris: sunny, 21C"),
    Reply.text("Report: Paris is sunny, 21C."),
]


@pytest.mark.parametrize("build", [build_hierarchical_crew, build_hierarchical_crew_by_name])
async def test_hierarchical_crew_delegates_inside_the_run(build, scripted_model, monkeypatch, unique):
    plain, plain_server = await plain_kickoff(
        scripted_model, monkeypatch, build, HIERARCHICAL_SCRIPT, {"city": "Paris"}
    )
    handle, result, server = await durable_kickoff(
        scripted_model, monkeypatch, build, HIERARCHICAL_SCRIPT, {"city": "Paris"}, name=f"hierarchical-{unique}"
    )

    assert result.raw == plain.raw == "Report: Paris is sunny, 21C."
    assert result.token_usage == plain.token_usage
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    calls = await recorded_calls(handle)
    # Delegation is the crew's own control flow (in the workflow); the coworker's LLM and tool
    # calls are activities of their own.
    assert [(c.kind, c.key) for c in calls] == [
        ("model", "manager_llm"),
        ("model", "agents[0].llm"),
        ("tool", "agents[0].tools[get_weather]"),
        ("model", "agents[0].llm"),
        ("model", "manager_llm"),
    ]


async def test_standalone_agent_kickoff(scripted_model, monkeypatch, unique):
    script = [Reply.tool_call("get_weather", {"city": "Oslo"}), Reply.text("Oslo is sunny.")]
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain = await build_agent().akickoff("Weather in Oslo?")
    plain_server = server

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dagent = durable(build_agent(), name=f"desk-{unique}")
    handle = await dagent.start("Weather in Oslo?")
    result = await handle.result()

    assert isinstance(result, LiteAgentOutput)
    assert result.raw == plain.raw == "Oslo is sunny."
    assert result.usage_metrics == plain.usage_metrics
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [("model", "llm"), ("tool", "tools[get_weather]"), ("model", "llm")]


async def test_task_progress_is_readable_while_the_crew_runs(scripted_model, monkeypatch, unique):
    server = scripted_model(RESEARCH_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_research_crew(), name=f"progress-{unique}").start(inputs={"city": "Paris"})

    events = [event async for event in handle.events()]
    await handle.result()

    assert [(e["kind"], e["agent"]) for e in events if e["kind"].startswith("crewai.task")] == [
        ("crewai.task_started", "Researcher"),
        ("crewai.task_completed", "Researcher"),
        ("crewai.task_started", "Writer"),
        ("crewai.task_completed", "Writer"),
    ]
    completed = [e["output"] for e in events if e["kind"] == "crewai.task_completed"]
    assert completed == [RESEARCH_SCRIPT[1].content, RESEARCH_SCRIPT[2].content]


async def test_standalone_agent_with_response_format(scripted_model, monkeypatch, unique):
    script = [Reply.tool_call("get_weather", {"city": "Oslo"}), Reply.json({"city": "Oslo", "summary": "sunny"})]
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain = await build_agent().akickoff("Weather in Oslo?", response_format=CityReport)
    plain_server = server

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await durable(build_agent(), name=f"desk-structured-{unique}").akickoff(
        "Weather in Oslo?", response_format=CityReport
    )

    assert isinstance(result.pydantic, CityReport)
    assert result.pydantic == plain.pydantic == CityReport(city="Oslo", summary="sunny")
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]

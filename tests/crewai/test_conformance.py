"""Conformance: crews as CrewAI's docs and examples write them, run plainly and durably.

Each pattern of :data:`PATTERNS` is built by a function of ``tests.apps.crewai_conformance`` with
no ``name`` and no durability code, run plainly against the scripted model, then wrapped in
``durable()`` with one call and run again the framework's way. The durable run must send the same
requests (request by request; as a set where CrewAI itself runs tasks concurrently) and give the
same output, task outputs and token usage. A pattern that cannot be made durable is listed in
docs/crewai.md and must fail when ``durable()`` is called, before any model call, naming what it
refuses.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from crewai.flow.flow import Flow

from durable_adapters import ConfigurationError, UnsupportedError, durable
from durable_adapters._replay import replay_histories
from durable_adapters.testing import ModelRequest, Reply
from tests.apps import crewai_conformance as apps
from tests.apps import crewai_flows as flows
from tests.apps.crewai_conformance import model_server


@dataclass(frozen=True)
class Pattern:
    build: Callable[[], Any]
    script: Sequence[Reply] | Callable[[ModelRequest], Reply]
    inputs: dict[str, Any] | str | list[dict[str, Any]]
    """A crew's ``inputs``, an agent's ``messages``, or a list of inputs for ``kickoff_for_each``."""
    ordered: bool = True
    """False where CrewAI runs tasks concurrently: requests are compared as a set."""
    refused: tuple[type[Exception], str] | None = None
    """The error ``durable()`` must raise at once, and a pattern its message must match."""
    refused_in_run: str | None = None
    """Refused only when reached (no model call made): the durable run fails naming this."""
    raises: bool = False
    """The plain run raises: the durable run must raise an instance of the same type, with its message."""


PARIS = {"city": "Paris"}
DELEGATE = Reply.tool_call(
    "delegate_work_to_coworker", {"task": "Get the weather in Paris", "context": "Paris", "coworker": "Scout"}
)
HIERARCHY = [
    DELEGATE,
    Reply.tool_call("city_weather", {"city": "Paris"}),
    Reply.text("Paris: sunny, 21C."),
    Reply.text("Report: Paris is sunny, 21C."),
]
FACTS = Reply.json({"city": "Paris", "population_millions": 2.1})

PATTERNS: dict[str, Pattern] = {
    "sequential, @tool, context": Pattern(
        apps.build_sequential_crew,
        [
            Reply.tool_call("city_weather", {"city": "Paris"}),
            Reply.text("Paris: sunny, 21C."),
            Reply.text("Paris is sunny today."),
        ],
        PARIS,
    ),
    "BaseTool subclass": Pattern(
        apps.build_base_tool_crew,
        [Reply.tool_call("city_population", {"city": "Paris"}), Reply.text("About 2.1 million people.")],
        PARIS,
    ),
    "tasks with explicit context": Pattern(
        apps.build_context_crew,
        [Reply.text("Demand: 10 tons."), Reply.text("Supply: 8 tons."), Reply.text("Demand outstrips supply.")],
        PARIS,
    ),
    "output_pydantic": Pattern(apps.build_output_pydantic_crew, [FACTS], PARIS),
    "output_json": Pattern(apps.build_output_json_crew, [FACTS], PARIS),
    "hierarchical, manager_llm": Pattern(apps.build_manager_llm_crew, HIERARCHY, PARIS),
    "hierarchical, manager_agent": Pattern(apps.build_manager_agent_crew, HIERARCHY, PARIS),
    "async_execution tasks": Pattern(
        apps.build_meeting_prep_crew, apps.meeting_reply, {"meeting": "board meeting"}, ordered=False
    ),
    "guardrail function (one retry)": Pattern(
        apps.build_guardrail_crew, [Reply.text("Paris\nshines"), Reply.text("Paris shines")], PARIS
    ),
    "CrewBase project, YAML config": Pattern(
        apps.build_trip_crew,
        [
            Reply.tool_call("city_weather", {"city": "Paris"}),
            Reply.text("Sunny, 21C."),
            Reply.text("Morning: Louvre. Afternoon: a walk by the Seine."),
        ],
        {"destination": "Paris"},
    ),
    "Agent.kickoff standalone": Pattern(
        apps.build_standalone_agent,
        [Reply.tool_call("city_weather", {"city": "Paris"}), Reply.text("Sunny in Paris, 21C.")],
        "What is the weather in Paris?",
    ),
    "guardrail that never passes (raises)": Pattern(
        apps.build_failing_guardrail_crew,
        [Reply.text("Paris is old."), Reply.text("Paris is big.")],
        PARIS,
        raises=True,
    ),
    "tools given to the task": Pattern(
        apps.build_task_tools_crew,
        [Reply.tool_call("city_weather", {"city": "Paris"}), Reply.text("Sunny, 21C.")],
        PARIS,
    ),
    "ConditionalTask, condition met": Pattern(
        apps.build_conditional_crew,
        [Reply.text("Paris: size unknown."), Reply.text("Size: 105 km2."), Reply.text("Paris, 105 km2.")],
        PARIS,
    ),
    "ConditionalTask, condition not met": Pattern(
        apps.build_conditional_crew, [Reply.text("Paris: all known."), Reply.text("Paris, all known.")], PARIS
    ),
    "kickoff_for_each": Pattern(
        apps.build_reporter_crew, apps.reporter_reply, [{"city": "Paris"}, {"city": "Rome"}], ordered=False
    ),
    # Flows: cr-flows' flows (tests/apps/crewai_flows.py), scripts as in tests/crewai/test_flows.py.
    "Flow: router to one of two crews (weather)": Pattern(
        flows.build_router_flow,
        [
            Reply.text("Weather"),
            Reply.tool_call("get_weather", {"city": "Paris"}),
            Reply.text("Sunny, 21C"),
        ],
        PARIS,
    ),
    "Flow: router to one of two crews (population)": Pattern(
        flows.build_router_flow,
        [
            Reply.text("Population"),
            Reply.tool_call("get_population", {"city": "Oslo"}),
            Reply.text("2.1 million"),
        ],
        {"city": "Oslo"},
    ),
    "Flow: and_/or_ listeners, LLM.call, Agent.kickoff, dict state": Pattern(
        flows.build_join_flow,
        [Reply.text("Sunny and mild"), Reply.text("2.1 million"), Reply.text("Sunny and mild; 2.1 million")],
        PARIS,
    ),
    "Flow: a crew whose agent loops over a tool": Pattern(
        flows.build_looper_flow,
        [Reply.tool_call("get_weather", {"city": c}) for c in ("Paris", "Rome", "Oslo")] + [Reply.text("All sunny.")],
        {"cities": "Paris, Rome and Oslo"},
    ),
    "Flow: @persist": Pattern(flows.build_persisted_flow, [Reply.text("one"), Reply.text("two")], {}),
    "Flow: a file read in a flow method (refused)": Pattern(
        flows.FileReadingFlow, [], {"path": "notes.txt"}, refused_in_run="read_notes"
    ),
    "Flow: a crew with memory=True in a method (refused)": Pattern(
        apps.ConciergeFlow, [], PARIS, refused_in_run=r"inside the flow: Crew\(memory=True\) is not supported"
    ),
    "memory=True (refused)": Pattern(
        apps.build_memory_crew, [], PARIS, refused=(UnsupportedError, r"Crew\(memory=True\) is not supported")
    ),
    "text guardrail (refused)": Pattern(
        apps.build_text_guardrail_crew, [], PARIS, refused=(UnsupportedError, r"LLM guardrail .* is not supported")
    ),
    "LLM.call standalone (refused)": Pattern(
        apps.build_standalone_llm,
        [],
        "Hello",
        refused=(ConfigurationError, r"cannot run a crewai\.llms\..*OpenAICompletion: no installed adapter accepts it"),
    ),
}


def _without_id(state: Any) -> dict[str, Any]:
    data = state.model_dump() if hasattr(state, "model_dump") else dict(state)
    data.pop("id", None)  # CrewAI gives every flow run's state a fresh uuid4
    return data


def outcome(result: Any) -> dict[str, Any]:
    """What a user reads off a result: a crew's ``CrewOutput``, an agent's ``LiteAgentOutput``, or a
    flow's (result, state)."""
    if isinstance(result, tuple):
        return {"result": result[0], "state": _without_id(result[1])}
    if hasattr(result, "tasks_output"):
        return {
            "raw": result.raw,
            "pydantic": result.pydantic,
            "json_dict": result.json_dict,
            "tasks": [(t.raw, t.agent, t.pydantic, t.json_dict) for t in result.tasks_output],
            "token_usage": result.token_usage,
        }
    return {"raw": result.raw, "pydantic": result.pydantic, "usage": result.usage_metrics}


def requests(server, ordered: bool) -> list[Any]:
    bodies = [r.body for r in server.served]
    if ordered:
        return bodies
    # Concurrent tasks: the server numbers tool-call ids in arrival order, which varies.
    return sorted(re.sub(r"call_\d+_\d+", "call_id", json.dumps(b, sort_keys=True)) for b in bodies)


async def kickoff(obj: Any, inputs: dict[str, Any] | str | list[dict[str, Any]]) -> Any:
    if isinstance(obj, Flow):
        return await obj.kickoff_async(inputs=inputs), obj.state
    if isinstance(inputs, list):
        return await obj.akickoff_for_each(inputs=inputs)
    if isinstance(inputs, str):
        return await obj.akickoff(inputs)  # an agent: messages
    return await obj.akickoff(inputs=inputs)


async def start(wrapped: Any, inputs: dict[str, Any] | str | list[dict[str, Any]]) -> Any:
    """The durable run's handle (what ``akickoff`` awaits), to read its history afterwards."""
    if isinstance(inputs, str):
        return await wrapped.start(inputs)
    return await wrapped.start(inputs=inputs)


@pytest.mark.parametrize("pattern", list(PATTERNS))
async def test_pattern_runs_durably_as_it_runs_plainly(pattern, monkeypatch):
    spec = PATTERNS[pattern]
    server = model_server(spec.script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    if spec.refused is not None:
        error, match = spec.refused
        obj = spec.build()
        with pytest.raises(error, match=match):
            durable(obj)
        assert server.requests == []  # refused before any model call
        return
    if spec.refused_in_run is not None:
        with pytest.raises(Exception, match=spec.refused_in_run) as failure:
            await asyncio.wait_for(kickoff(durable(spec.build()), spec.inputs), timeout=60)
        assert isinstance(failure.value, UnsupportedError) or "UnsupportedError" in str(failure.value)
        assert server.requests == []  # refused before any model call
        return

    if spec.raises:
        with pytest.raises(Exception) as plain_error:
            await kickoff(spec.build(), spec.inputs)
    else:
        plain = await kickoff(spec.build(), spec.inputs)
    plain_requests = requests(server, spec.ordered)
    if isinstance(spec.script, list):  # the plain run took every scripted reply (a guardrail's retry too)
        assert len(plain_requests) == len(spec.script)
    server.reset()

    if isinstance(spec.inputs, list):  # kickoff_for_each: one durable run per input
        results = await asyncio.wait_for(kickoff(durable(spec.build()), spec.inputs), timeout=60)
        # CrewAI's copies share their LLMs' token counters, so each plain output's token_usage
        # mixes the runs (as far as they had got); each durable run counts its own (docs/crewai.md).
        assert [outcome(r) | {"token_usage": None} for r in results] == [
            outcome(p) | {"token_usage": None} for p in plain
        ]
        assert [r.token_usage.successful_requests for r in results] == [1] * len(spec.inputs)
        assert requests(server, spec.ordered) == plain_requests
        assert not server.repeats
        return

    handle = await start(durable(spec.build()), spec.inputs)
    if spec.raises:
        with pytest.raises(Exception) as durable_error:
            await asyncio.wait_for(handle.result(), timeout=60)
        # ``except <the plain run's type>`` catches it, and it says the same.
        assert isinstance(durable_error.value, type(plain_error.value))
        assert str(plain_error.value) in str(durable_error.value)
    else:
        result = await asyncio.wait_for(handle.result(), timeout=60)
        if isinstance(plain, tuple):  # a flow: the run's outcome has the result and the state
            result = (result.result, result.state)
        assert outcome(result) == outcome(plain)
    assert requests(server, spec.ordered) == plain_requests
    assert not server.repeats
    # The recorded run replays on the same code: the durable path is deterministic.
    (replayed,) = await replay_histories([await handle.workflow_handle.fetch_history()])
    assert replayed.replay_failure is None


def test_the_suite_covers_twelve_patterns_and_names_nothing():
    assert len(PATTERNS) >= 12
    for module in (apps.__file__, __file__):  # no crew, agent or durable() is given a name
        source = open(module).read()
        assert "name=" not in source.replace('"name=" not in', "")

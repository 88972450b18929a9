"""Crews as users write them today: no ``name``, and ``MyCrew().crew()`` built again on every call.

An unnamed crew (CrewAI calls every such crew ``"crew"``) is hosted under a name derived from its
definition — its first agent's role and a digest of its agents, tasks, tools and models — that
every process computes alike; a ``@CrewBase`` crew is hosted under its class's name, and the same
definition built again reuses its hosting, so a crew rebuilt per call runs durably every time.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls
from tests.apps.crewai_crews import build_research_crew, build_unnamed_crew

ROOT = Path(__file__).resolve().parents[2]

UNNAMED_SCRIPT = [
    Reply.tool_call("get_weather", {"city": "Paris"}),
    Reply.text("Paris: sunny, 21C."),
    Reply.text("Paris is sunny at 21C."),
]


async def test_an_unnamed_crew_runs_durably_as_it_runs_plainly(scripted_model, monkeypatch, unique):
    goal = f"Find facts about {{city}} ({unique})"  # a definition of this test's own
    server = scripted_model(UNNAMED_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain = await build_unnamed_crew(goal).akickoff(inputs={"city": "Paris"})
    plain_server = server

    server = scripted_model(UNNAMED_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dcrew = durable(build_unnamed_crew(goal))  # no name= : not refused
    handle = await dcrew.start(inputs={"city": "Paris"})
    result = await asyncio.wait_for(handle.result(), timeout=30)

    assert dcrew.name.startswith("researcher-") and dcrew.name != "crew"
    assert result.raw == plain.raw == "Paris is sunny at 21C."
    assert [t.raw for t in result.tasks_output] == [t.raw for t in plain.tasks_output]
    assert result.token_usage == plain.token_usage
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert not server.repeats
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [
        ("model", "agents[0].llm"),
        ("tool", "agents[0].tools[get_weather]"),
        ("model", "agents[0].llm"),
        ("model", "agents[1].llm"),
    ]


_NAME_IN_A_NEW_PROCESS = """
from durable_adapters import durable
from tests.apps.crewai_crews import build_unnamed_crew
print(durable(build_unnamed_crew({goal!r})).name)
"""


def test_the_default_name_is_the_same_in_another_process(unique):
    goal = f"Find facts about {{city}} ({unique})"
    here = durable(build_unnamed_crew(goal)).name
    env = {**os.environ, "PYTHONHASHSEED": "random", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    done = subprocess.run(
        [sys.executable, "-c", _NAME_IN_A_NEW_PROCESS.format(goal=goal)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == here
    # Built again here, it is the same definition: the same name and the same hosting.
    assert durable(build_unnamed_crew(goal)).name == here


def test_two_different_unnamed_crews_get_different_names(unique):
    goal = f"Find facts about {{city}} ({unique})"
    first = durable(build_unnamed_crew(goal)).name
    edited = durable(build_unnamed_crew(goal, writer_role="Editor")).name
    other_goal = durable(build_unnamed_crew(goal + " and its people")).name
    assert len({first, edited, other_goal}) == 3
    # The readable part is the first agent's role; the rest is the digest of the definition.
    assert all(name.startswith("researcher-") for name in (first, edited, other_goal))


def test_name_still_wins_and_named_crews_keep_their_names(unique):
    assert durable(build_unnamed_crew(f"Goal {unique}"), name=f"mine-{unique}").name == f"mine-{unique}"
    assert durable(build_research_crew()).name == "research"  # Crew(name="research")


def _crewbase_script(rounds: list[tuple[str, str]]) -> list[Reply]:
    script = []
    for topic, city in rounds:
        script += [
            Reply.tool_call("get_weather", {"city": city}),
            Reply.text(f"- {topic} in {city}: sunny, 21C."),
            Reply.text(f"{topic} report: {city} is sunny."),
        ]
    return script


ROUNDS = [("AI", "Paris"), ("Robots", "Rome"), ("Rockets", "Oslo")]


@pytest.mark.parametrize("rounds", [ROUNDS])
def test_a_crewbase_crew_built_per_call_runs_durably_every_round(rounds, scripted_model, monkeypatch):
    from tests.apps.crewai_crewbase import ResearchCrew

    def kickoffs(wrap):
        server = scripted_model(_crewbase_script(rounds))
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        results, bodies = [], []
        for topic, city in rounds:
            seen = len(server.served)
            results.append(wrap(ResearchCrew().crew()).kickoff(inputs={"topic": topic, "city": city}))
            bodies.append([r.body for r in server.served[seen:]])
        assert not server.repeats
        return results, bodies

    plain, plain_bodies = kickoffs(lambda crew: crew)
    names = []

    def wrap(crew):
        dcrew = durable(crew)
        names.append(dcrew.name)
        return dcrew

    results, bodies = kickoffs(wrap)

    assert names == ["ResearchCrew"] * 3  # CrewBase names its crew after the class
    assert [r.raw for r in results] == [p.raw for p in plain] == [f"{t} report: {c} is sunny." for t, c in rounds]
    assert [[t.raw for t in r.tasks_output] for r in results] == [[t.raw for t in p.tasks_output] for p in plain]
    assert bodies == plain_bodies
    assert all(len(b) == 3 for b in bodies)

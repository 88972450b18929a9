"""``Task(async_execution=True)``: the tasks run at once, as in a plain run, each call an activity.

CrewAI's ``akickoff`` (what the workflow runs) starts each async task as an asyncio task on the
running loop and awaits them at the next sync task. In the workflow that loop is Temporal's
deterministic one: the order the tasks' calls are scheduled in follows from the order their
activities complete, which history records, so a replay takes the same path. In a plain run the
requests reach the model in an order that depends on thread timing; they are compared as a set.
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from durable_adapters import durable
from durable_adapters._replay import replay_histories
from durable_adapters.testing import recorded_calls, wait_for_line
from tests.apps.crewai_conformance import MEETING_CITIES, build_meeting_prep_crew, meeting_reply, model_server

INPUTS = {"meeting": "board meeting"}
BRIEFING = "Briefing: sunny in Paris, Rome and Oslo."


def bodies(server) -> list[str]:
    """The request bodies as a set. The scripted server numbers tool-call ids by the order the
    requests arrived in, which differs between two runs of concurrent tasks: ids are left out."""
    return sorted(re.sub(r"call_\d+_\d+", "call_id", json.dumps(r.body, sort_keys=True)) for r in server.served)


@pytest.fixture
def server(monkeypatch):
    server = model_server(meeting_reply)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    return server


async def test_async_tasks_give_the_plain_result_and_requests(server):
    plain = await build_meeting_prep_crew().akickoff(inputs=INPUTS)
    plain_bodies = bodies(server)
    server.reset()

    handle = await durable(build_meeting_prep_crew()).start(inputs=INPUTS)
    result = await asyncio.wait_for(handle.result(), timeout=60)

    assert result.raw == plain.raw == BRIEFING
    assert [t.raw for t in result.tasks_output] == [t.raw for t in plain.tasks_output]
    assert [t.agent for t in result.tasks_output] == [t.agent for t in plain.tasks_output]
    assert result.token_usage == plain.token_usage
    assert bodies(server) == plain_bodies and len(server.served) == 7
    assert not server.repeats
    calls = await recorded_calls(handle)
    assert sorted((c.kind, c.key) for c in calls) == sorted(
        [("model", f"agents[{i}].llm") for i in range(3) for _ in range(2)]
        # One @tool object given to three agents: known under its first key (see _run.CrewRun.add).
        + [("tool", "agents[0].tools[city_weather]")] * 3
        + [("model", "agents[3].llm")]
    )
    assert calls[-1].key == "agents[3].llm"  # the briefing waits for all three

    # The recorded run replays on the same code: its path does not depend on thread timing.
    history = await handle.workflow_handle.fetch_history()
    (replayed,) = await replay_histories([history])
    assert replayed.replay_failure is None


async def test_async_tasks_run_concurrently(server, monkeypatch, tmp_path):
    """Rome's tool call is held: Paris and Oslo finish their tasks meanwhile, as in a plain run."""
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("city_weather Rome")
    monkeypatch.setenv("TOOL_LOG", str(tool_log))
    monkeypatch.setenv("TOOL_HOLD", str(hold))

    handle = await durable(build_meeting_prep_crew()).start(inputs=INPUTS)
    await wait_for_line(tool_log, "city_weather Rome")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while len(server.served) < 5:  # 3 tool calls asked for, Paris's and Oslo's answers
        assert loop.time() < deadline, f"only {len(server.served)} requests while Rome's tool is held"
        await asyncio.sleep(0.02)
    answered = {
        r.last_user_text().strip().split(" for ")[0] for r in server.served if r.body["messages"][-1]["role"] == "tool"
    }
    assert answered == {"Current Task: Find the weather in Paris", "Current Task: Find the weather in Oslo"}
    hold.unlink()

    result = await asyncio.wait_for(handle.result(), timeout=60)
    assert result.raw == BRIEFING
    assert len(server.served) == 7 and not server.repeats


@pytest.mark.faults
async def test_worker_killed_mid_run_repeats_no_finished_request(server, worker_process, tmp_path):
    """SIGKILL while Rome's tool is held and the other two tasks are done: a new worker finishes
    the run and no LLM request that had finished is sent again."""
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("city_weather Rome")
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    crew = build_meeting_prep_crew()
    target = f"{durable(crew, worker=False).name}=tests.apps.crewai_conformance:build_meeting_prep_crew"

    first = worker_process(target, env=env)
    handle = await durable(crew, worker=False).start(inputs=INPUTS)
    await wait_for_line(tool_log, "city_weather Rome")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    # Wait until the five answered calls are in history, not just served: a call whose answer
    # was not yet recorded when the worker died is rightly sent again.
    while sum(c.kind == "model" and c.completed_at is not None for c in await recorded_calls(handle)) < 5:
        assert loop.time() < deadline, "Paris and Oslo never finished while Rome's tool was held"
        await asyncio.sleep(0.05)
    assert len(server.served) == 5
    first.kill()
    assert first.returncode == -9

    hold.unlink()
    worker_process(target, env=env)
    result = await asyncio.wait_for(handle.result(), timeout=90)

    assert result.raw == BRIEFING
    assert len(server.served) == 7
    assert server.repeats == []  # no finished LLM request was sent again
    starts = tool_log.read_text().splitlines()
    assert starts.count("city_weather Rome") == 2  # the killed tool ran again (at-least-once)
    assert all(starts.count(f"city_weather {c}") == 1 for c in MEETING_CITIES if c != "Rome")

"""A run that continues as new mid-way is, to the user, the same run: same result, no call made twice.

``continue_as_new_after_events`` is set low so the triage run (tools in parallel, an agent used
as a tool, a handoff) is spread over several Temporal runs; each fast-forwards through the
calls of the ones before (see ``durable_adapters._continue_as_new``).
"""

from __future__ import annotations

import asyncio
import json

from agents import Runner, set_tracing_disabled

from durable_adapters import durable
from durable_adapters.testing import recorded_calls, run_histories
from tests.apps.openai_weather import build_triage
from tests.openai_agents.test_replay import replay_cli
from tests.openai_agents.test_run import TRIAGE_SCRIPT, plain_run


def conversation_deltas(histories) -> list[dict]:
    """The conversation delta of every model call in a chain's histories."""
    deltas = []
    for events in histories:
        for event in events:
            attributes = event.activity_task_scheduled_event_attributes
            if (
                event.HasField("activity_task_scheduled_event_attributes")
                and attributes.activity_type.name == "durable-adapters.model_call"
            ):
                deltas.append(json.loads(attributes.input.payloads[0].data)["conversation"])
    return deltas


async def test_a_run_spread_over_several_temporal_runs_is_the_plain_run(scripted_model, monkeypatch, unique):
    set_tracing_disabled(True)
    plain, plain_server = await plain_run(scripted_model, monkeypatch, build_triage, TRIAGE_SCRIPT, "Weather in Paris?")

    server = scripted_model(TRIAGE_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_triage(), name=f"triage-can-{unique}", continue_as_new_after_events=20).start(
        "Weather in Paris?"
    )
    result = await handle.result()

    assert result.final_output == plain.final_output
    assert result.last_agent.name == "reporter"
    assert result.to_input_list() == plain.to_input_list()
    assert len(await run_histories(handle)) >= 2
    # Each request was sent once, and it is what a plain run sends: the run after a continuation
    # rebuilt the conversation exactly.
    assert not server.repeats
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    calls = await recorded_calls(handle)
    assert [c.sequence for c in calls] == list(range(1, len(calls) + 1)) and len(calls) == 7
    # The latest run of the chain, fast-forward included, replays on the same code.
    replayed = replay_cli(handle.run_id, f"triage-can-{unique}=tests.apps.openai_weather:build_triage")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr


async def test_a_worker_killed_after_a_continuation_resumes_the_new_run(
    scripted_model, worker_process, tmp_path, unique, monkeypatch
):
    from durable_adapters.testing import wait_for_line
    from tests.apps.openai_weather import build_looper
    from tests.openai_agents.test_kill import CITIES, SCRIPT

    set_tracing_disabled(True)
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    await Runner.run(build_looper(), "Weather in Paris, Rome and Oslo?")
    monkeypatch.delenv("OPENAI_BASE_URL")

    server = scripted_model(SCRIPT)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("get_weather Oslo")  # the last tool call: by then the run has continued as new
    name = f"looper-cankill-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    target = f"{name}=tests.apps.openai_weather:build_looper"
    first = worker_process(target, env=env)
    dagent = durable(build_looper(), name=name, worker=False, continue_as_new_after_events=20)
    handle = await dagent.start("Weather in Paris, Rome and Oslo?")
    await wait_for_line(tool_log, "get_weather Oslo")
    assert len(await run_histories(handle)) >= 2  # the held call belongs to a continued run
    first.kill()
    hold.unlink()
    worker_process(target, env=env)
    result = await asyncio.wait_for(handle.result(), timeout=90)

    assert result.final_output == "All sunny."
    assert not server.repeats  # the new worker fast-forwarded from the carry: nothing sent twice
    # The model call after the kill was recorded as a delta against a call of an earlier run,
    # and the new worker rebuilt its conversation from that run's history: the same bodies.
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert any(delta["base_run"] for delta in conversation_deltas(await run_histories(handle)))
    starts = tool_log.read_text().splitlines()
    assert [starts.count(f"get_weather {c}") for c in CITIES] == [1, 1, 2]  # only the killed call ran again

"""Kill tests for Flows: a worker SIGKILLed mid-flow; a new worker finishes; no LLM request is sent twice.

Also a ``@human_feedback`` flow whose worker dies while it waits for its human, and a
``@persist`` flow whose worker dies between two saves.

The flow (``LooperFlow``) runs a crew inside its start method whose agent calls ``get_weather``
once per city: LLM call, tool call, three times, then the final answer. The worker is killed
while the tool after LLM call k runs (held), or while the last LLM call is in flight.
"""

from __future__ import annotations

import asyncio

import pytest
from crewai.flow.persistence.factory import default_flow_persistence

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_line
from tests.apps.crewai_flows import LooperState, build_looper_flow, build_persisted_flow, build_reviewed_flow

CITIES = ["Paris", "Rome", "Oslo"]
SCRIPT = [Reply.tool_call("get_weather", {"city": city}) for city in CITIES] + [Reply.text("All sunny.")]
TARGET = "tests.apps.crewai_flows:build_looper_flow"


@pytest.mark.parametrize("k", [1, 2, 3])
async def test_flow_worker_killed_during_tool_after_llm_call_k(
    k, scripted_model, worker_process, tmp_path, unique, monkeypatch
):
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    held = f"get_weather {CITIES[k - 1]}"
    hold.write_text(held)  # the tool call after LLM call k waits while this file exists
    name = f"looper-flow-kill-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}

    first = worker_process(f"{name}={TARGET}", env=env)
    dflow = durable(build_looper_flow(), name=name, worker=False)
    handle = await dflow.start(inputs={"cities": "Paris, Rome and Oslo"})
    await wait_for_line(tool_log, held)
    assert len(server.served) == k  # LLM call k finished; its tool is in flight
    first.kill()
    assert first.returncode == -9

    hold.unlink()
    worker_process(f"{name}={TARGET}", env=env)
    outcome = await asyncio.wait_for(handle.result(), timeout=90)

    assert outcome.result == "All sunny."
    assert isinstance(outcome.state, LooperState)
    assert outcome.state.model_dump(exclude={"id"}) == {"cities": "Paris, Rome and Oslo", "report": "All sunny."}
    assert len(server.served) == len(SCRIPT)  # every LLM request exactly once...
    assert server.repeats == []  # ...none of them sent again after the kill
    starts = tool_log.read_text().splitlines()
    assert starts.count(held) == 2  # the killed tool ran again (at-least-once)
    assert all(starts.count(f"get_weather {c}") == 1 for c in CITIES if c != CITIES[k - 1])
    calls = await recorded_calls(handle)
    assert [call.kind for call in calls] == ["model", "tool"] * 3 + ["model"]


async def test_flow_worker_killed_during_the_last_llm_call_resends_only_that_call(
    scripted_model, worker_process, tmp_path, unique, monkeypatch
):
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    tool_log = tmp_path / "tools.log"
    name = f"looper-flow-kill-llm-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log)}

    first = worker_process(f"{name}={TARGET}", env=env)
    server.hold_after(3)  # LLM call 4 reaches the provider and gets no answer while the worker lives
    handle = await durable(build_looper_flow(), name=name, worker=False).start(
        inputs={"cities": "Paris, Rome and Oslo"}
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while len(server.requests) < 4:
        assert loop.time() < deadline, "LLM call 4 never reached the model server"
        await asyncio.sleep(0.02)
    first.kill()
    server.release()

    worker_process(f"{name}={TARGET}", env=env)
    outcome = await asyncio.wait_for(handle.result(), timeout=90)

    assert outcome.result == "All sunny."
    # Only the call in flight at the kill was sent again; calls 1-3, finished before it, were not.
    assert server.repeats and all(r.body == server.served[3].body for r in server.repeats)
    assert len(server.served) == len(SCRIPT) + len(server.repeats)
    assert tool_log.read_text().splitlines() == [f"get_weather {c}" for c in CITIES]


async def _pending(handle, timeout: float = 60):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (prompt := await handle.pending_input()) is None:
        assert loop.time() < deadline, "the run never asked for feedback"
        await asyncio.sleep(0.05)
    return prompt


REVIEW_SCRIPT = [Reply.text("Paris is lovely."), Reply.text("Paris!")]


async def test_human_feedback_waits_durably_across_a_worker_restart(
    scripted_model, worker_process, unique, monkeypatch
):
    server = scripted_model(REVIEW_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setattr("builtins.input", lambda prompt="": "Make it shorter")
    plain_flow = build_reviewed_flow()
    plain = await plain_flow.kickoff_async(inputs={"topic": "Paris"})
    plain_server = server

    server = scripted_model(REVIEW_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    name = f"reviewed-flow-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url}
    target = f"{name}=tests.apps.crewai_flows:build_reviewed_flow"
    first = worker_process(target, env=env)
    handle = await durable(build_reviewed_flow(), name=name, worker=False).start(inputs={"topic": "Paris"})
    prompt = await _pending(handle)
    assert prompt == {
        "kind": "crewai.flow_human_feedback",
        "method": "write_draft",
        "output": "Paris is lovely.",
        "message": "Is this draft ready to publish?",
        "emit": None,
    }
    first.kill()  # the run waits in Temporal, not in the worker

    worker_process(target, env=env)
    await handle.resume("Make it shorter")
    outcome = await asyncio.wait_for(handle.result(), timeout=90)

    assert outcome.result == plain == "Paris!"
    assert outcome.state.model_dump(exclude={"id"}) == plain_flow.state.model_dump(exclude={"id"})
    assert outcome.state.feedback == "Make it shorter"
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert not server.repeats


async def test_persist_saves_on_the_worker_across_a_worker_restart(scripted_model, worker_process, unique, monkeypatch):
    script = [Reply.text("one"), Reply.text("two")]
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain_flow = build_persisted_flow()
    plain = await plain_flow.kickoff_async()
    plain_server = server

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    name = f"persisted-flow-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url}
    target = f"{name}=tests.apps.crewai_flows:build_persisted_flow"
    first = worker_process(target, env=env)
    server.hold_after(1)  # the second method's LLM call is in flight when the worker dies
    handle = await durable(build_persisted_flow(), name=name, worker=False).start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while len(server.requests) < 2:
        assert loop.time() < deadline, "the second method's LLM call never reached the model server"
        await asyncio.sleep(0.02)
    first.kill()
    server.release()

    worker_process(target, env=env)
    outcome = await asyncio.wait_for(handle.result(), timeout=90)

    assert outcome.result == plain == "one two"
    assert outcome.state.model_dump(exclude={"id"}) == plain_flow.state.model_dump(exclude={"id"})
    # The first method's LLM request was not sent again; the one in flight at the kill was.
    assert server.served[0].body == plain_server.served[0].body
    assert all(r.body == plain_server.served[1].body for r in server.repeats)
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [
        ("model", calls[0].key),
        ("tool", "flow:persist"),
        ("model", calls[0].key),
        ("tool", "flow:persist"),
    ]
    # Each save was CrewAI's own, on the worker, into the storage it keeps (CREWAI_STORAGE_DIR).
    saved = default_flow_persistence().load_state(outcome.state.id)
    assert saved is not None and saved["count"] == 2 and saved["notes"] == ["one", "two"]

"""Kill tests: a worker SIGKILLed while a crew's tool runs; a new worker finishes; no LLM request is sent twice."""

from __future__ import annotations

import asyncio
import time

import pytest

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_line
from tests.apps.crewai_crews import build_looper_crew

CITIES = ["Paris", "Rome", "Oslo"]
SCRIPT = [Reply.tool_call("get_weather", {"city": city}) for city in CITIES] + [Reply.text("All sunny.")]


@pytest.mark.parametrize("k", [1, 2, 3])
async def test_worker_killed_during_tool_after_llm_call_k(
    k, scripted_model, worker_process, tmp_path, unique, monkeypatch
):
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    held = f"get_weather {CITIES[k - 1]}"
    hold.write_text(held)  # the tool call after LLM call k waits while this file exists
    name = f"looper-kill-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    target = f"{name}=tests.apps.crewai_crews:build_looper_crew"

    started = time.monotonic()
    first = worker_process(target, env=env)
    first_ready = time.monotonic() - started
    handle = await durable(build_looper_crew(), name=name, worker=False).start(
        inputs={"cities": "Paris, Rome and Oslo"}
    )
    await wait_for_line(tool_log, held)
    assert len(server.served) == k  # LLM call k finished; its tool is in flight
    first.kill()
    assert first.returncode == -9

    hold.unlink()
    killed_at = time.monotonic()
    worker_process(target, env=env)
    result = await asyncio.wait_for(handle.result(), timeout=90)
    recovered = time.monotonic() - killed_at
    print(f"worker ready in {first_ready:.1f}s; run finished {recovered:.1f}s after the kill")

    assert result.raw == "All sunny."
    assert len(server.served) == len(SCRIPT)  # every LLM request exactly once...
    assert server.repeats == []  # ...none of them sent again after the kill
    starts = tool_log.read_text().splitlines()
    assert starts.count(held) == 2  # the killed tool ran again (at-least-once)
    assert all(starts.count(f"get_weather {c}") == 1 for c in CITIES if c != CITIES[k - 1])
    calls = await recorded_calls(handle)
    assert [call.kind for call in calls] == ["model", "tool"] * 3 + ["model"]


async def test_worker_killed_during_an_llm_call_resends_only_that_call(
    scripted_model, worker_process, tmp_path, unique, monkeypatch
):
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("get_weather Paris")
    name = f"looper-kill-llm-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    target = f"{name}=tests.apps.crewai_crews:build_looper_crew"

    first = worker_process(target, env=env)
    handle = await durable(build_looper_crew(), name=name, worker=False).start(
        inputs={"cities": "Paris, Rome and Oslo"}
    )
    await wait_for_line(tool_log, "get_weather Paris")
    server.hang_next(seconds=60)  # LLM call 2 reaches the provider and gets no answer in time
    hold.unlink()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while len(server.requests) < 2:
        assert loop.time() < deadline, "LLM call 2 never reached the model server"
        await asyncio.sleep(0.02)
    first.kill()

    worker_process(target, env=env)
    result = await asyncio.wait_for(handle.result(), timeout=90)

    assert result.raw == "All sunny."
    # Only the call in flight at the kill was sent again (at-least-once; normally once more, as
    # its second attempt); call 1, finished before the kill, was not.
    assert server.repeats and all(r.body == server.served[1].body for r in server.repeats)
    assert len(server.served) == len(SCRIPT) + len(server.repeats)
    calls = await recorded_calls(handle)
    assert [call.kind for call in calls] == ["model", "tool"] * 3 + ["model"]
    assert calls[2].attempt >= 2  # one activity: LLM call 2, retried on the new worker

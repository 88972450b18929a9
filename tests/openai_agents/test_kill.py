"""Kill tests: a worker SIGKILLed while a tool runs; a new worker finishes; no model request is sent twice."""

from __future__ import annotations

import asyncio

import pytest
from agents import Runner, set_tracing_disabled

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_line
from tests.apps.openai_weather import build_looper

CITIES = ["Paris", "Rome", "Oslo"]
SCRIPT = [Reply.tool_call("get_weather", {"city": city}) for city in CITIES] + [Reply.text("All sunny.")]


@pytest.mark.parametrize("k", [1, 2, 3])
async def test_worker_killed_during_tool_after_model_call_k(
    k, scripted_model, worker_process, tmp_path, unique, monkeypatch
):
    reference = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", reference.base_url)
    set_tracing_disabled(True)
    await Runner.run(build_looper(), "Weather in Paris, Rome and Oslo?")
    monkeypatch.delenv("OPENAI_BASE_URL")

    server = scripted_model(SCRIPT)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    held = f"get_weather {CITIES[k - 1]}"
    hold.write_text(held)  # the tool call after model call k waits while this file exists
    name = f"looper-kill-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    target = f"{name}=tests.apps.openai_weather:build_looper"

    first = worker_process(target, env=env)
    handle = await durable(build_looper(), name=name, worker=False).start("Weather in Paris, Rome and Oslo?")
    await wait_for_line(tool_log, held)
    assert len(server.served) == k  # model call k finished; its tool is in flight
    first.kill()
    assert first.returncode == -9

    hold.unlink()
    worker_process(target, env=env)
    result = await asyncio.wait_for(handle.result(), timeout=90)

    assert result.final_output == "All sunny."
    assert len(server.served) == len(SCRIPT)  # every model request exactly once...
    assert server.repeats == []  # ...none of them sent again after the kill
    # The new worker rebuilt each conversation from history: the model saw what a plain run sends.
    assert [r.body for r in server.served] == [r.body for r in reference.served]
    starts = tool_log.read_text().splitlines()
    assert starts.count(f"get_weather {CITIES[k - 1]}") == 2  # the killed tool ran again (at-least-once)
    assert all(starts.count(f"get_weather {c}") == 1 for c in CITIES if c != CITIES[k - 1])
    calls = await recorded_calls(handle)
    assert [call.kind for call in calls] == ["model", "tool"] * 3 + ["model"]

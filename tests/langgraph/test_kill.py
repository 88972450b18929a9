"""Kill tests: a worker SIGKILLed while a tool runs; a new worker finishes; no model request is sent twice.

Both graphs loop model → tool → model...; the tool call after model call ``k`` is held (it
waits while the hold file names it), the worker is SIGKILLed while it is certainly running, and
a fresh worker process finishes the run from history.
"""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import HumanMessage

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_line
from tests.apps import langgraph_apps

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CITIES = ["Paris", "Rome", "Oslo"]
SCRIPT = [Reply.tool_call("get_weather", {"city": city}) for city in CITIES] + [Reply.text("All sunny.")]


@pytest.mark.parametrize(
    ("factory", "k"),
    # The first and the last tool call of each graph (the middle one adds 15 s and no new case).
    [("build_sync_graph", 1), ("build_sync_graph", 3), ("build_react_agent", 1), ("build_react_agent", 3)],
)
async def test_worker_killed_during_tool_after_model_call_k(
    factory, k, scripted_model, worker_process, tmp_path, unique
):
    server = scripted_model(SCRIPT)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    held = f"get_weather {CITIES[k - 1]}"
    hold.write_text(held)  # the tool call after model call k waits while this file exists
    name = f"lg-kill-{factory}-{k}-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    target = f"{name}=tests.apps.langgraph_apps:{factory}"

    first = worker_process(target, env=env)
    graph = getattr(langgraph_apps, factory)()
    handle = await durable(graph, name=name, worker=False).start({"messages": [HumanMessage("Paris, Rome and Oslo?")]})
    await wait_for_line(tool_log, held)
    assert len(server.served) == k  # model call k finished; its tool is in flight
    first.kill()
    assert first.returncode == -9

    hold.unlink()
    worker_process(target, env=env)
    result = await asyncio.wait_for(handle.result(), timeout=90)

    assert result["messages"][-1].text == "All sunny."
    assert [m.content for m in result["messages"] if m.type == "tool"] == [f"{c}: sunny, 21C" for c in CITIES]
    assert len(server.served) == len(SCRIPT)  # every model request exactly once...
    assert server.repeats == []  # ...none of them sent again after the kill
    starts = tool_log.read_text().splitlines()
    assert starts.count(held) == 2  # the killed tool ran again (at-least-once)
    assert all(starts.count(f"get_weather {c}") == 1 for c in CITIES if c != CITIES[k - 1])
    calls = await recorded_calls(handle)
    assert [call.kind for call in calls] == ["model", "tool"] * 3 + ["model"]

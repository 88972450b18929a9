"""Parallelism: a Send fan-out's model calls run at the same time; 20 runs at once on one worker."""

from __future__ import annotations

import asyncio
import time

import pytest
from langchain_core.messages import HumanMessage

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls
from tests.apps.langgraph_apps import build_map_reduce, build_react_agent
from tests.langgraph.test_run import TOPICS, _essay_script

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LATENCY = 1.0


async def test_send_fan_out_of_five_runs_its_model_calls_in_parallel(scripted_model, monkeypatch, unique):
    server = scripted_model(_essay_script, latency=LATENCY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(build_map_reduce(), name=f"fanout-{unique}")

    started = time.monotonic()
    handle = await dgraph.start({"topics": TOPICS})
    result = await handle.result()
    elapsed = time.monotonic() - started

    assert len(result["drafts"]) == 5
    calls = await recorded_calls(handle)
    writes, summary = calls[:5], calls[5]
    assert [c.kind for c in calls] == ["model"] * 6
    # Every one of the five was scheduled before any of them completed: they overlapped.
    assert max(c.scheduled_at for c in writes) < min(c.completed_at for c in writes)
    assert summary.scheduled_at >= max(c.completed_at for c in writes)  # the reduce waited for all
    # No timed assertion (a loaded machine stretches any wall time): the overlap above is the
    # proof. The wall time is printed for a reader: about 2 s, against 6 s sequentially.
    print(f"fan-out of 5 + reduce, {LATENCY:g} s per model call: {elapsed:.2f} s")


def _per_city_script(request):
    """Each run asks about its own city: call the tool once, then answer with the tool's result."""
    messages = request.body["messages"]
    if messages[-1]["role"] == "tool":
        return Reply.text(f"Done: {messages[-1]['content']}")
    city = request.last_user_text().rstrip("?")
    return Reply.tool_call("get_weather", {"city": city})


async def test_twenty_runs_at_once_on_one_worker_all_complete(scripted_model, monkeypatch, unique):
    server = scripted_model(_per_city_script, latency=0.05)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(build_react_agent(), name=f"twenty-{unique}")
    cities = [f"City{i}" for i in range(20)]

    started = time.monotonic()
    results = await asyncio.wait_for(
        asyncio.gather(*(dgraph.ainvoke({"messages": [HumanMessage(f"{city}?")]}) for city in cities)), timeout=120
    )
    elapsed = time.monotonic() - started

    assert [r["messages"][-1].text for r in results] == [f"Done: {city}: sunny, 21C" for city in cities]
    assert len(server.served) == 40 and server.repeats == []
    print(f"20 concurrent runs (2 model + 1 tool calls each) in {elapsed:.1f} s")

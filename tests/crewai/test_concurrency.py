"""Many crew runs at once on one worker: all complete, each with its own task outputs and calls."""

from __future__ import annotations

import asyncio
import re
import time

from durable_adapters import durable
from durable_adapters.testing import ModelRequest, Reply, recorded_calls
from tests.apps.crewai_crews import build_research_crew

RUNS = 20


def answer(request: ModelRequest) -> Reply:
    """The researcher calls get_weather for its city, then sums up; the writer reports."""
    messages = request.body["messages"]
    city = re.search(r"(City\d+)", str(messages)).group(1)
    if request.tool_names():
        if messages[-1]["role"] == "tool":
            return Reply.text(f"{city}: sunny, 21C")
        return Reply.tool_call("get_weather", {"city": city})
    return Reply.text(f"Report: {city} is sunny.")


async def test_twenty_crew_runs_at_once_on_one_worker_all_complete(scripted_model, monkeypatch, unique):
    server = scripted_model(answer)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dcrew = durable(build_research_crew(), name=f"research-many-{unique}")  # this process is the one worker

    started = time.monotonic()
    handles = await asyncio.gather(*(dcrew.start(inputs={"city": f"City{i}"}) for i in range(RUNS)))
    results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), timeout=120)
    elapsed = time.monotonic() - started
    print(f"{RUNS} crew runs ({RUNS * 4} activities) in {elapsed:.1f}s")

    assert [r.raw for r in results] == [f"Report: City{i} is sunny." for i in range(RUNS)]
    # Runs share no task outputs: each writer saw its own researcher's answer as context.
    assert [r.tasks_output[0].raw for r in results] == [f"City{i}: sunny, 21C" for i in range(RUNS)]
    # ...and counted only its own tokens (3 requests of 10 + 5 tokens each).
    assert {(r.token_usage.successful_requests, r.token_usage.total_tokens) for r in results} == {(3, 45)}
    assert len(server.served) == RUNS * 3 and not server.repeats
    for handle in handles:
        assert [c.kind for c in await recorded_calls(handle)] == ["model", "tool", "model", "model"]


def test_kickoff_for_each_runs_one_durable_run_per_input(scripted_model, monkeypatch, unique):
    server = scripted_model(answer)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dcrew = durable(build_research_crew(), name=f"research-each-{unique}")

    results = dcrew.kickoff_for_each([{"city": "City1"}, {"city": "City2"}])

    assert [r.raw for r in results] == ["Report: City1 is sunny.", "Report: City2 is sunny."]
    assert len(server.served) == 6 and not server.repeats

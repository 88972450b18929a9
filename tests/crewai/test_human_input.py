"""``human_input=True``: the task waits durably for feedback, across a worker restart, and uses it."""

from __future__ import annotations

import asyncio

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_pending_input
from tests.apps.crewai_crews import build_human_crew

SCRIPT = [
    Reply.text("Paris: the city of light, of love and of very long slogans."),
    Reply.text("Paris: city of light."),
]


async def test_human_feedback_waits_across_a_worker_restart(scripted_model, worker_process, monkeypatch, unique):
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    name = f"human-{unique}"
    target = f"{name}=tests.apps.crewai_crews:build_human_crew"
    env = {"OPENAI_BASE_URL": server.base_url}

    first = worker_process(target, env=env)
    handle = await durable(build_human_crew(), name=name, worker=False).start(inputs={"city": "Paris"})
    prompt = await wait_for_pending_input(handle)
    assert prompt["kind"] == "crewai.human_feedback"
    assert prompt["agent"] == "Drafter"
    assert prompt["output"] == "Paris: the city of light, of love and of very long slogans."
    first.kill()  # nobody is running the run while it waits

    worker_process(target, env=env)
    assert (await wait_for_pending_input(handle))["output"] == prompt["output"]  # rebuilt from history
    await handle.resume("Make it shorter.")
    second = await wait_for_pending_input(handle)  # CrewAI asks again about the revised answer
    assert second["output"] == "Paris: city of light."
    await handle.resume("")  # empty feedback accepts the answer, as at CrewAI's terminal prompt
    result = await asyncio.wait_for(handle.result(), timeout=60)

    assert result.raw == "Paris: city of light."
    assert len(server.served) == 2 and not server.repeats
    assert "Make it shorter." in str(server.served[1].body["messages"])  # the agent got the feedback
    assert [c.kind for c in await recorded_calls(handle)] == ["model", "model"]

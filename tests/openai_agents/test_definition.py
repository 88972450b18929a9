"""An agent rebuilt per call (a factory) under one name reuses the first hosting; a different one
under the name is hosted beside it, and each run executes the agent it was started with."""

from __future__ import annotations

from typing import Any

import pytest
from agents import Agent, Runner, function_tool, set_tracing_disabled

from durable_adapters import ConfigurationError, durable
from durable_adapters.testing import Reply
from tests.apps.openai_weather import get_weather, model

SCRIPT = [Reply.tool_call("get_weather", {"city": "Oslo"}), Reply.text("Oslo is sunny.")]


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


def build_agent(name: str, instructions: str = "Answer briefly.") -> Agent:
    """A factory as an application writes one: a new agent object for every request."""
    helper = Agent(name=f"{name}-helper", instructions="Help.", model=model())
    return Agent(
        name=name,
        instructions=instructions,
        tools=[get_weather, helper.as_tool("ask_helper", "Ask the helper.")],
        handoffs=[Agent(name=f"{name}-reporter", instructions="Report.", model=model())],
        model=model(),
    )


async def test_an_agent_built_per_call_runs_again_and_again(scripted_model: Any, monkeypatch, unique: str) -> None:
    name = f"factory_{unique}"
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(build_agent(name), "Oslo?")

    # The hosting (and so the model client the worker calls) is the first build's: one server.
    server = scripted_model(SCRIPT * 3)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    for round in range(3):
        result = await durable(build_agent(name)).run("Oslo?")
        assert result.final_output == plain.final_output == "Oslo is sunny."
        served = [request.body for request in server.served[2 * round : 2 * round + 2]]
        assert served == [request.body for request in plain_server.served]
    assert len(server.served) == 6


async def test_a_different_agent_under_the_same_name_runs_as_itself(
    scripted_model: Any, monkeypatch, unique: str
) -> None:
    name = f"modes_{unique}"
    server = scripted_model([Reply.text("Brief."), Reply.text("At length."), Reply.text("Brief again.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    brief = await durable(build_agent(name)).run("Oslo?")
    long = await durable(build_agent(name, instructions="Answer at length.")).run("Oslo?")
    again = await durable(build_agent(name)).run("Oslo again?")

    assert [brief.final_output, long.final_output, again.final_output] == ["Brief.", "At length.", "Brief again."]
    # Each run sent its own agent's instructions, as the same three plain runs would.
    assert [r.system_text() for r in server.served] == ["Answer briefly.", "Answer at length.", "Answer briefly."]


async def test_a_tool_built_around_a_per_call_value_answers_with_that_value(
    scripted_model: Any, monkeypatch, unique: str
) -> None:
    def build_for(user: str) -> Agent:
        @function_tool
        def whoami() -> str:
            """The current user."""
            return user

        return Agent(name=f"per-user-{unique}", instructions="Answer.", tools=[whoami], model=model())

    # Both runs start with the same request (a repeat, answered alike); their second ones differ.
    server = scripted_model([Reply.tool_call("whoami", {}), Reply.text("ok"), Reply.text("ok")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    for user in ("ada", "bob"):
        assert (await durable(build_for(user)).run("Who am I?")).final_output == "ok"
    tool_outputs = [m["content"] for r in server.served for m in r.body["messages"] if m["role"] == "tool"]
    assert tool_outputs == ["ada", "bob"]  # not the first hosting's value for both


def test_a_worker_refuses_two_definitions_under_one_name(unique: str) -> None:
    """A worker serves what it hosts under a name to every run of it: two would be ambiguous."""
    from durable_adapters._durable import host

    name = f"worker_{unique}"
    host(build_agent(name), name=name)
    with pytest.raises(ConfigurationError, match="with a different definition"):
        host(build_agent(name, instructions="Answer at length."), name=name)

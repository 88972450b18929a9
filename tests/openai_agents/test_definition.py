"""An agent rebuilt per call (a factory) under one name reuses the first hosting; another under it is refused."""

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


def test_a_different_agent_under_the_same_name_is_refused(unique: str) -> None:
    name = f"factory_{unique}"
    durable(build_agent(name))
    with pytest.raises(ConfigurationError, match="two different objects are hosted under the name"):
        durable(build_agent(name, instructions="Answer at length."))


def test_a_tool_built_around_a_per_call_value_is_not_taken_for_the_last_one(unique: str) -> None:
    def build_for(user: str) -> Agent:
        @function_tool
        def whoami() -> str:
            """The current user."""
            return user

        return Agent(name=f"per-user-{unique}", instructions="Answer.", tools=[whoami], model=model())

    durable(build_for("ada"))
    durable(build_for("ada"))  # the same definition: the same code around the same value
    with pytest.raises(ConfigurationError, match="two different objects"):
        durable(build_for("bob"))

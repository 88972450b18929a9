"""A tool's own return value reaches the SDK in a durable run, as in a plain run (tool_use_behavior, run items)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from agents import Agent, FunctionToolResult, RunContextWrapper, Runner, function_tool, set_tracing_disabled
from agents.agent import ToolsToFinalOutputResult
from pydantic import BaseModel

from durable_adapters import durable
from durable_adapters.testing import Reply
from tests.apps.openai_weather import model


class Forecast(BaseModel):
    city: str
    celsius: int


@dataclasses.dataclass
class Wind:
    city: str
    knots: float


@function_tool
def forecast(city: str) -> Forecast:
    """The forecast for a city."""
    return Forecast(city=city, celsius=21)


@function_tool
def wind(city: str) -> Wind:
    """The wind in a city."""
    return Wind(city=city, knots=12.5)


@function_tool
def readings(city: str) -> dict[str, Any]:
    """Raw readings for a city."""
    return {"city": city, "values": [1, 2.5, None]}


def summarize(context: RunContextWrapper[Any], results: list[FunctionToolResult]) -> ToolsToFinalOutputResult:
    """Reads the tool's object, as application code does: `.city` on what the tool returned."""
    parts = []
    for result in results:
        output = result.output
        city = output["city"] if isinstance(output, dict) else output.city
        parts.append(f"{type(output).__name__}:{city}")
    return ToolsToFinalOutputResult(is_final_output=True, final_output=", ".join(parts))


def build() -> Agent:
    return Agent(
        name="forecaster",
        instructions="Use your tools.",
        tools=[forecast, wind, readings],
        tool_use_behavior=summarize,
        model=model(),
    )


SCRIPT = [
    Reply.tool_calls([("forecast", {"city": "Oslo"}), ("wind", {"city": "Oslo"}), ("readings", {"city": "Oslo"})]),
]


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


async def test_tool_use_behavior_gets_the_objects_the_tools_returned(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(build(), "Oslo?")

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await durable(build(), name=f"forecaster-{unique}").run("Oslo?")

    assert plain.final_output == "Forecast:Oslo, Wind:Oslo, dict:Oslo"
    assert result.final_output == plain.final_output
    assert [request.body for request in server.served] == [request.body for request in plain_server.served]
    assert result.to_input_list() == plain.to_input_list()

"""OpenAI Agents apps for the tests, written as a user writes them (no durability code).

Tools log each start to ``$TOOL_LOG`` (if set). A call whose log entry is the text of the file
``$TOOL_HOLD`` waits while that file exists: a kill test holds one chosen call, waits for it to
log its start, and SIGKILLs the worker while that call is certainly running. Nothing here sleeps
to hope.
"""

from __future__ import annotations

import os

from agents import Agent, OpenAIChatCompletionsModel, function_tool
from openai import AsyncOpenAI
from pydantic import BaseModel

from durable_adapters.testing import hold_point


def _log_and_wait(entry: str) -> None:
    hold_point(entry)  # log the start; wait while the test holds this call


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    _log_and_wait(f"get_weather {city}")
    return f"{city}: sunny, 21C"


@function_tool
async def get_local_time(city: str) -> str:
    """The local time in a city."""
    _log_and_wait(f"get_local_time {city}")
    return f"{city}: 12:00"


class WeatherReport(BaseModel):
    city: str
    summary: str


def model(name: str = "gpt-4o-mini") -> OpenAIChatCompletionsModel:
    # The key is a secret on purpose: tests check it never reaches a history.
    return OpenAIChatCompletionsModel(
        model=name, openai_client=AsyncOpenAI(api_key=os.environ.get("OPENAI_API_KEY", "sk-test-key-never-in-history"))
    )


def build_triage() -> Agent:
    """A triage agent: a sync and an async tool, an agent used as a tool, a handoff."""
    translator = Agent(name="translator", instructions="Translate into French.", model=model())
    reporter = Agent(name="reporter", instructions="Write the report.", model=model())
    return Agent(
        name="triage",
        instructions="Use your tools, translate, then hand off to the reporter.",
        tools=[get_weather, get_local_time, translator.as_tool("translate", "Translate into French.")],
        handoffs=[reporter],
        model=model(),
    )


def build_looper() -> Agent:
    """One agent, one tool: the shape of the kill tests (model, tool, model, tool, ...)."""
    return Agent(name="looper", instructions="Check the weather of every city.", tools=[get_weather], model=model())


def build_structured() -> Agent:
    return Agent(name="structured", instructions="Report.", output_type=WeatherReport, model=model())


def build_by_name() -> Agent:
    """An agent with a model *name*: the worker's default provider (Responses API) serves it."""
    return Agent(name="by-name", instructions="Answer.", tools=[get_weather], model="gpt-4o-mini")


@function_tool
def weather_lookup(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: sunny, 21C"


def build_looper_edited() -> Agent:
    """``build_looper`` after a deliberate edit (its tool renamed): recorded runs must not replay on it."""
    return Agent(name="looper", instructions="Check the weather of every city.", tools=[weather_lookup], model=model())

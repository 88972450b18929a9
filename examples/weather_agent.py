"""An ordinary OpenAI Agents SDK agent: nothing in this file knows about durability.

A triage agent with a sync and an async tool, a translator used as a tool, and a handoff to a
reporter. ``examples/demo.py`` runs it durably; so can you:

    durable-adapters worker examples.weather_agent:triage      # a worker (any number of them)
    durable-adapters run examples.weather_agent:triage "Weather in Paris?"
"""

from __future__ import annotations

import os
import time

from agents import Agent, OpenAIChatCompletionsModel, function_tool
from openai import AsyncOpenAI


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    # Slow on purpose, so the demo can kill the worker while this tool runs.
    time.sleep(float(os.environ.get("DEMO_TOOL_SECONDS", "0")))
    return f"{city}: sunny, 21°C"


@function_tool
async def get_local_time(city: str) -> str:
    """The local time in a city."""
    return f"{city}: 12:00"


def _model() -> OpenAIChatCompletionsModel:
    # A model *object*, as users build them. AsyncOpenAI reads OPENAI_API_KEY / OPENAI_BASE_URL.
    return OpenAIChatCompletionsModel(model=os.environ.get("DEMO_MODEL", "gpt-4o-mini"), openai_client=AsyncOpenAI())


translator = Agent(name="translator", instructions="Translate the text into French.", model=_model())
reporter = Agent(
    name="reporter",
    instructions="Write a one-sentence weather report from the conversation.",
    model=_model(),
)
triage = Agent(
    name="triage",
    instructions=(
        "Look up the weather and the local time with your tools, translate the weather into French "
        "with the translate tool, then hand off to the reporter."
    ),
    tools=[get_weather, get_local_time, translator.as_tool("translate", "Translate text into French.")],
    handoffs=[reporter],
    model=_model(),
)

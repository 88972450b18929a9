"""An ordinary CrewAI crew: nothing in this file knows about durability.

A researcher with two tools hands its findings to a writer, who drafts a one-line report and asks
a human to review it (``human_input=True``). ``examples/crewai_demo.py`` runs it durably; so can
you:

    durable-adapters worker examples.crewai_report:build_crew     # a worker (any number of them)

The LLMs are ``LLM(model="gpt-4o-mini")``: CrewAI's OpenAI provider, which reads
``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` when the crew is built.
"""

from __future__ import annotations

import os
import time

from crewai import LLM, Agent, Crew, Task
from crewai.tools import BaseTool, tool


@tool("get_weather")
def get_weather(city: str) -> str:
    """The current weather in a city."""
    # Slow on purpose, so the demo can kill the worker while this tool runs.
    time.sleep(float(os.environ.get("DEMO_TOOL_SECONDS", "0")))
    return f"{city}: sunny, 21°C"


class PopulationTool(BaseTool):
    name: str = "get_population"
    description: str = "The population of a city."

    def _run(self, city: str) -> str:
        return f"{city}: 2.1 million"


def build_crew() -> Crew:
    model = os.environ.get("DEMO_MODEL", "gpt-4o-mini")
    researcher = Agent(
        role="Researcher",
        goal="Find the weather and population of {city}",
        backstory="You check every fact with your tools.",
        llm=LLM(model=model),
        tools=[get_weather, PopulationTool()],
    )
    writer = Agent(
        role="Writer",
        goal="Write short, friendly city reports",
        backstory="You write one clear sentence.",
        llm=LLM(model=model),
    )
    research = Task(
        description="Find the current weather and the population of {city}.",
        expected_output="The weather and the population.",
        agent=researcher,
    )
    report = Task(
        description="Write a one-sentence report on {city} from the research.",
        expected_output="One sentence.",
        agent=writer,
        context=[research],
        human_input=True,
    )
    return Crew(name="city-report", agents=[researcher, writer], tasks=[research, report])

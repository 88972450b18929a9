"""CrewAI crews for the fault tests (``tests/crewai/test_faults.py``), written as a user writes them.

Like ``tests.apps.crewai_crews``: every LLM is CrewAI's native OpenAI provider, which reads
``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` when the LLM is made, so build crews after setting them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from crewai import LLM, Agent, Crew, Task
from crewai.tools import BaseTool, tool
from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema

from durable_adapters.testing import hold_point
from tests.apps.crewai_crews import get_weather, llm


def build_impatient_crew() -> Crew:
    """One agent whose LLM gives up on a request after 0.5 s and never retries it itself
    (``max_retries=0``): a hung request becomes a timeout that only Temporal retries."""
    impatient = LLM(model="gpt-4o-mini", timeout=0.5, max_retries=0)
    agent = Agent(role="Forecaster", goal="Answer weather questions", backstory="Quick.", llm=impatient)
    task = Task(description="Weather in {cities}?", expected_output="The weather.", agent=agent)
    return Crew(name="impatient", agents=[agent], tasks=[task])


@tool("station_lookup")
def station_lookup(city: str) -> str:
    """The weather station of a city (its service is down: always raises)."""
    hold_point(f"station_lookup {city}")  # logs each run of the tool to $TOOL_LOG
    raise ConnectionRefusedError(f"station service unreachable for {city}")


def build_station_crew() -> Crew:
    """One agent whose only tool raises."""
    agent = Agent(
        role="Station finder", goal="Find weather stations", backstory="Patient.", llm=llm(), tools=[station_lookup]
    )
    task = Task(description="Find the station of {city}.", expected_output="The station.", agent=agent)
    return Crew(name="station", agents=[agent], tasks=[task])


# -- call order: three tasks, and the same crew with its last two tasks swapped ----------------


def _ordered_tasks() -> tuple[list[Agent], dict[str, Task]]:
    researcher = Agent(
        role="Researcher",
        goal="Find facts about {city}",
        backstory="You check sources.",
        llm=llm(),
        tools=[get_weather],
    )
    writer = Agent(role="Writer", goal="Write short reports", backstory="You write clearly.", llm=llm())
    tasks = {
        "research": Task(description="Find the weather in {city}.", expected_output="Facts.", agent=researcher),
        "report": Task(description="Write a one-line report on {city}.", expected_output="One line.", agent=writer),
        "check": Task(
            description="Check the facts about {city} once more.", expected_output="OK or not.", agent=researcher
        ),
    }
    return [researcher, writer], tasks


def build_ordered_crew() -> Crew:
    """Research (Researcher, with a tool), report (Writer), check (Researcher)."""
    agents, tasks = _ordered_tasks()
    return Crew(name="ordered", agents=agents, tasks=[tasks["research"], tasks["report"], tasks["check"]])


def build_ordered_crew_edited() -> Crew:
    """``build_ordered_crew`` after a deliberate edit: the check now runs before the report, so the
    fourth call is the Researcher's LLM where recorded runs have the Writer's."""
    agents, tasks = _ordered_tasks()
    return Crew(name="ordered", agents=agents, tasks=[tasks["research"], tasks["check"], tasks["report"]])


# -- state that is not JSON ---------------------------------------------------------------------


class Reading:
    """A plain object (not JSON): what a tool built on some client library might hand back."""

    def __init__(self, city: str) -> None:
        self.city = city

    def __str__(self) -> str:
        return f"Reading({self.city}: sunny, 21C)"


@tool("read_sensor")
def read_sensor(city: str) -> Any:
    """The sensor reading of a city."""
    return Reading(city)


def build_object_result_crew() -> Crew:
    """A tool that returns an object that is not JSON."""
    agent = Agent(role="Reader", goal="Read sensors", backstory="Precise.", llm=llm(), tools=[read_sensor])
    task = Task(description="Read the sensor of {city}.", expected_output="The reading.", agent=agent)
    return Crew(name="object-result", agents=[agent], tasks=[task])


class Place:
    """A plain object (not JSON) that a tool's argument schema builds from the model's text."""

    def __init__(self, name: str) -> None:
        self.name = name


class PlaceArgs(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    place: Annotated[
        Place,
        BeforeValidator(lambda value: value if isinstance(value, Place) else Place(str(value))),
        WithJsonSchema({"type": "string", "description": "The place's name."}),
    ]


class PlaceWeatherTool(BaseTool):
    name: str = "place_weather"
    description: str = "The weather at a place."
    args_schema: type[BaseModel] = PlaceArgs

    def _run(self, place: Place) -> str:
        return f"{place.name}: sunny, 21C"


def build_object_argument_crew() -> Crew:
    """A tool whose validated arguments are not JSON (its schema turns the text into an object)."""
    agent = Agent(role="Placer", goal="Find places", backstory="Exact.", llm=llm(), tools=[PlaceWeatherTool()])
    task = Task(description="Weather at {city}?", expected_output="The weather.", agent=agent)
    return Crew(name="object-argument", agents=[agent], tasks=[task])


# -- CrewAI calling an LLM from a thread it starts itself ----------------------------------------


def build_llm_guardrail_crew() -> Crew:
    """A task with an LLM guardrail (a string): CrewAI validates the output with a guardrail agent
    that it runs with ``asyncio.run`` in a thread of its own."""
    agent = Agent(role="Writer", goal="Write about {city}", backstory="Careful.", llm=llm())
    task = Task(
        description="One line on {city}.",
        expected_output="One line.",
        agent=agent,
        guardrail="The line must mention the city.",
    )
    return Crew(name="llm-guardrail", agents=[agent], tasks=[task])


@tool("describe_city")
def describe_city(city: str) -> str:
    """A short description of a city, written by a model."""
    # A tool may do anything, as in a plain run: here it asks a model of its own, from a thread it starts.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return str(pool.submit(LLM(model="gpt-4o-mini").call, f"Describe {city} in five words.").result())


def build_describing_crew() -> Crew:
    """An agent whose tool calls a model itself, from a thread of its own."""
    agent = Agent(role="Guide", goal="Describe cities", backstory="Well travelled.", llm=llm(), tools=[describe_city])
    task = Task(description="Describe {city}.", expected_output="A description.", agent=agent)
    return Crew(name="describing", agents=[agent], tasks=[task])

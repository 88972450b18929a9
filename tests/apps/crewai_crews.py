"""CrewAI crews for the tests, written as a user writes them (no durability code).

Every LLM is ``LLM(model="gpt-4o-mini")``: CrewAI's native OpenAI provider, which reads
``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` when the LLM is made, so build crews after setting them.

Tools log each start to ``$TOOL_LOG`` (if set). A call whose log entry is the text of the file
``$TOOL_HOLD`` waits while that file exists: a kill test holds one chosen call, waits for it to
log its start, and SIGKILLs the worker while that call is certainly running.
"""

from __future__ import annotations

from crewai import LLM, Agent, Crew, Process, Task
from crewai.tools import BaseTool, tool
from pydantic import BaseModel

from durable_adapters.testing import hold_point


def _log_and_wait(entry: str) -> None:
    hold_point(entry)  # log the start; wait while the test holds this call


@tool("get_weather")
def get_weather(city: str) -> str:
    """The current weather in a city."""
    _log_and_wait(f"get_weather {city}")
    return f"{city}: sunny, 21C"


class PopulationTool(BaseTool):
    name: str = "get_population"
    description: str = "The population of a city."

    def _run(self, city: str) -> str:
        _log_and_wait(f"get_population {city}")
        return f"{city}: 2.1 million"


class CityReport(BaseModel):
    city: str
    summary: str


def llm() -> LLM:
    return LLM(model="gpt-4o-mini")


def build_research_crew() -> Crew:
    """Two agents in sequence: a researcher with tools, a writer who gets its output as context."""
    researcher = Agent(
        role="Researcher",
        goal="Find facts about {city}",
        backstory="You check sources.",
        llm=llm(),
        tools=[get_weather, PopulationTool()],
    )
    writer = Agent(role="Writer", goal="Write short reports", backstory="You write clearly.", llm=llm())
    research = Task(
        description="Find the weather and population of {city}.", expected_output="Facts.", agent=researcher
    )
    report = Task(
        description="Write a one-line report on {city}.", expected_output="One line.", agent=writer, context=[research]
    )
    return Crew(name="research", agents=[researcher, writer], tasks=[research, report])


def build_structured_crew() -> Crew:
    reporter = Agent(role="Reporter", goal="Report on cities", backstory="Terse.", llm=llm(), tools=[get_weather])
    task = Task(
        description="Report on {city}.", expected_output="A city report.", agent=reporter, output_pydantic=CityReport
    )
    return Crew(name="structured", agents=[reporter], tasks=[task])


def build_hierarchical_crew(manager_llm: LLM | str | None = None) -> Crew:
    researcher = Agent(
        role="Researcher", goal="Find facts", backstory="You check sources.", llm=llm(), tools=[get_weather]
    )
    writer = Agent(role="Writer", goal="Write reports", backstory="You write clearly.", llm=llm())
    task = Task(description="Produce a weather report for {city}.", expected_output="A report.")
    return Crew(
        name="hierarchical",
        agents=[researcher, writer],
        tasks=[task],
        process=Process.hierarchical,
        manager_llm=manager_llm or llm(),
    )


def build_hierarchical_crew_by_name() -> Crew:
    """The manager's LLM given as a model name, which CrewAI turns into an LLM at kickoff."""
    return build_hierarchical_crew(manager_llm="gpt-4o-mini")


def build_looper_crew() -> Crew:
    """One agent, one tool: the shape of the kill tests (llm, tool, llm, tool, ...)."""
    agent = Agent(
        role="Looper", goal="Check the weather of every city", backstory="Thorough.", llm=llm(), tools=[get_weather]
    )
    task = Task(description="Weather in {cities}?", expected_output="All of it.", agent=agent)
    return Crew(name="looper", agents=[agent], tasks=[task])


def build_streaming_crew() -> Crew:
    """The looper crew with CrewAI's own streaming on: ``crew.kickoff()`` returns a
    ``CrewStreamingOutput`` whose chunks are the LLM's tokens and tool-call deltas."""
    agent = Agent(
        role="Looper", goal="Check the weather of every city", backstory="Thorough.", llm=llm(), tools=[get_weather]
    )
    task = Task(description="Weather in {cities}?", expected_output="All of it.", agent=agent)
    return Crew(name="streaming", agents=[agent], tasks=[task], stream=True)


def build_human_crew() -> Crew:
    agent = Agent(role="Drafter", goal="Draft answers", backstory="Careful.", llm=llm())
    task = Task(description="Draft a slogan for {city}.", expected_output="A slogan.", agent=agent, human_input=True)
    return Crew(name="human", agents=[agent], tasks=[task])


def build_unnamed_crew(goal: str = "Find facts about {city}", *, writer_role: str = "Writer") -> Crew:
    """A crew as CrewAI's docs write one: no ``name`` (CrewAI calls it ``"crew"``)."""
    researcher = Agent(role="Researcher", goal=goal, backstory="You check sources.", llm=llm(), tools=[get_weather])
    writer = Agent(role=writer_role, goal="Write short reports", backstory="You write clearly.", llm=llm())
    research = Task(description="Find the weather in {city}.", expected_output="Facts.", agent=researcher)
    report = Task(
        description="Write a one-line report on {city}.", expected_output="One line.", agent=writer, context=[research]
    )
    return Crew(agents=[researcher, writer], tasks=[research, report], process=Process.sequential)


def build_agent() -> Agent:
    """A standalone agent, called with ``Agent.kickoff``."""
    return Agent(
        role="Weather desk", goal="Answer weather questions", backstory="Concise.", llm=llm(), tools=[get_weather]
    )


@tool("weather_lookup")
def weather_lookup(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: sunny, 21C"


def build_research_crew_edited() -> Crew:
    """``build_research_crew`` after a deliberate edit (the weather tool renamed): recorded runs
    must not replay on it."""
    crew = build_research_crew()
    crew.agents[0].tools = [weather_lookup, PopulationTool()]
    return crew


@tool("flaky_lookup")
def flaky_lookup(city: str) -> str:
    """Looks a city up (fails for unknown cities)."""
    raise ValueError(f"no data for {city}")


def build_flaky_crew() -> Crew:
    agent = Agent(role="Looker", goal="Look cities up", backstory="Persistent.", llm=llm(), tools=[flaky_lookup])
    task = Task(description="Look up {city}.", expected_output="What you found.", agent=agent)
    return Crew(name="flaky", agents=[agent], tasks=[task])

"""CrewAI crews for the conformance suite, written the way CrewAI's docs and examples write them.

No crew here has a ``name``, no durability code is in sight: each builder is what a user has
before calling ``durable()``. Every LLM is CrewAI's native OpenAI provider (``LLM(model=...)``),
which reads ``OPENAI_BASE_URL`` when it is made, so build crews after setting it.

Each builder has a script (:func:`script_for` of a pattern): a function of the request, not a
list, because the crews with ``async_execution=True`` tasks send their requests in an order that
depends on thread timing in a plain run; the reply depends only on what the request asks.
"""

# No ``from __future__ import annotations``: CrewAI reads a guardrail function's return annotation
# as an object (it must be tuple[bool, Any]), as in a user's module written without it.
import atexit
import json
from collections.abc import Callable, Sequence
from typing import Any

from crewai import LLM, Agent, Crew, Process, Task
from crewai.agents.agent_builder.base_agent import BaseAgent
from crewai.flow.flow import Flow, start
from crewai.project import CrewBase, agent, crew, task
from crewai.tasks.conditional_task import ConditionalTask
from crewai.tasks.task_output import TaskOutput
from crewai.tools import BaseTool, tool
from pydantic import BaseModel

from durable_adapters.testing import ModelRequest, Reply, ScriptedModelServer, hold_point

_SERVER: ScriptedModelServer | None = None


def model_server(script: Sequence[Reply] | Callable[[ModelRequest], Reply]) -> ScriptedModelServer:
    """The one scripted server of this process, reset, answering with ``script``.

    One server for every run of these crews: a crew without a name is hosted once per process
    under its default name, and the worker keeps the LLMs of the first copy it hosted, which read
    ``OPENAI_BASE_URL`` when they were made. Runs reset the server between them instead.
    """
    global _SERVER
    if _SERVER is None:
        _SERVER = ScriptedModelServer(script).start()
        atexit.register(_SERVER.stop)
    _SERVER.script = script
    _SERVER.reset()
    return _SERVER


def llm() -> LLM:
    return LLM(model="gpt-4o-mini")


@tool("city_weather")
def city_weather(city: str) -> str:
    """The current weather in a city."""
    hold_point(f"city_weather {city}")  # logs to $TOOL_LOG; a kill test may hold it
    return f"{city}: sunny, 21C"


# -- async tasks: the "prepare a meeting" shape ----------------------------------------------------

MEETING_CITIES = ("Paris", "Rome", "Oslo")


def build_meeting_prep_crew() -> Crew:
    """Three research tasks with ``async_execution=True`` (one agent each, with a tool) run at once;
    a briefing task that has all three as context waits for them."""
    agents = [
        Agent(
            role=f"{city} correspondent",
            goal=f"Know the weather in {city}",
            backstory="You check sources.",
            llm=llm(),
            tools=[city_weather],
        )
        for city in MEETING_CITIES
    ]
    research = [
        Task(
            description=f"Find the weather in {city} for the {{meeting}}.",
            expected_output="The weather.",
            agent=agent,
            async_execution=True,
        )
        for city, agent in zip(MEETING_CITIES, agents, strict=True)
    ]
    writer = Agent(role="Briefing writer", goal="Brief the team", backstory="Concise.", llm=llm())
    briefing = Task(
        description="Write the briefing for the {meeting}.",
        expected_output="A briefing.",
        agent=writer,
        context=research,
    )
    return Crew(agents=[*agents, writer], tasks=[*research, briefing])


def _has_tool_result(request: ModelRequest) -> bool:
    return any(m.get("role") == "tool" for m in request._messages())


def meeting_reply(request: ModelRequest) -> Reply:
    """Each correspondent calls its tool once, then answers; the writer answers at once."""
    asked = request.last_user_text() or ""
    if "briefing" in asked.lower() and "Find the weather" not in asked:
        return Reply.text("Briefing: sunny in Paris, Rome and Oslo.")
    city = next(c for c in MEETING_CITIES if f"weather in {c}" in asked)
    if _has_tool_result(request):
        return Reply.text(f"{city} is sunny, 21C.")
    return Reply.tool_call("city_weather", json.dumps({"city": city}))


# -- the crews of the conformance suite (tests/crewai/test_conformance.py) ---------------------------


class CityFacts(BaseModel):
    city: str
    population_millions: float


class CityPopulation(BaseTool):
    name: str = "city_population"
    description: str = "The population of a city, in millions."

    def _run(self, city: str) -> str:
        return f"{city}: 2.1 million"


def build_sequential_crew() -> Crew:
    """Researcher (with a @tool) then writer, the writer given the research as context."""
    researcher = Agent(
        role="Weather researcher",
        goal="Find the weather in {city}",
        backstory="You read forecasts.",
        llm=llm(),
        tools=[city_weather],
    )
    writer = Agent(role="Weather writer", goal="Write weather notes", backstory="Plain words.", llm=llm())
    research = Task(description="Find the weather in {city}.", expected_output="The weather.", agent=researcher)
    note = Task(
        description="Write a one-line weather note on {city}.",
        expected_output="One line.",
        agent=writer,
        context=[research],
    )
    return Crew(agents=[researcher, writer], tasks=[research, note], process=Process.sequential)


def build_base_tool_crew() -> Crew:
    """One agent with a ``BaseTool`` subclass."""
    analyst = Agent(
        role="Demographer", goal="Know city populations", backstory="Census work.", llm=llm(), tools=[CityPopulation()]
    )
    task = Task(description="How many people live in {city}?", expected_output="A number.", agent=analyst)
    return Crew(agents=[analyst], tasks=[task])


def build_context_crew() -> Crew:
    """Three tasks: the last takes the first two as explicit context."""
    analyst = Agent(role="Market analyst", goal="Size markets", backstory="Numbers first.", llm=llm())
    editor = Agent(role="Market editor", goal="Edit market notes", backstory="Short sentences.", llm=llm())
    demand = Task(description="Estimate coffee demand in {city}.", expected_output="A figure.", agent=analyst)
    supply = Task(description="Estimate coffee supply in {city}.", expected_output="A figure.", agent=analyst)
    summary = Task(
        description="Summarise the coffee market of {city}.",
        expected_output="Two lines.",
        agent=editor,
        context=[demand, supply],
    )
    return Crew(agents=[analyst, editor], tasks=[demand, supply, summary])


def build_output_pydantic_crew() -> Crew:
    agent = Agent(role="Fact checker", goal="State city facts", backstory="Precise.", llm=llm())
    task = Task(
        description="Give the population of {city}.",
        expected_output="City facts.",
        agent=agent,
        output_pydantic=CityFacts,
    )
    return Crew(agents=[agent], tasks=[task])


def build_output_json_crew() -> Crew:
    agent = Agent(role="Data clerk", goal="File city data", backstory="Tidy.", llm=llm())
    task = Task(
        description="File the population of {city} as data.",
        expected_output="City data as JSON.",
        agent=agent,
        output_json=CityFacts,
    )
    return Crew(agents=[agent], tasks=[task])


def _hierarchy_workers() -> tuple[list[Agent], Task]:
    scout = Agent(role="Scout", goal="Find the weather", backstory="Outdoors a lot.", llm=llm(), tools=[city_weather])
    scribe = Agent(role="Scribe", goal="Write reports", backstory="Neat hand.", llm=llm())
    task = Task(description="Produce a weather report for {city}.", expected_output="A report.")
    return [scout, scribe], task


def build_manager_llm_crew() -> Crew:
    """Hierarchical: CrewAI makes the manager from ``manager_llm``."""
    agents, task = _hierarchy_workers()
    return Crew(agents=agents, tasks=[task], process=Process.hierarchical, manager_llm=llm())


def build_manager_agent_crew() -> Crew:
    """Hierarchical with a manager agent of the user's own."""
    agents, task = _hierarchy_workers()
    manager = Agent(
        role="Editor in chief",
        goal="Get the best report from the team",
        backstory="You delegate well.",
        llm=llm(),
        allow_delegation=True,
    )
    return Crew(agents=agents, tasks=[task], process=Process.hierarchical, manager_agent=manager)


def _one_line(output: TaskOutput) -> tuple[bool, Any]:
    """A guardrail function, as CrewAI's docs write them: reject a multi-line answer."""
    if "\n" in output.raw.strip():
        return False, "Answer in one line."
    return True, output.raw.strip()


def build_guardrail_crew() -> Crew:
    """A task with a function guardrail: the first answer is rejected, the retry passes."""
    agent = Agent(role="Headline writer", goal="Write headlines", backstory="Punchy.", llm=llm())
    task = Task(
        description="Write a headline about {city}.",
        expected_output="One line.",
        agent=agent,
        guardrail=_one_line,
    )
    return Crew(agents=[agent], tasks=[task])


def build_text_guardrail_crew() -> Crew:
    """A task with a guardrail given as text (an LLM judges the output): refused."""
    agent = Agent(role="Slogan writer", goal="Write slogans", backstory="Catchy.", llm=llm())
    task = Task(
        description="Write a slogan for {city}.",
        expected_output="A slogan.",
        agent=agent,
        guardrail="The slogan must mention the city.",
    )
    return Crew(agents=[agent], tasks=[task])


def build_memory_crew() -> Crew:
    """``memory=True``, as CrewAI's memory docs write it: refused."""
    agent = Agent(role="Concierge", goal="Remember guests", backstory="Attentive.", llm=llm())
    task = Task(description="Greet the guest from {city}.", expected_output="A greeting.", agent=agent)
    return Crew(agents=[agent], tasks=[task], memory=True)


def build_standalone_agent() -> Agent:
    """An agent used on its own with ``Agent.kickoff``."""
    return Agent(
        role="Forecast desk", goal="Answer weather questions", backstory="Brief.", llm=llm(), tools=[city_weather]
    )


def build_standalone_llm() -> LLM:
    """An LLM called on its own (``LLM.call``): not a unit a durable run can host."""
    return llm()


@CrewBase
class TripCrew:
    """A CrewBase project: agents and tasks from YAML (crewai_conformance_config/), rebuilt per call."""

    agents: list[BaseAgent]
    tasks: list[Task]

    agents_config = "crewai_conformance_config/agents.yaml"
    tasks_config = "crewai_conformance_config/tasks.yaml"

    @agent
    def planner(self) -> Agent:
        return Agent(config=self.agents_config["planner"], tools=[city_weather], llm=llm())  # type: ignore[index]

    @agent
    def guide(self) -> Agent:
        return Agent(config=self.agents_config["guide"], llm=llm())  # type: ignore[index]

    @task
    def weather_task(self) -> Task:
        return Task(config=self.tasks_config["weather_task"])  # type: ignore[index]

    @task
    def itinerary_task(self) -> Task:
        return Task(config=self.tasks_config["itinerary_task"])  # type: ignore[index]

    @crew
    def crew(self) -> Crew:
        return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential)


def build_trip_crew() -> Crew:
    return TripCrew().crew()


def _cites_a_source(output: TaskOutput) -> tuple[bool, Any]:
    """A guardrail no answer of the script passes: the task fails after its retries."""
    if "source:" not in output.raw.lower():
        return False, "Cite a source."
    return True, output.raw


def build_failing_guardrail_crew() -> Crew:
    """A guardrail that rejects every answer: CrewAI raises once ``guardrail_max_retries`` are spent."""
    agent = Agent(role="Fact writer", goal="Write cited facts", backstory="Academic.", llm=llm())
    task = Task(
        description="Write one fact about {city}.",
        expected_output="A fact with its source.",
        agent=agent,
        guardrail=_cites_a_source,
        guardrail_max_retries=1,
    )
    return Crew(agents=[agent], tasks=[task])


def build_task_tools_crew() -> Crew:
    """The tool given to the task, not the agent."""
    agent = Agent(role="Generalist", goal="Answer what is asked", backstory="Curious.", llm=llm())
    task = Task(
        description="What is the weather like in {city}?",
        expected_output="The weather.",
        agent=agent,
        tools=[city_weather],
    )
    return Crew(agents=[agent], tasks=[task])


def _has_gaps(output: TaskOutput) -> bool:
    return "unknown" in output.raw


def build_conditional_crew() -> Crew:
    """A ``ConditionalTask`` that runs only when the previous output has gaps."""
    collector = Agent(role="Data collector", goal="Collect city data", backstory="Thorough.", llm=llm())
    filler = Agent(role="Gap filler", goal="Fill gaps in data", backstory="Resourceful.", llm=llm())
    collect = Task(description="Collect data on {city}.", expected_output="Data.", agent=collector)
    fill = ConditionalTask(
        description="Fill the gaps in the data on {city}.",
        expected_output="Complete data.",
        agent=filler,
        condition=_has_gaps,
    )
    summary = Task(description="Summarise the data on {city}.", expected_output="A summary.", agent=collector)
    return Crew(agents=[collector, filler], tasks=[collect, fill, summary])


def build_reporter_crew() -> Crew:
    """One agent, one task: run for several inputs with ``kickoff_for_each``."""
    reporter = Agent(role="City reporter", goal="Report on cities", backstory="Well travelled.", llm=llm())
    task = Task(description="Report on {city}.", expected_output="A report.", agent=reporter)
    return Crew(agents=[reporter], tasks=[task])


def reporter_reply(request: ModelRequest) -> Reply:
    asked = request.last_user_text() or ""
    return Reply.text(f"Report on {next(c for c in ('Paris', 'Rome') if c in asked)}.")


class ConciergeFlow(Flow[dict[str, Any]]):
    """A flow whose method kicks off a crew with ``memory=True``: refused when the crew starts."""

    @start()
    def greet(self) -> str:
        return build_memory_crew().kickoff(inputs={"city": self.state.get("city", "Paris")}).raw

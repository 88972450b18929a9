"""CrewAI Flows for the tests, written as CrewAI's docs and examples write them (no durability code).

Every LLM is ``LLM(model="gpt-4o-mini")``, made inside the flow's methods as users do: CrewAI's
native OpenAI provider reads ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` when it is made. Tools are
those of :mod:`tests.apps.crewai_crews` (they log their starts and can be held, for kill tests).

* :class:`RouterFlow` — structured (pydantic) state; a bare ``LLM.call`` classifies the topic in
  the start method, a router picks one of two crews, an ``or_`` listener of both routes writes
  the result into the state (``self.state`` between steps).
* :class:`JoinFlow` — unstructured (dict) state; a sync and an async listener, each with a bare
  LLM call, an ``and_`` listener of both that asks an ``Agent.kickoff`` to join them.
* :class:`LooperFlow` — one crew inside whose agent calls ``get_weather`` once per city: the
  kill tests' flow (a model call, then a tool call, several times).
* :class:`ReviewedFlow` — ``@human_feedback`` on a method: the draft is shown to a human and the
  answer routes the flow.
* :class:`PersistedFlow` — ``@persist`` on the class: the state is saved after each method.
* :class:`FileReadingFlow` — reads a file directly in a flow method (refused when durable).
"""

from __future__ import annotations

from typing import Any

from crewai import LLM, Agent, Crew, Task
from crewai.flow.flow import Flow, and_, listen, or_, router, start
from crewai.flow.human_feedback import human_feedback
from crewai.flow.persistence import persist
from pydantic import BaseModel

from tests.apps.crewai_crews import PopulationTool, get_weather


def llm() -> LLM:
    return LLM(model="gpt-4o-mini")


def weather_crew() -> Crew:
    """A crew of one agent with a tool, unnamed, built per call as the docs' flows do."""
    agent = Agent(
        role="Meteorologist", goal="Report the weather", backstory="You read the sky.", llm=llm(), tools=[get_weather]
    )
    task = Task(description="What is the weather in {city}?", expected_output="The weather.", agent=agent)
    return Crew(agents=[agent], tasks=[task])


def facts_crew() -> Crew:
    agent = Agent(
        role="Statistician", goal="Report populations", backstory="You count.", llm=llm(), tools=[PopulationTool()]
    )
    task = Task(description="How many people live in {city}?", expected_output="A number.", agent=agent)
    return Crew(agents=[agent], tasks=[task])


class TopicState(BaseModel):
    city: str = ""
    topic: str = ""
    answer: str = ""
    steps: list[str] = []


class RouterFlow(Flow[TopicState]):
    @start()
    def classify(self) -> str:
        self.state.steps.append("classify")
        self.state.topic = (
            llm().call(f"Is a question about {self.state.city} about weather or population? One word.").strip().lower()
        )
        return self.state.topic

    @router(classify)
    def route(self) -> str:
        self.state.steps.append("route")
        return "weather" if "weather" in self.state.topic else "population"

    @listen("weather")
    def ask_weather(self) -> str:
        self.state.steps.append("weather")
        return str(weather_crew().kickoff(inputs={"city": self.state.city}).raw)

    @listen("population")
    def ask_population(self) -> str:
        self.state.steps.append("population")
        return str(facts_crew().kickoff(inputs={"city": self.state.city}).raw)

    @listen(or_(ask_weather, ask_population))
    def conclude(self, answer: str) -> str:
        self.state.steps.append("conclude")
        self.state.answer = answer
        return f"{self.state.city}: {answer}"


class JoinFlow(Flow[dict[str, Any]]):
    @start()
    def begin(self) -> str:
        self.state["log"] = ["begin"]
        return str(self.state.get("city", "nowhere"))

    @listen(begin)
    def weather(self, city: str) -> str:
        self.state["log"].append("weather")
        self.state["weather"] = llm().call(f"Weather in {city}, in three words.")
        return str(self.state["weather"])

    @listen(weather)
    async def population(self, weather: str) -> str:
        self.state["log"].append("population")
        self.state["population"] = await llm().acall(f"Population of {self.state['city']}, as a number.")
        return str(self.state["population"])

    @listen(and_(weather, population))
    def join(self) -> str:
        self.state["log"].append("join")
        writer = Agent(role="Writer", goal="Join facts", backstory="Terse.", llm=llm())
        output = writer.kickoff(f"Join: {self.state['weather']} / {self.state['population']}")
        self.state["joined"] = output.raw
        return str(output.raw)

    @listen(join)
    def finish(self) -> dict[str, Any]:
        self.state["log"].append("finish")
        return {"joined": self.state.get("joined"), "steps": len(self.state["log"])}


class LooperState(BaseModel):
    cities: str = ""
    report: str = ""


class LooperFlow(Flow[LooperState]):
    @start()
    def check(self) -> str:
        agent = Agent(
            role="Weather checker",
            goal="Check the weather of each city, one at a time",
            backstory="Thorough.",
            llm=llm(),
            tools=[get_weather],
        )
        task = Task(description="Check the weather in {cities}.", expected_output="A summary.", agent=agent)
        self.state.report = str(Crew(agents=[agent], tasks=[task]).kickoff(inputs={"cities": self.state.cities}).raw)
        return self.state.report


class ReviewState(BaseModel):
    topic: str = ""
    draft: str = ""
    feedback: str = ""
    final: str = ""


class ReviewedFlow(Flow[ReviewState]):
    @start()
    @human_feedback(message="Is this draft ready to publish?")
    def write_draft(self) -> str:
        self.state.draft = llm().call(f"Draft one line about {self.state.topic}.")
        return self.state.draft

    @listen(write_draft)
    def publish(self, review: Any) -> str:
        self.state.feedback = review.feedback
        self.state.final = llm().call(f"Revise '{self.state.draft}' as asked: {review.feedback}")
        return self.state.final


class CounterState(BaseModel):
    count: int = 0
    notes: list[str] = []


@persist()
class PersistedFlow(Flow[CounterState]):
    @start()
    def first(self) -> None:
        self.state.count += 1
        self.state.notes.append(llm().call("Say one."))

    @listen(first)
    def second(self) -> str:
        self.state.count += 1
        self.state.notes.append(llm().call("Say two."))
        return " ".join(self.state.notes)


class FileReadingFlow(Flow[dict[str, Any]]):
    @start()
    def read_notes(self) -> str:
        with open(self.state.get("path", "notes.txt")) as notes:
            return notes.read()


def build_router_flow() -> RouterFlow:
    return RouterFlow()


def build_join_flow() -> JoinFlow:
    return JoinFlow()


def build_looper_flow() -> LooperFlow:
    return LooperFlow()


def build_reviewed_flow() -> ReviewedFlow:
    return ReviewedFlow()


def build_persisted_flow() -> PersistedFlow:
    return PersistedFlow()

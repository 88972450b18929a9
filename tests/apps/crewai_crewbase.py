"""A CrewAI project written the way CrewAI's docs write one: a ``@CrewBase`` class whose agents and
tasks come from YAML (``crewai_crewbase_config/``) through ``@agent`` / ``@task`` methods, and a
``@crew`` method that builds the crew — a new one each time ``ResearchCrew().crew()`` is called.

No durability code. The LLM is built when an agent is (``OPENAI_BASE_URL`` is read then).
"""

from __future__ import annotations

from crewai import LLM, Agent, Crew, Process, Task
from crewai.agents.agent_builder.base_agent import BaseAgent
from crewai.project import CrewBase, agent, crew, task

from tests.apps.crewai_crews import get_weather


@CrewBase
class ResearchCrew:
    """Research a topic, then report on it."""

    agents: list[BaseAgent]
    tasks: list[Task]

    agents_config = "crewai_crewbase_config/agents.yaml"
    tasks_config = "crewai_crewbase_config/tasks.yaml"

    @agent
    def researcher(self) -> Agent:
        return Agent(
            config=self.agents_config["researcher"],  # type: ignore[index]
            tools=[get_weather],
            llm=LLM(model="gpt-4o-mini"),
        )

    @agent
    def reporting_analyst(self) -> Agent:
        return Agent(config=self.agents_config["reporting_analyst"], llm=LLM(model="gpt-4o-mini"))  # type: ignore[index]

    @task
    def research_task(self) -> Task:
        return Task(config=self.tasks_config["research_task"])  # type: ignore[index]

    @task
    def reporting_task(self) -> Task:
        return Task(config=self.tasks_config["reporting_task"])  # type: ignore[index]

    @crew
    def crew(self) -> Crew:
        return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential)

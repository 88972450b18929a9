"""CrewAI crews for the conformance suite, written the way CrewAI's docs and examples write them.

No crew here has a ``name``, no durability code is in sight: each builder is what a user has
before calling ``durable()``. Every LLM is CrewAI's native OpenAI provider (``LLM(model=...)``),
which reads ``OPENAI_BASE_URL`` when it is made, so build crews after setting it.

Each builder has a script (:func:`script_for` of a pattern): a function of the request, not a
list, because the crews with ``async_execution=True`` tasks send their requests in an order that
depends on thread timing in a plain run; the reply depends only on what the request asks.
"""

from __future__ import annotations

import atexit
import json
from collections.abc import Callable

from crewai import LLM, Agent, Crew, Task
from crewai.tools import tool

from durable_adapters.testing import ModelRequest, Reply, ScriptedModelServer, hold_point

_SERVER: ScriptedModelServer | None = None


def model_server(script: Callable[[ModelRequest], Reply]) -> ScriptedModelServer:
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

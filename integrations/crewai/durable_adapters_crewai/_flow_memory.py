"""Crews with memory or knowledge that a Flow method builds: refused when they are kicked off.

``durable(flow)`` cannot see the crews a flow's methods build: they are made while the run goes
on. A crew with memory or knowledge (see :mod:`._memory`) would make its task's LLM call and then
fail when the memory's analysis LLM is called from CrewAI's background thread, after a paid call.
So inside a durable flow, ``Crew.kickoff`` / ``Crew.akickoff`` first check the crew as
``durable(crew)`` does, and refuse before the crew's first call, with the same message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crewai import Crew

from durable_adapters.adapter import UnsupportedError

from ._flow_points import FLOW_POINTS
from ._memory import refuse_memory_and_knowledge
from ._run import current


def check_crew(crew: Crew) -> None:
    """Refuse ``crew`` for the current run if it has memory or knowledge."""
    agents = {f"agents[{i}]": agent for i, agent in enumerate(crew.agents)}
    if crew.manager_agent is not None:
        agents["manager_agent"] = crew.manager_agent
    try:
        refuse_memory_and_knowledge(crew, agents)
    except UnsupportedError as refused:
        run = current()
        assert run is not None  # the table acts only inside a durable flow
        # run.refuse: CrewAI must not swallow it and go on down another path than a plain run.
        raise run.refuse(f"a crew kicked off in a Flow method: {refused}") from None


_WHY = (
    "a crew a flow method builds is checked for memory and knowledge before its first call, as "
    "durable(crew) checks a crew (_memory); refused, not failed after its task's LLM call"
)


@FLOW_POINTS.point(Crew, "kickoff", side="workflow", why=_WHY)
def crew_kickoff(original: Callable[..., Any], self: Crew, *args: Any, **kwargs: Any) -> Any:
    check_crew(self)
    return original(self, *args, **kwargs)


@FLOW_POINTS.point(Crew, "akickoff", side="workflow", why=_WHY)
async def crew_akickoff(original: Callable[..., Any], self: Crew, *args: Any, **kwargs: Any) -> Any:
    check_crew(self)
    return await original(self, *args, **kwargs)

"""Where a crew's LLMs and tools are, under keys that name their place in the crew.

Keys are object paths — ``agents[0].llm``, ``agents[1].tools[get_weather]``, ``manager_llm``,
``tasks[2].tools[search]`` — so a worker that builds the same crew finds the same live object
under the same key, and a run recorded by one worker is finished by another. They are persisted
in activity ids: reordering agents or renaming a tool changes them (see docs/crewai.md).

:func:`refuse_unsupported` is the wrap-time check: what CrewAI would do inside the workflow that
cannot be made durable (file I/O of memory and knowledge, timer threads of ``max_rpm``, threads
of ``max_execution_time``) is refused before any run, with what to do instead.
"""

from __future__ import annotations

from typing import Any

from crewai import Agent, Crew
from crewai.agents.agent_builder.base_agent import BaseAgent
from crewai.llms.base_llm import BaseLLM
from crewai.tools.base_tool import BaseTool
from crewai.utilities.llm_utils import create_llm
from crewai.utilities.string_utils import sanitize_tool_name

from durable_adapters.adapter import UnsupportedError

from ._memory import refuse_memory_and_knowledge


def _field(obj: Any, name: str) -> Any:
    # Read the stored value: CrewAI's deprecated fields (function_calling_llm, reasoning) warn on
    # attribute access, and wrapping a crew must not look like the user used them.
    return vars(obj).get(name)


def _tool_name(tool: BaseTool) -> str:
    return sanitize_tool_name(tool.name)


def _agent_parts(prefix: str, agent: BaseAgent, models: dict[str, Any], tools: dict[str, Any]) -> None:
    for attr in ("llm", "function_calling_llm"):
        llm = _field(agent, attr)
        if isinstance(llm, BaseLLM):
            models[f"{prefix}{attr}"] = llm
    for tool in agent.tools or []:
        if isinstance(tool, BaseTool):
            tools[f"{prefix}tools[{_tool_name(tool)}]"] = tool


def collect(obj: Crew | Agent) -> tuple[dict[str, Any], dict[str, Any]]:
    """The LLMs and tools of ``obj`` by key (a crew, or a standalone agent)."""
    models: dict[str, Any] = {}
    tools: dict[str, Any] = {}
    if isinstance(obj, Crew):
        for i, agent in enumerate(obj.agents):
            _agent_parts(f"agents[{i}].", agent, models, tools)
        for j, task in enumerate(obj.tasks):
            for tool in task.tools or []:
                if isinstance(tool, BaseTool):
                    tools.setdefault(f"tasks[{j}].tools[{_tool_name(tool)}]", tool)
        if isinstance(obj.manager_llm, BaseLLM):
            models["manager_llm"] = obj.manager_llm
        elif isinstance(obj.manager_llm, str):
            # The LLM CrewAI would build from the name at kickoff (see normalise).
            models["manager_llm"] = create_llm(obj.manager_llm)
        if obj.manager_agent is not None:
            _agent_parts("manager_agent.", obj.manager_agent, models, tools)
        if isinstance(obj.planning_llm, BaseLLM):
            models["planning_llm"] = obj.planning_llm
    else:
        _agent_parts("", obj, models, tools)
    return models, tools


def agent_places(crew: Crew) -> dict[int, str]:
    """Where each agent of ``crew`` is (``agents[0]``, ``manager_agent``), by ``id()``."""
    places = {id(agent): f"agents[{i}]" for i, agent in enumerate(crew.agents)}
    if crew.manager_agent is not None:
        places.setdefault(id(crew.manager_agent), "manager_agent")
    return places


def normalise(copy: Crew | Agent) -> None:
    """Build, on a run's crew copy, the LLM objects CrewAI would build inside the run.

    ``manager_llm="gpt-4o"`` is turned into an LLM by CrewAI when the manager is created — inside
    the run, where no worker could find it by key. CrewAI does this on the crew itself
    (``self.manager_llm = create_llm(...)``); doing it first on the copy is the same.
    """
    if isinstance(copy, Crew) and isinstance(copy.manager_llm, str):
        copy.manager_llm = create_llm(copy.manager_llm)


def _refuse(what: str, why: str) -> UnsupportedError:
    return UnsupportedError(f"{what} is not supported in a durable CrewAI run: {why}")


def _check_agent(label: str, agent: BaseAgent) -> None:
    if getattr(agent, "max_rpm", None):
        raise _refuse(
            f"{label}.max_rpm",
            "CrewAI enforces it with a timer thread, which cannot run "
            "inside a workflow; remove it and cap throughput with worker concurrency or "
            "model_policy retries (HTTP 429 is retried with the provider's retry-after)",
        )
    if getattr(agent, "max_execution_time", None):
        raise _refuse(
            f"{label}.max_execution_time",
            "CrewAI runs the agent in a thread to time it; set model_policy/tool_policy start_to_close_seconds instead",
        )
    if _field(agent, "reasoning") or _field(agent, "planning"):
        raise _refuse(f"{label}.reasoning/planning", "not tested durably yet")
    llm = getattr(agent, "llm", None)
    if llm is not None and not isinstance(llm, BaseLLM):
        raise _refuse(f"{label}.llm of type {type(llm).__name__}", "pass a crewai LLM/BaseLLM object")
    for tool in agent.tools or []:
        if not isinstance(tool, BaseTool):
            raise _refuse(f"{label} tool {tool!r}", "pass CrewAI tools (@tool or BaseTool subclasses)")
        if tool.max_usage_count is not None:
            raise _refuse(
                f"{label} tool {tool.name!r} with max_usage_count",
                "the count lives on the tool object shared by every run and would be counted again on every replay",
            )


def _llm_guardrail(task: Any) -> bool:
    from crewai.tasks.llm_guardrail import LLMGuardrail

    guardrails = task.guardrails if isinstance(task.guardrails, (list, tuple)) else [task.guardrails]
    return any(isinstance(g, (str, LLMGuardrail)) for g in [task.guardrail, *guardrails] if g is not None)


def refuse_unsupported(obj: Crew | Agent) -> None:
    """Raise :class:`UnsupportedError` for what cannot run durably; say what to do instead."""
    if isinstance(obj, Crew):
        agents = {f"agents[{i}]": agent for i, agent in enumerate(obj.agents)}
        if obj.manager_agent is not None:
            agents["manager_agent"] = obj.manager_agent
        refuse_memory_and_knowledge(obj, agents)
        if obj.max_rpm:
            raise _refuse(
                "Crew(max_rpm=...)",
                "CrewAI enforces it with a timer thread, which cannot "
                "run inside a workflow; cap throughput with worker concurrency instead",
            )
        if obj.planning:
            raise _refuse("Crew(planning=True)", "not tested durably yet; remove it")
        if obj.manager_llm is not None and not isinstance(obj.manager_llm, (BaseLLM, str)):
            raise _refuse(f"manager_llm={obj.manager_llm!r}", "pass an LLM object, e.g. manager_llm=LLM(model=...)")
        for i, agent in enumerate(obj.agents):
            _check_agent(f"agents[{i}]", agent)
        if obj.manager_agent is not None:
            _check_agent("manager_agent", obj.manager_agent)
        for j, task in enumerate(obj.tasks):
            for tool in task.tools or []:
                if isinstance(tool, BaseTool) and tool.max_usage_count is not None:
                    raise _refuse(f"tasks[{j}] tool {tool.name!r} with max_usage_count", "see the agent tools")
            if _llm_guardrail(task):
                raise _refuse(
                    f"tasks[{j}] LLM guardrail (guardrail given as text)",
                    "CrewAI validates the "
                    "output with an agent it runs on an event loop of its own in a thread, where "
                    "no model call can be made durably; check the output in a guardrail function",
                )
    else:
        refuse_memory_and_knowledge(None, {"agent": obj})
        _check_agent("agent", obj)

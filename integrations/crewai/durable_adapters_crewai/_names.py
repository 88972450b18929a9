"""What defines a crew or an agent (``definition``), and the default name of an unnamed crew.

A crew is hosted under a name, and the name is the Temporal task queue its workers serve, so it
must come out the same in every process that builds the crew: the client that starts a run and
every worker that runs it. Most crews are never given a ``name`` (CrewAI calls each of them
``"crew"``), so an unnamed crew is named from what defines it:

* a readable prefix, the first agent's role slugified (``researcher``), and
* the first 12 hex digits of :func:`definition`, a sha256 of the crew's definition as canonical
  JSON: each agent's role, goal, backstory, tools (by name and description) and LLM (class, model
  and sampling settings); each task's description, expected output, agent (by role), context (by
  position), tools and output class; the process and the manager / planning LLMs.

No object ids, addresses or random values go in, so the same crew built again — in another
process, on another worker, or per call as ``MyCrew().crew()`` does — has the same definition and
the same name. Endpoints and keys (``base_url``, ``api_key``) are deployment, not definition: they
are left out. Two crews whose definitions differ get different names (unless sha256 collides on
its first 48 bits), so two unnamed crews never share a task queue.

Templates are read as written (``"Find facts about {city}"``): the adapter runs a copy of the
crew, so the hosted crew is never interpolated by a durable run.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from crewai import Agent, Crew
from crewai.agents.agent_builder.base_agent import BaseAgent
from crewai.llms.base_llm import BaseLLM
from crewai.tools.base_tool import BaseTool

from ._keys import _field, _tool_name

CREWAI_DEFAULT_CREW_NAME = "crew"
"""``Crew.name``'s default in CrewAI: every crew not given a name is called this (_internals)."""

_LLM_SETTINGS = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "seed",
    "stop",
    "reasoning_effort",
    "response_format",
)
_DIGITS = 12


def _plain(value: Any) -> Any:
    """``value`` as JSON: classes by import path, anything else unknown by its type's path."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, type):
        return f"{value.__module__}:{value.__qualname__}"
    return f"{type(value).__module__}:{type(value).__qualname__}"


def _llm(llm: Any) -> Any:
    if llm is None or isinstance(llm, str):
        return llm
    if not isinstance(llm, BaseLLM):
        return _plain(llm)
    settings = {name: _plain(getattr(llm, name, None)) for name in _LLM_SETTINGS}
    return {
        "class": _plain(type(llm)),
        "model": llm.model,
        "settings": {k: v for k, v in settings.items() if v is not None},
    }


def _tools(tools: Any) -> list[Any]:
    return [
        {"name": _tool_name(t), "description": t.description} if isinstance(t, BaseTool) else _plain(t)
        for t in tools or []
    ]


def _agent(agent: BaseAgent) -> dict[str, Any]:
    return {
        "class": _plain(type(agent)),
        "role": agent.role,
        "goal": agent.goal,
        "backstory": agent.backstory,
        "llm": _llm(_field(agent, "llm")),
        "function_calling_llm": _llm(_field(agent, "function_calling_llm")),
        "tools": _tools(agent.tools),
        "allow_delegation": agent.allow_delegation,
        "max_iter": agent.max_iter,
    }


def _crew(crew: Crew) -> dict[str, Any]:
    position = {id(task): j for j, task in enumerate(crew.tasks)}
    tasks = [
        {
            "name": task.name,
            "description": task.description,
            "expected_output": task.expected_output,
            "agent": task.agent.role if task.agent is not None else None,
            "context": [position.get(id(c)) for c in task.context] if isinstance(task.context, list) else None,
            "tools": _tools(task.tools),
            "output_pydantic": _plain(task.output_pydantic),
            "output_json": _plain(task.output_json),
            "human_input": task.human_input,
        }
        for task in crew.tasks
    ]
    return {
        "agents": [_agent(a) for a in crew.agents],
        "tasks": tasks,
        "process": str(crew.process.value if hasattr(crew.process, "value") else crew.process),
        "manager_llm": _llm(crew.manager_llm),
        "manager_agent": _agent(crew.manager_agent) if crew.manager_agent is not None else None,
        "planning_llm": _llm(crew.planning_llm),
    }


def definition(obj: Crew | Agent) -> str:
    """A sha256 (hex) of what defines ``obj``, stable across processes (see the module docstring)."""
    described = {"crew": _crew(obj)} if isinstance(obj, Crew) else {"agent": _agent(obj)}
    text = json.dumps(described, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")


def unnamed(crew: Crew) -> bool:
    return not crew.name or crew.name == CREWAI_DEFAULT_CREW_NAME


def default_name(obj: Crew | Agent) -> str | None:
    """A crew's own name; an unnamed crew's derived one; a standalone agent's role."""
    if not isinstance(obj, Crew):
        return obj.role or None
    if not unnamed(obj):
        assert obj.name is not None
        return obj.name
    prefix = _slug(obj.agents[0].role) if obj.agents else ""
    return f"{prefix or 'crew'}-{definition(obj)[:_DIGITS]}"

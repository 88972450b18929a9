"""The agents a durable agent can reach, and their durable stand-ins for one run.

At hosting time, :func:`collect_agents` walks everything reachable from the root agent —
handoffs (agents and ``handoff()`` objects) and agents used as tools — so a worker knows each
agent, its model and its function tools by name. Agent names are the stable keys: two different
agents under one name would be ambiguous and are refused.

Inside the workflow, :class:`DurableAgents` gives each reached agent a stand-in for the run: a
clone whose model is an :class:`ActivityModel` and whose function tools run as activities.
Handoffs are mapped lazily (the handoff returns the target's stand-in) and nested runs of agent
tools go through the SDK's default runner, which the adapter points here while a run is active.
The user's agent objects are never modified.
"""

from __future__ import annotations

import dataclasses
import weakref
from typing import Any

from agents import Agent, Handoff
from agents.tool import FunctionTool

from durable_adapters.adapter import ConfigurationError, DurableCalls, UnsupportedError

from ._model import ActivityModel
from ._toolset import durable_tool, is_agent_tool

# Tools the SDK runs on the local machine (shell, computer, patch editor...). They are not
# function tools, so they would run inside the workflow; refuse them at hosting time.
_LOCAL_TOOL_TYPES = ("ComputerTool", "LocalShellTool", "ShellTool", "ApplyPatchTool", "CustomTool")


def _handoff_target(entry: Agent[Any] | Handoff[Any, Any]) -> Agent[Any] | None:
    if isinstance(entry, Agent):
        return entry
    ref = getattr(entry, "_agent_ref", None)
    target = ref() if ref is not None else None
    return target if isinstance(target, Agent) else None


@dataclasses.dataclass(frozen=True)
class HostedAgents:
    """What ``host()`` keeps of a durable agent (``Hosted.state``): its agent graph, by name."""

    by_name: dict[str, Agent[Any]]
    """Every agent reachable from the root (see :func:`collect_agents`)."""


def collect_agents(root: Agent[Any]) -> dict[str, Agent[Any]]:
    """Every agent reachable from ``root``, by name; refuses what cannot run durably."""
    found: dict[str, Agent[Any]] = {}
    pending = [root]
    while pending:
        agent = pending.pop()
        seen = found.get(agent.name)
        if seen is agent:
            continue
        if seen is not None:
            raise ConfigurationError(
                f"two different agents are named {agent.name!r}; agent names are the keys a worker "
                "finds models and tools by, so they must be unique within a durable agent"
            )
        if agent.mcp_servers:
            raise UnsupportedError(
                f"agent {agent.name!r} uses MCP servers, which are not supported in a durable run yet"
            )
        for tool in agent.tools:
            if type(tool).__name__ in _LOCAL_TOOL_TYPES:
                raise UnsupportedError(
                    f"agent {agent.name!r} uses a {type(tool).__name__}, which runs on the local machine "
                    "and is not supported in a durable run; wrap the action in a @function_tool instead"
                )
            # An agent tool keeps its agent only in a private attribute (see _internals), which
            # the SDK's tool union does not declare; read it untyped and check what it holds.
            inner = getattr(tool, "_agent_instance", None) if is_agent_tool(tool) else None
            if isinstance(inner, Agent):
                pending.append(inner)
        for entry in agent.handoffs:
            target = _handoff_target(entry)
            if target is not None:
                pending.append(target)
        found[agent.name] = agent
    return found


class DurableAgents:
    """The durable stand-ins of one run's agents (workflow side), made on first use."""

    def __init__(self, agents: dict[str, Agent[Any]], calls: DurableCalls) -> None:
        self._agents = agents
        self.calls = calls
        self._stand_ins: dict[int, Agent[Any]] = {}
        self.streamed_root_pending = False
        """Set by the adapter just before it starts a streamed run's own loop; the runner takes it
        (once), so any other ``Runner.run_streamed`` inside the run is refused."""

    def stand_in(self, agent: Agent[Any]) -> Agent[Any]:
        """The stand-in of ``agent``; a stand-in maps to itself."""
        existing = self._stand_ins.get(id(agent))
        if existing is not None:
            return existing
        if any(stand_in is agent for stand_in in self._stand_ins.values()):
            return agent
        known = self._agents.get(agent.name)
        if known is not agent:
            raise UnsupportedError(
                f"agent {agent.name!r} was created during the run or is not reachable from the durable "
                "agent through its handoffs or agent tools; a worker can only call agents it knows by "
                "name. Add it to the agent graph (handoffs=[...] or tools=[agent.as_tool(...)])"
            )
        tools = [
            durable_tool(agent.name, tool, self.calls)
            if isinstance(tool, FunctionTool) and not is_agent_tool(tool)
            else tool
            for tool in agent.tools
        ]
        stand_in = agent.clone(model=ActivityModel(agent.name, self.calls), tools=tools)
        # Agent.__post_init__ (run by clone) swaps the default model's settings (gpt-5: reasoning
        # effort, verbosity) for ModelSettings() once the model is an object; the SDK's loop then
        # resolves the stand-in's settings as a model object's. The agent's own settings, set
        # after the clone, keep the request the SDK builds for its default model or model name.
        stand_in.model_settings = agent.model_settings
        # Registered before its handoffs are mapped, so handoff cycles (A -> B -> A) terminate.
        self._stand_ins[id(agent)] = stand_in
        stand_in.handoffs = [self._handoff(entry) for entry in agent.handoffs]
        return stand_in

    def _handoff(self, entry: Agent[Any] | Handoff[Any, Any]) -> Agent[Any] | Handoff[Any, Any]:
        if isinstance(entry, Agent):
            return self.stand_in(entry)
        original_invoke = entry.on_invoke_handoff

        async def invoke(context: Any, arguments: str) -> Agent[Any]:
            return self.stand_in(await original_invoke(context, arguments))

        mapped = dataclasses.replace(entry, on_invoke_handoff=invoke)
        target = _handoff_target(entry)
        if target is not None:
            mapped._agent_ref = weakref.ref(self.stand_in(target))
        return mapped

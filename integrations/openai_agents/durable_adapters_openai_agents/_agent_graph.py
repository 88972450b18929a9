"""The agents a durable agent can reach, and their durable stand-ins for one run.

At hosting time, :func:`collect_agents` walks everything reachable from the root agent —
handoffs (agents and ``handoff()`` objects) and agents used as tools — so a worker knows each
agent, its model and its function tools by name. Agent names are the stable keys: two different
agents under one name would be ambiguous and are refused.

Inside the workflow, :class:`DurableAgents` gives each reached agent a stand-in for the run: a
clone whose model is an :class:`ActivityModel` and whose function tools run as activities.
Handoffs are mapped lazily (the handoff returns the target's stand-in) and nested runs of agent
tools go through the SDK's default runner, which the adapter points here while a run is active.
A function tool whose code names an agent runs its body in the workflow instead (``_tool_runs``),
so its own ``Runner.run`` reaches the stand-ins too.
The user's agent objects are never modified.
"""

from __future__ import annotations

import dataclasses
import types
import weakref
from typing import Any

from agents import Agent, Handoff, Runner
from agents.tool import FunctionTool

from durable_adapters.adapter import ConfigurationError, DurableCalls, UnsupportedError

from ._inline import BuiltAgentNotInline, built_in_a_tool, inline_key, inline_model_problem
from ._mcp import check_server, durable_servers
from ._model import ActivityModel
from ._tool_runs import names_streamed_run, tool_function, workflow_tool
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
        for server in agent.mcp_servers:
            check_server(agent.name, server)
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
            if isinstance(tool, FunctionTool) and names_streamed_run(tool_function(tool)) and runs_agents(tool):
                raise UnsupportedError(
                    f"tool {tool.name!r} of agent {agent.name!r} runs another agent with Runner.run_streamed, "
                    "which is not supported in a durable run: in the workflow the nested run's model calls are "
                    "activities, and its events would not be the plain run's (no text deltas). Use "
                    "Runner.run in the tool (its model and tool calls are then activities one by one)"
                )
        for entry in agent.handoffs:
            target = _handoff_target(entry)
            if target is not None:
                pending.append(target)
        pending.extend(agents_run_by_code(agent))
        found[agent.name] = agent
    return found


# How deep code is followed from a guardrail, instructions function, hook or tool to the agents it runs
# (the function itself, a helper it calls, the helper's helper).
_CODE_DEPTH = 3


def agents_run_by_code(agent: Agent[Any]) -> list[Agent[Any]]:
    """The agents that code running in the workflow for ``agent`` can reach by name.

    A guardrail that asks a guardrail agent (the SDK's standard pattern), an instructions
    function or a hook that runs another agent call ``Runner.run(other, ...)`` from code the SDK
    runs in the workflow, and so does a function tool that names an agent (``_tool_runs``); the
    worker must know ``other`` to make its calls activities. Such an
    agent is found where the code names it: a module-level variable the function (or a helper it
    calls) reads, or a value its closure captured. An agent built inside the function on each call
    cannot be found and fails the run when reached (see :meth:`DurableAgents.stand_in`).
    """
    code: list[Any] = [agent.instructions, agent.tool_use_behavior]
    code += [guardrail.guardrail_function for guardrail in agent.input_guardrails + agent.output_guardrails]
    if agent.hooks is not None:
        # The hook methods a user's AgentHooks subclass overrides (the base class's do nothing).
        code += [value for name, value in vars(type(agent.hooks)).items() if callable(value)]
    for entry in agent.handoffs:
        if isinstance(entry, Handoff):
            code += [entry.on_invoke_handoff, entry.input_filter, entry.is_enabled]
    for tool in agent.tools:
        if isinstance(tool, FunctionTool):
            code.append(tool.is_enabled)
            if not is_agent_tool(tool):
                code.append(tool_function(tool))  # a tool that runs an agent (see _tool_runs)
            for guardrail in (tool.tool_input_guardrails or []) + (tool.tool_output_guardrails or []):  # type: ignore[operator]
                code.append(guardrail.guardrail_function)
    found: list[Agent[Any]] = []
    seen: set[int] = set()
    for value in code:
        _agents_named_by(value, found, seen, _CODE_DEPTH)
    return found


def runs_agents(tool: FunctionTool) -> bool:
    """Whether a function tool's code names an agent or builds one and runs it (and so runs in
    the workflow, see ``_tool_runs``)."""
    if is_agent_tool(tool):
        return False
    found: list[Agent[Any]] = []
    function = tool_function(tool)
    _agents_named_by(function, found, set(), _CODE_DEPTH)
    return bool(found) or builds_and_runs_agents(function)


def builds_and_runs_agents(function: Any) -> bool:
    """Whether ``function``'s code reads both the SDK's ``Agent`` and ``Runner`` as globals: the
    SDK docs' way to write a tool that builds its sub-agent on each call and runs it."""
    func = getattr(function, "__func__", function)
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    names = getattr(func, "__globals__", {})
    read = [names.get(name) for name in _global_names(code)]
    return any(value is Agent for value in read) and any(value is Runner for value in read)


def _agents_named_by(value: Any, found: list[Agent[Any]], seen: set[int], depth: int) -> None:
    if isinstance(value, Agent):
        if all(agent is not value for agent in found):
            found.append(value)
        return
    if depth == 0 or id(value) in seen or not callable(value) or isinstance(value, type):
        return
    seen.add(id(value))
    func = getattr(value, "__func__", value)  # a bound method: its function
    wrapped = getattr(func, "__wrapped__", None)
    if wrapped is not None:
        _agents_named_by(wrapped, found, seen, depth)
    code = getattr(func, "__code__", None)
    if code is None:
        return
    for cell in getattr(func, "__closure__", None) or ():
        try:
            _agents_named_by(cell.cell_contents, found, seen, depth - 1)
        except ValueError:  # an empty cell
            continue
    names = getattr(func, "__globals__", {})
    for name in _global_names(code):
        if name in names:
            _agents_named_by(names[name], found, seen, depth - 1)


def _global_names(code: types.CodeType) -> list[str]:
    """The names ``code`` (and the code nested in it: comprehensions, inner functions) may read as globals."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names += _global_names(const)
    return names


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
        if self._agents.get(agent.name) is not agent:
            # Built during the run: called by name when a worker can rebuild it (see _inline).
            problem = inline_model_problem(agent)
            if problem is None:
                return self._inline_stand_in(agent)
            if built_in_a_tool():
                raise BuiltAgentNotInline(agent, problem)
            raise UnsupportedError(
                f"agent {agent.name!r} was created during the run or is not reachable from the durable "
                "agent; a worker can only call agents it knows by name. An agent is reachable through "
                "handoffs, agent tools (agent.as_tool(...)), and from a guardrail, instructions function, "
                "hook or function tool that names it as a module-level variable (or captures it): build it "
                "once there, not inside the function on each call"
            )
        tools = [self._tool(agent.name, tool) for tool in agent.tools]
        stand_in = agent.clone(
            model=ActivityModel(agent.name, self.calls, agent),
            tools=tools,
            mcp_servers=durable_servers(agent.mcp_servers, self.calls),
        )
        # Agent.__post_init__ (run by clone) swaps the default model's settings (gpt-5: reasoning
        # effort, verbosity) for ModelSettings() once the model is an object; the SDK's loop then
        # resolves the stand-in's settings as a model object's. The agent's own settings, set
        # after the clone, keep the request the SDK builds for its default model or model name.
        stand_in.model_settings = agent.model_settings
        # Registered before its handoffs are mapped, so handoff cycles (A -> B -> A) terminate.
        self._stand_ins[id(agent)] = stand_in
        stand_in.handoffs = [self._handoff(entry) for entry in agent.handoffs]
        return stand_in

    def _inline_stand_in(self, agent: Agent[Any]) -> Agent[Any]:
        """The stand-in of an agent built during the run (in a tool, say) that the worker can
        rebuild from the request alone: its model calls carry its model name (see ``_inline``)."""
        stand_in = agent.clone(model=ActivityModel(inline_key(agent), self.calls, agent, inline=True))
        stand_in.model_settings = agent.model_settings  # as in stand_in(): the plain run's settings
        self._stand_ins[id(agent)] = stand_in
        return stand_in

    def _tool(self, agent_name: str, tool: Any) -> Any:
        if not isinstance(tool, FunctionTool) or is_agent_tool(tool):
            return tool  # an agent tool runs its nested agent in the workflow; a hosted tool goes with the model call
        if runs_agents(tool):
            return workflow_tool(agent_name, tool, self.calls)  # its Runner.run goes through the stand-ins
        return durable_tool(agent_name, tool, self.calls)

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

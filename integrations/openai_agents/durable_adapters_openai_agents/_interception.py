"""Where this adapter's model and tool calls leave the workflow: the SDK's own extension points.

How a model call leaves the workflow, by name: ``OpenAIAgentsAdapter.run`` calls ``Runner.run``
on ``DurableAgents.stand_in(agent)`` (``_agent_graph``): a clone of the user's agent whose model
is an :class:`~durable_adapters_openai_agents._model.ActivityModel`. The SDK's loop calls that
model's ``get_response``, which hands the request to ``DurableCalls.model``: a ``model_call``
activity, where ``_model.call_model`` calls the agent's real model. A tool call goes the same
way: each function tool of a stand-in is a copy made by ``_toolset.durable_tool`` whose
``on_invoke_tool`` hands the call to ``DurableCalls.tool`` (a ``tool_call`` activity, where
``_toolset.call_tool`` runs the user's tool). A function tool whose code names an agent (it runs
a sub-agent with ``Runner.run``) is the one exception: its copy (``_tool_runs.workflow_tool``)
runs the tool's body in the workflow, so the nested run's model and tool calls leave it through
these same points, one activity each.

Why no patches: the OpenAI Agents SDK has an extension point for each call the adapter must
carry. A model is any object implementing the ``Model`` interface, a tool is a dataclass whose
``on_invoke_tool`` is a plain field, a handoff's target comes from ``on_invoke_handoff``, and
``Runner.run`` delegates to a default runner the SDK lets one set (``set_default_agent_runner``)
— which is how an agent tool's nested run (``agent.as_tool()``) reaches the stand-ins too. The
stand-ins are per run and the user's agents are never modified. So :data:`PATCHES`, the table
of class- or module-level points replaced process-wide, is empty; :data:`EXTENSION_POINTS` lists
the points that carry the calls instead. ``docs/architecture.md`` shows them, and
``tests/openai_agents/test_framework_internals.py`` checks, on each supported SDK release, that
they exist and that the docs list them (the SDK internals the adapter reads are in
``_internals``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from durable_adapters.adapter import Interceptions

from ._runner import CURRENT_RUN


def _in_durable_run() -> bool:
    return CURRENT_RUN.get() is not None


PATCHES = Interceptions("openai-agents", active=_in_durable_run)
"""Class- or module-level points replaced process-wide: none (see the module's docstring)."""


@dataclass(frozen=True)
class ExtensionPoint:
    """One SDK extension point through which the adapter carries calls out of the workflow."""

    point: str
    """``module:Qualname.attribute``, the format of ``InterceptedPoint.dotted``."""
    side: Literal["workflow", "activity", "worker"]
    """As ``InterceptedPoint.side``: where the point carries the call."""
    why: str


EXTENSION_POINTS: tuple[ExtensionPoint, ...] = (
    ExtensionPoint(
        "agents.run:set_default_agent_runner",
        "workflow",
        "Runner.run and an agent tool's nested run delegate to the SDK's default runner; "
        "_runner.DurableAgentRunner (set once per process by host()) runs the stand-in of the starting "
        "agent while a durable run is active, and hands every other run to the SDK's own runner unchanged",
    ),
    ExtensionPoint(
        "agents.models.interface:Model.get_response",
        "workflow",
        "each stand-in agent's model is an _model.ActivityModel (Agent.clone(model=...)); its get_response "
        "writes the request down and makes it a model_call activity (DurableCalls.model), where "
        "_model.call_model calls the agent's real model",
    ),
    ExtensionPoint(
        "agents.models.interface:Model.stream_response",
        "workflow",
        "a streamed run's loop calls it instead of get_response; ActivityModel.stream_response makes the same "
        "model_call activity with stream=True (the activity calls the real model's stream_response and "
        "publishes each raw event) and yields one response.completed event rebuilt from the recorded response",
    ),
    ExtensionPoint(
        "agents.tool:FunctionTool.on_invoke_tool",
        "workflow",
        "each function tool of a stand-in is a copy (_toolset.durable_tool) whose on_invoke_tool makes the "
        "call a tool_call activity (DurableCalls.tool), where _toolset.call_tool runs the user's tool",
    ),
    ExtensionPoint(
        "agents.handoffs:Handoff.on_invoke_handoff",
        "workflow",
        "a handoff of a stand-in is a copy whose on_invoke_handoff returns the target's stand-in, so the "
        "target's model and tool calls are activities too; no call leaves the workflow here",
    ),
)
"""The SDK's extension points that carry this adapter's calls, in the order a run meets them."""

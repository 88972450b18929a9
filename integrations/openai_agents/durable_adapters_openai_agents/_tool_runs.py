"""Function tools that run another agent: their body runs in the workflow, not as one activity.

The SDK documents "agents as tools with custom logic": a ``@function_tool`` whose body calls
``Runner.run(sub_agent, ...)`` (or ``Runner.run_sync`` in a sync tool) and returns or
post-processes the result. Run as one activity, the nested run would be a plain run inside it: a
retry would repeat all of it and none of its calls would be in history. A function tool whose code
names an agent (found as for guardrails, see ``_agent_graph.agents_run_by_code``) therefore runs
its body in the workflow, as an agent tool (``agent.as_tool()``) does: its ``Runner.run`` reaches
the durable runner, and each nested model and tool call is an activity of its own.

A tool that builds its sub-agent on each call (the SDK docs' own form of the pattern) runs in the
workflow too when the worker can call that agent by name (a model name, no tools: see
``_inline``); otherwise, when its ``Runner.run`` finds such an agent, the tool runs again from the
start as one activity, as it did before (a nested model call already made in the body is then
made again, in the activity).

The rest of such a tool's body runs under the determinism guard. Network I/O or ``time.sleep``
there raises the guard's ``DeterminismError``, which the SDK would turn into text for the model (a
different answer, silently); :func:`workflow_tool` instead fails the run with it, naming the tool
and what to do.
"""

from __future__ import annotations

import copy
import dataclasses
import types
from typing import Any

from agents.tool import FunctionTool
from agents.tool_context import ToolContext

from durable_adapters import DeterminismError
from durable_adapters.adapter import DurableCalls

from ._inline import BuiltAgentNotInline, tool_body
from ._refusal import Refusal
from ._toolset import durable_tool

# The SDK keeps a @function_tool's own function on its body under this name (the SDK's
# _FUNCTION_TOOL_WRAPPED_CALLABLE_MARKER), and the body on the tool's invoker, a
# _FailureHandlingFunctionToolInvoker, as _invoke_tool_impl (openai-agents >=0.20; see _internals).
_WRAPPED_CALLABLE = "__agents_function_tool_wrapped_callable__"


def tool_function(tool: FunctionTool) -> Any:
    """The user's code behind ``tool``: the ``@function_tool`` function, or a hand-built tool's ``on_invoke_tool``."""
    invoker: Any = tool.on_invoke_tool
    impl = getattr(invoker, "_invoke_tool_impl", None)
    if impl is None:
        return invoker
    return getattr(impl, _WRAPPED_CALLABLE, impl)


def names_streamed_run(function: Any) -> bool:
    """Whether ``function``'s code (inner functions included) names ``run_streamed``."""
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    return code is not None and _names(code, "run_streamed")


def _names(code: types.CodeType, name: str) -> bool:
    return name in code.co_names or any(
        _names(const, name) for const in code.co_consts if isinstance(const, types.CodeType)
    )


def workflow_tool(agent_name: str, tool: FunctionTool, calls: DurableCalls) -> FunctionTool:
    """A copy of ``tool`` that runs its body in the workflow (workflow side).

    Everything else is the SDK's own handling: argument parsing, ``failure_error_function``, a
    sync tool run in a thread (in the workflow, the sync bridge), guardrails, timeout. Only a
    ``DeterminismError`` from the body is taken out of the SDK's hands: the run fails with it.
    """

    def refused(exc: DeterminismError) -> Refusal:
        error = DeterminismError(
            f"tool {tool.name!r} of agent {agent_name!r} runs another agent, so its body runs in the "
            "durable workflow (each nested model and tool call is an activity), and the rest of its code "
            f"must be deterministic. It did what cannot be replayed ({exc}). Move that code into a "
            "@function_tool of its own (the agent or the sub-agent can call it), or run the sub-agent "
            "with agent.as_tool()"
        )
        # The run fails with it (in place of the guard's own refusal, which names only the call)
        # even if code around the tool swallows the exception.
        calls.refuse(error, explaining=exc)
        return Refusal(error)  # type: ignore[arg-type]  # carried past the SDK's handlers, raised as is

    invoker: Any = tool.on_invoke_tool
    impl = getattr(invoker, "_invoke_tool_impl", None)
    inner = impl if impl is not None else invoker

    # An agent the body builds that the worker cannot call by name (see _inline): the whole tool
    # then runs as one activity, its nested run a plain run inside it.
    as_activity = durable_tool(agent_name, tool, calls).on_invoke_tool

    async def invoke_in_workflow(ctx: ToolContext[Any], arguments: str) -> Any:
        try:
            with tool_body():
                return await inner(ctx, arguments)
        except DeterminismError as exc:
            raise refused(exc) from None
        except BuiltAgentNotInline:
            return await as_activity(ctx, arguments)

    if impl is None:
        # A tool built by hand (FunctionTool(on_invoke_tool=...)): its callable is the body.
        return dataclasses.replace(tool, on_invoke_tool=invoke_in_workflow)
    # A @function_tool: keep the SDK's invoker (its failure handling, bound to the copy) around
    # the guarded body, with the attributes the SDK reads off the body (approval's argument
    # preparation, the wrapped function).
    invoke_in_workflow.__dict__.update(vars(impl))
    copied = copy.copy(tool)
    guarded = copy.copy(copied.on_invoke_tool)
    guarded._invoke_tool_impl = invoke_in_workflow  # type: ignore[attr-defined]
    copied.on_invoke_tool = guarded
    return copied

"""Every point of the OpenAI Agents SDK the adapter relies on beyond ordinary use, in one place.

The adapter runs the SDK's own loop and intercepts it at a few points: it replaces the SDK's
default runner, subclasses ``Model`` and ``AgentRunner``, wraps each function tool's and
handoff's invoke callable, reads private attributes (``_agent_ref``, ``_is_agent_tool``, ...),
calls a private helper, and rebuilds SDK objects from JSON with their constructors. A new SDK
release may rename or reshape any of them without notice. :data:`INTERNALS` lists them with
what the adapter does, why, and on which side of a durable run; the test
``tests/openai_agents/test_framework_internals.py`` resolves each entry against the installed SDK
and names every one that is missing or whose parameters changed. Run it first when trying a new
release.

Uses:

* ``patched``: the adapter replaces the SDK's object or setting process-wide;
* ``wrapped``: the adapter copies an SDK object with this callable replaced by its own, which calls
  an activity or maps the result, then defers to the original;
* ``subclassed``: the adapter subclasses it and overrides the named method; the parameters are the
  ones the SDK passes and the override depends on;
* ``called``: the adapter calls it (a constructor: builds the object) with the named parameters;
* ``read`` / ``written``: the adapter reads / sets the attribute.

Sides: ``workflow`` (inside the workflow, under the determinism guard), ``activity`` (in a model
or tool activity on the worker), ``client`` (rebuilding the result in the calling process),
``hosting`` (when ``durable()`` or a worker hosts the agent, in both processes).

When an entry has to change for a new release, keep the version branch next to its use, small
and commented, and the entry here describing both shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Use = Literal["patched", "wrapped", "subclassed", "called", "read", "written"]
Side = Literal["workflow", "activity", "client", "hosting"]


@dataclass(frozen=True)
class Internal:
    """One SDK point the adapter relies on (see the module docstring for ``use`` and ``side``)."""

    module: str
    path: str
    """Qualified attribute path inside ``module`` (``Class.attribute``); a dataclass field counts."""
    use: Use
    side: Side
    why: str
    params: tuple[str, ...] = ()
    """Parameter names of the callable (or constructor) the adapter depends on."""
    used_in: str = ""
    """The adapter module that uses it."""

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.path}"


INTERNALS: tuple[Internal, ...] = (
    # -- the default runner: how Runner.run and agent tools reach the stand-ins ---------------
    Internal(
        "agents.run",
        "DEFAULT_AGENT_RUNNER",
        "patched",
        "workflow",
        "Replaced (through set_default_agent_runner, once per process) by DurableAgentRunner: "
        "Runner.run and agent tools' nested runs (Agent.as_tool) read this module global at each "
        "call, so a run inside a durable run uses the run's stand-ins, and every other run passes "
        "through to the previous runner.",
        used_in="_runner",
    ),
    Internal(
        "agents.run",
        "set_default_agent_runner",
        "called",
        "workflow",
        "How DEFAULT_AGENT_RUNNER is replaced.",
        params=("runner",),
        used_in="_runner",
    ),
    Internal(
        "agents.run",
        "get_default_agent_runner",
        "called",
        "workflow",
        "The runner to fall back to outside a durable run.",
        used_in="_runner",
    ),
    Internal(
        "agents.run",
        "AgentRunner.run",
        "subclassed",
        "workflow",
        "DurableAgentRunner.run maps the starting agent to its stand-in and forces run_config "
        "tracing off inside a durable run.",
        params=("starting_agent", "input"),
        used_in="_runner",
    ),
    Internal(
        "agents.run",
        "AgentRunner.run_sync",
        "subclassed",
        "workflow",
        "Refused inside a durable run (it would start a second event loop in the workflow).",
        params=("starting_agent", "input"),
        used_in="_runner",
    ),
    Internal(
        "agents.run",
        "AgentRunner.run_streamed",
        "subclassed",
        "workflow",
        "A streamed durable run's own loop (started by the adapter) runs the root's stand-in; any other "
        "streamed run inside a durable run (as_tool(on_stream=...), Runner.run_streamed in the agent's "
        "code) is refused: its events would reach only code in the workflow.",
        params=("starting_agent", "input"),
        used_in="_runner",
    ),
    Internal(
        "agents.run",
        "Runner.run_streamed",
        "called",
        "workflow",
        "A streamed durable run (durable(agent).run_streamed) runs the SDK's own streamed loop through it, "
        'so the model requests ("stream": true) and the events are a plain streamed run\'s.',
        params=("starting_agent", "input", "context", "max_turns", "run_config"),
        used_in="_adapter",
    ),
    Internal(
        "agents.result",
        "RunResultStreaming._event_queue",
        "written",
        "workflow",
        "Replaced, before the streamed loop first runs, by _stream_events.EmittingQueue, which puts each "
        "event into the run's stream as the loop queues it: in the loop's order relative to the model "
        "calls, whose start the core marks as the call is made.",
        used_in="_stream_events",
    ),
    Internal(
        "agents.result",
        "RunResultStreaming",
        "called",
        "client",
        "durable(agent).run_streamed returns the SDK's own RunResultStreaming; its stream_events() "
        "yields what the client puts into its queue and raises the follow task's exception.",
        params=(
            "input",
            "new_items",
            "raw_responses",
            "final_output",
            "input_guardrail_results",
            "output_guardrail_results",
            "tool_input_guardrail_results",
            "tool_output_guardrail_results",
            "context_wrapper",
            "current_agent",
            "current_turn",
            "max_turns",
            "_current_agent_output_schema",
            "trace",
            "run_loop_task",
            "is_complete",
        ),
        used_in="_agent",
    ),
    Internal(
        "agents.result",
        "RunResultStreaming._event_queue",
        "read",
        "client",
        "The client puts the run's events into it (and, at the end, QueueCompleteSentinel), as the "
        "SDK's background loop does in a plain streamed run.",
        used_in="_stream_events",
    ),
    Internal(
        "agents.run_internal.run_steps",
        "QueueCompleteSentinel",
        "called",
        "client",
        "Ends stream_events() once the durable run has ended.",
        used_in="_stream_events",
    ),
    Internal(
        "agents.run",
        "Runner.run",
        "called",
        "workflow",
        "The adapter's workflow runs the SDK's own loop through it, with these keyword arguments; "
        "it forwards run_config to the default runner by that name.",
        params=("starting_agent", "input", "context", "max_turns", "run_config"),
        used_in="_adapter",
    ),
    Internal(
        "agents.run",
        "DEFAULT_MAX_TURNS",
        "read",
        "client",
        "The max_turns a durable run uses when none is given, as Runner.run does.",
        used_in="_agent",
    ),
    Internal(
        "agents.run_config",
        "RunConfig.tracing_disabled",
        "written",
        "workflow",
        "Tracing would start the SDK's exporter thread and HTTP client inside the workflow.",
        used_in="_runner",
    ),
    # -- the model: every request an activity ---------------------------------------------------
    Internal(
        "agents.models.interface",
        "Model.get_response",
        "subclassed",
        "workflow",
        "ActivityModel.get_response writes the request down (these parameters, plus any further "
        "keyword the SDK passes) and makes it a model_call activity.",
        params=(
            "system_instructions",
            "input",
            "model_settings",
            "tools",
            "output_schema",
            "handoffs",
            "tracing",
            "previous_response_id",
            "conversation_id",
            "prompt",
        ),
        used_in="_model",
    ),
    Internal(
        "agents.models.interface",
        "Model.get_response",
        "called",
        "activity",
        "The activity calls the agent's real model with the recorded request, by these keyword names.",
        params=(
            "system_instructions",
            "input",
            "model_settings",
            "tools",
            "output_schema",
            "handoffs",
            "tracing",
            "previous_response_id",
            "conversation_id",
            "prompt",
        ),
        used_in="_model",
    ),
    Internal(
        "agents.models.interface",
        "Model.stream_response",
        "subclassed",
        "workflow",
        "ActivityModel.stream_response (the streamed loop's call) makes a model_call activity with "
        "stream=True and yields one ResponseCompletedEvent rebuilt from the recorded response; the "
        "loop takes the turn's output, id, _request_id and usage from it.",
        params=(
            "system_instructions",
            "input",
            "model_settings",
            "tools",
            "output_schema",
            "handoffs",
            "tracing",
            "previous_response_id",
            "conversation_id",
            "prompt",
        ),
        used_in="_model",
    ),
    Internal(
        "agents.models.interface",
        "Model.stream_response",
        "called",
        "activity",
        "A streamed call's activity calls the real model's stream_response with the recorded request "
        "and publishes every raw event live.",
        params=(
            "system_instructions",
            "input",
            "model_settings",
            "tools",
            "output_schema",
            "handoffs",
            "tracing",
            "previous_response_id",
            "conversation_id",
            "prompt",
        ),
        used_in="_model",
    ),
    Internal(
        "agents.usage",
        "_response_usage_to_usage",
        "called",
        "activity",
        "A streamed call's usage is converted as the SDK's streamed loop converts the completed "
        "response's. In the workflow the loop converts the rebuilt ResponseUsage back, reading the "
        "request count and per-request entries from the attributes _agents_sdk_request_count and "
        "_agents_sdk_request_usages, which completed_event sets (test_streaming checks the round trip).",
        params=("response_usage",),
        used_in="_model",
    ),
    Internal(
        "agents.usage",
        "_requests_for_response_without_usage",
        "called",
        "activity",
        "The usage of a streamed response without usage, as the SDK's streamed loop counts it.",
        params=("response",),
        used_in="_model",
    ),
    Internal(
        "agents.models.interface",
        "ModelTracing.DISABLED",
        "read",
        "activity",
        "Tracing would start the SDK's exporter in the worker; the Temporal UI shows the call.",
        used_in="_model",
    ),
    Internal(
        "agents.models.multi_provider",
        "MultiProvider.get_model",
        "called",
        "activity",
        "A model name (or none) is resolved by the SDK's default provider in the worker, as in a plain run.",
        params=("model_name",),
        used_in="_model",
    ),
    Internal(
        "agents.model_settings",
        "ModelSettings.retry",
        "written",
        "workflow",
        "The SDK's runner-side retry policy stays in the workflow; it is cleared from the request "
        "the activity receives (Temporal retries the activity).",
        used_in="_model",
    ),
    Internal(
        "agents.items",
        "ModelResponse",
        "called",
        "workflow",
        "The activity's JSON response is rebuilt into the SDK's ModelResponse for the loop (and "
        "on the client for RunResult.raw_responses).",
        params=("output", "usage", "response_id", "request_id"),
        used_in="_model",
    ),
    Internal(
        "agents.agent_output",
        "AgentOutputSchemaBase",
        "subclassed",
        "activity",
        "_SchemaOnlyOutput gives the real model the output type as a schema; validation stays in "
        "the workflow. The model calls these methods.",
        params=("is_plain_text", "name", "json_schema", "is_strict_json_schema", "validate_json"),
        used_in="_model",
    ),
    Internal(
        "agents.tool",
        "FunctionTool",
        "called",
        "activity",
        "A schema-only FunctionTool stands in for each tool in the model activity (the model sees "
        "its schema; it is never invoked there).",
        params=("name", "description", "params_json_schema", "on_invoke_tool", "strict_json_schema"),
        used_in="_model",
    ),
    Internal(
        "agents.handoffs",
        "Handoff",
        "called",
        "activity",
        "A schema-only Handoff stands in for each handoff in the model activity.",
        params=(
            "tool_name",
            "tool_description",
            "input_json_schema",
            "on_invoke_handoff",
            "agent_name",
            "strict_json_schema",
        ),
        used_in="_model",
    ),
    # -- tools: every function tool call an activity --------------------------------------------
    Internal(
        "agents.tool",
        "FunctionTool.on_invoke_tool",
        "wrapped",
        "workflow",
        "The stand-in's copy of each function tool (dataclasses.replace) invokes a tool_call "
        "activity instead; the SDK calls it with (ToolContext, arguments JSON).",
        used_in="_toolset",
    ),
    Internal(
        "agents.tool",
        "FunctionTool.on_invoke_tool",
        "called",
        "activity",
        "The activity runs the original tool, so the SDK's argument parsing, its "
        "failure_error_function and its thread for sync tools behave as in a plain run.",
        used_in="_toolset",
    ),
    Internal(
        "agents.tool",
        "_FailureHandlingFunctionToolInvoker",
        "wrapped",
        "workflow",
        "A @function_tool's on_invoke_tool: the SDK's failure handling around the tool's body, kept "
        "on the instance as _invoke_tool_impl. A tool that runs another agent runs in the workflow; "
        "its copy keeps this invoker (copied) with _invoke_tool_impl replaced by a guarded body "
        "that fails the run on a DeterminismError instead of letting the SDK turn it into text.",
        params=("invoke_tool_impl", "on_handled_error"),
        used_in="_tool_runs",
    ),
    Internal(
        "agents.tool",
        "_FUNCTION_TOOL_WRAPPED_CALLABLE_MARKER",
        "read",
        "hosting",
        "The attribute of a @function_tool's body that holds the user's function: its code is "
        "searched for the agents it runs (a tool that names an agent runs in the workflow).",
        used_in="_tool_runs",
    ),
    Internal(
        "agents.tool_context",
        "ToolContext",
        "called",
        "activity",
        "The tool's context in the activity, rebuilt from the recorded call.",
        params=("context", "tool_name", "tool_call_id", "tool_arguments"),
        used_in="_toolset",
    ),
    Internal(
        "agents.tool",
        "FunctionTool._is_agent_tool",
        "read",
        "hosting",
        "Agent tools (Agent.as_tool) are not rerouted: their nested run stays in the workflow, where "
        "its own calls become activities.",
        used_in="_toolset",
    ),
    Internal(
        "agents.tool",
        "FunctionTool._agent_instance",
        "read",
        "hosting",
        "The agent behind an agent tool, collected so a worker knows its model and tools by name.",
        used_in="_agent_graph",
    ),
    Internal(
        "agents.tool",
        "FunctionTool._agent_instance",
        "read",
        "hosting",
        "The agent behind an agent tool, named in the definition digest (an agent built per call).",
        used_in="_definition",
    ),
    Internal(
        "agents.tool",
        "FunctionTool._output_type_adapter",
        "read",
        "activity",
        "A tool with an output type returns JSON, as the model would receive it, not its str().",
        used_in="_toolset",
    ),
    Internal(
        "agents.tool",
        "FunctionTool.output_json_schema",
        "read",
        "activity",
        "Likewise for a tool that declares an output schema.",
        used_in="_toolset",
    ),
    Internal(
        "agents.tool",
        "FunctionTool.needs_approval",
        "read",
        "client",
        "Whether a graph has tools that may ask for approval: its runs then watch for a pause "
        "(see _approval), and run_streamed refuses them.",
        used_in="_approval",
    ),
    Internal(
        "agents.items",
        "ItemHelpers._convert_tool_output_as_structured",
        "called",
        "activity",
        "A tool's structured output (text, image, file parts) is sent back in the form the SDK "
        "turns into the same tool-output item as in a plain run.",
        params=("output",),
        used_in="_toolset",
    ),
    # Local tools are recognised by class name: a rename would let one slip into the workflow.
    *(
        Internal(
            "agents.tool",
            name,
            "read",
            "hosting",
            "Refused when the agent is wrapped: it runs on the local machine and is not a function "
            "tool, so it would run inside the workflow. Matched by class name.",
            used_in="_agent_graph",
        )
        for name in ("ComputerTool", "LocalShellTool", "ShellTool", "ApplyPatchTool", "CustomTool")
    ),
    # -- agents and handoffs: the stand-in graph -------------------------------------------------
    Internal(
        "agents.agent",
        "Agent.clone",
        "called",
        "workflow",
        "Each agent's stand-in is a clone with the activity model and the rerouted tools; the "
        "user's agent is never modified.",
        used_in="_agent_graph",
    ),
    Internal(
        "agents.handoffs",
        "Handoff._agent_ref",
        "read",
        "hosting",
        "The agent a handoff() object leads to, collected so a worker knows it by name.",
        used_in="_agent_graph",
    ),
    Internal(
        "agents.handoffs",
        "Handoff._agent_ref",
        "written",
        "workflow",
        "Set on the stand-in's copy of a handoff() (dataclasses.replace resets it) to the target's "
        "stand-in, as handoff() sets it.",
        used_in="_agent_graph",
    ),
    Internal(
        "agents.handoffs",
        "Handoff.on_invoke_handoff",
        "wrapped",
        "workflow",
        "The stand-in's copy of a handoff() maps the agent it returns to that agent's stand-in.",
        used_in="_agent_graph",
    ),
    # -- the result, rebuilt on the client --------------------------------------------------------
    Internal(
        "agents.result",
        "RunResult",
        "called",
        "client",
        "The client rebuilds the SDK's own RunResult from the workflow's JSON; _last_agent is a "
        "private constructor field.",
        params=(
            "input",
            "new_items",
            "raw_responses",
            "final_output",
            "input_guardrail_results",
            "output_guardrail_results",
            "tool_input_guardrail_results",
            "tool_output_guardrail_results",
            "context_wrapper",
            "_last_agent",
        ),
        used_in="_result",
    ),
    Internal(
        "agents.run_context",
        "RunContextWrapper",
        "called",
        "client",
        "The result's context_wrapper, with the run's context and usage.",
        params=("context", "usage"),
        used_in="_result",
    ),
    Internal(
        "agents.items",
        "RunItemBase",
        "read",
        "workflow",
        "Run items are written field by field (dataclasses.fields), agents as names, and rebuilt "
        "on the client by class name from agents.items.",
        params=("agent", "raw_item"),
        used_in="_result",
    ),
    Internal(
        "agents.items",
        "HandoffOutputItem",
        "read",
        "workflow",
        "Its agent fields are written as names and found again on the client.",
        params=("source_agent", "target_agent"),
        used_in="_result",
    ),
    # -- tool approvals (_approval) -----------------------------------------------------------
    Internal(
        "agents.result",
        "RunResult.to_state",
        "called",
        "workflow",
        "A run stopped at interruptions goes on from result.to_state(), as the plain caller's.",
        used_in="_approval",
    ),
    Internal(
        "agents.run_state",
        "RunState.approve",
        "called",
        "workflow",
        "The decisions that arrive with the resume update are applied with the SDK's own approve.",
        params=("approval_item", "always_approve"),
        used_in="_approval",
    ),
    Internal(
        "agents.run_state",
        "RunState.reject",
        "called",
        "workflow",
        "... and reject, with its rejection message.",
        params=("approval_item", "always_reject", "rejection_message"),
        used_in="_approval",
    ),
    Internal(
        "agents.run_state",
        "RunState._context",
        "read",
        "client",
        "The decisions the caller made on the state (approve/reject write them into its context), "
        "and which durable run the state belongs to (an attribute on the copied context wrapper).",
        used_in="_approval",
    ),
    Internal(
        "agents.run_context",
        "RunContextWrapper.is_tool_approved",
        "called",
        "client",
        "Reads each pending call's decision; the same question for an unseen call id tells a "
        "sticky (always_approve / always_reject) decision.",
        params=("tool_name", "call_id"),
        used_in="_approval",
    ),
    # -- sessions (_session) -----------------------------------------------------------------
    Internal(
        "agents.memory",
        "SessionSettings",
        "called",
        "workflow",
        "The durable session stand-in carries the user's session_settings (e.g. limit), which the "
        "SDK's loop reads from the session it is given.",
        used_in="_session",
    ),
    Internal(
        "agents.exceptions",
        "AgentsException.run_data",
        "written",
        "client",
        "An SDK exception that ended a durable run is rebuilt on the client without calling its "
        "constructor (cls.__new__, args and plain attributes set), run_data as a RunErrorDetails.",
        used_in="_errors",
    ),
    Internal(
        "agents.exceptions",
        "RunErrorDetails",
        "called",
        "client",
        "An exception's run_data, rebuilt from the run so far.",
        params=(
            "input",
            "new_items",
            "raw_responses",
            "last_agent",
            "context_wrapper",
            "input_guardrail_results",
            "output_guardrail_results",
        ),
        used_in="_errors",
    ),
    Internal(
        "agents.guardrail",
        "OutputGuardrailResult",
        "called",
        "client",
        "A tripped output guardrail's guardrail_result, with the client's own guardrail object.",
        params=("guardrail", "agent_output", "agent", "output"),
        used_in="_errors",
    ),
    Internal(
        "agents.guardrail",
        "InputGuardrailResult",
        "called",
        "client",
        "A tripped input guardrail's guardrail_result, with the client's own guardrail object.",
        params=("guardrail", "output"),
        used_in="_errors",
    ),
    Internal(
        "agents.tool_guardrails",
        "ToolGuardrailFunctionOutput",
        "called",
        "client",
        "A tripped tool guardrail's output, on the rebuilt ToolInput/OutputGuardrailTripwireTriggered.",
        params=("output_info", "behavior"),
        used_in="_errors",
    ),
    Internal(
        "agents.models.multi_provider",
        "MultiProvider",
        "called",
        "client",
        "run_config's model_provider is taken only when it is the default MultiProvider(): the adapter "
        "makes a fresh one and compares the instance attributes provider_map and openai_provider (its "
        "plain settings); any other provider is refused.",
        used_in="_run_config",
    ),
)

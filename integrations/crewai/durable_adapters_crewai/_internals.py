"""Every framework internal the CrewAI adapter relies on, in one place.

CrewAI has no interface for running its loop elsewhere, so the adapter replaces, reads and calls
parts of CrewAI (and of the standard library) that CrewAI may change in any release. The points it
replaces are the interception table (``_interception.PATCHES``, checked by the same test); the
records below are the rest, and the provider overrides the table's LLM replacement is given per
class (``_interception.intercept_llm_class``). Each record names one such point: where it is,
what the adapter does with it, on which side, why, and the parameter names the adapter depends
on. :func:`check` imports every entry and reports
each one that is missing or has changed; ``tests/crewai/test_framework_internals.py`` runs it on
every tested CrewAI release, so an upgrade that moves one of them fails by name, not somewhere deep
inside a durable run.

``use``:
    ``patched``  a class's override of a point of the table, replaced the same way;
    ``replaced`` the adapter substitutes an object of its own that CrewAI calls with this interface;
    ``read``     the adapter reads it (a field, an attribute, a constant);
    ``called``   the adapter calls it.
``side``:
    ``workflow`` inside the workflow, while CrewAI's loop runs;
    ``activity`` in the model/tool activity, on the worker's live objects;
    ``wrap``     when ``durable(crew)`` hosts the object (refusals, keys), outside both.
``params``:
    the leading parameters, in order, after ``self``: the adapter passes them positionally, or
    its replacement takes them from CrewAI, so a rename or a reordering breaks it.
``value``:
    for a constant or a field's default, the value the adapter expects.
``older_modules``:
    where releases the adapter supports, older than the newest, have the same point (CrewAI moved
    it); :func:`check` accepts the first module that imports.

This module imports nothing from CrewAI itself; :func:`check` does, entry by entry.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import Any, Literal

_NO_VALUE: Any = object()


@dataclass(frozen=True)
class Internal:
    module: str
    path: str
    use: Literal["patched", "replaced", "read", "called"]
    side: Literal["workflow", "activity", "wrap"]
    why: str
    params: tuple[str, ...] = ()
    value: Any = _NO_VALUE
    older_modules: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.module}:{self.path}"


_LLM_CALL = ("messages", "tools", "callbacks", "available_functions", "from_task", "from_agent", "response_model")

INTERNALS: tuple[Internal, ...] = (
    # -- LLM calls (_llm) ------------------------------------------------------------------------
    Internal(
        "crewai.llms.providers.openai.completion",
        "OpenAICompletion.call",
        "patched",
        "workflow",
        "overrides BaseLLM.call, so intercept_llm_class gives it the table's replacement (the tested provider)",
        _LLM_CALL,
    ),
    Internal(
        "crewai.llms.providers.openai.completion",
        "OpenAICompletion.acall",
        "patched",
        "workflow",
        "overrides BaseLLM.acall, replaced the same way",
        _LLM_CALL,
    ),
    Internal(
        "crewai.llms.base_llm",
        "BaseLLM.stop_sequences",
        "read",
        "workflow",
        "the stop words in effect for this call go into the recorded request",
    ),
    Internal(
        "crewai.llms.base_llm",
        "BaseLLM._effective_stream",
        "called",
        "workflow",
        "the streaming mode in effect for this call goes into the recorded request",
    ),
    Internal(
        "crewai.llms.base_llm",
        "BaseLLM._token_usage",
        "read",
        "workflow",
        "the activity's token usage is added to the run's LLM as CrewAI counts it; a crew "
        "copy's LLMs get counters of their own (CrewAI's copies share them)",
    ),
    Internal(
        "crewai.llms.base_llm",
        "call_stop_override",
        "called",
        "activity",
        "the recorded stop words are applied to the live LLM for one call",
        ("llm", "stop"),
    ),
    Internal(
        "crewai.llms.base_llm",
        "call_stream_override",
        "called",
        "activity",
        "the recorded streaming mode is applied to the live LLM for one call",
        ("llm", "stream"),
    ),
    # -- tool calls (_tools) ---------------------------------------------------------------------
    Internal(
        "crewai.tools.base_tool",
        "BaseTool._validate_kwargs",
        "called",
        "workflow",
        "arguments are validated in the workflow as CrewAI's run() does, and again in the "
        "activity so the tool gets what its schema builds",
        ("kwargs",),
    ),
    Internal(
        "crewai.tools.base_tool",
        "BaseTool._run",
        "called",
        "activity",
        "what BaseTool.run calls, without its usage counter",
    ),
    Internal(
        "crewai.tools.base_tool", "Tool.func", "called", "activity", "the @tool function itself, what Tool.run calls"
    ),
    Internal(
        "crewai.tools.base_tool",
        "BaseTool.max_usage_count",
        "read",
        "wrap",
        "tools with a usage limit are refused (the counter is shared by every run)",
    ),
    Internal(
        "crewai.utilities.string_utils",
        "sanitize_tool_name",
        "called",
        "wrap",
        "a tool's key is CrewAI's sanitised name, as the model sees it",
    ),
    # -- the event bus (_inside) -----------------------------------------------------------------
    Internal(
        "crewai.events.event_bus",
        "CrewAIEventsBus._prepare_event",
        "called",
        "workflow",
        "gives a not-dispatched event its ids and parent links, as emit would",
        ("source", "event"),
    ),
    Internal(
        "crewai.events.types.crew_events",
        "CrewKickoffStartedEvent.type",
        "read",
        "workflow",
        "becomes the progress event crewai.crew_kickoff_started",
        value="crew_kickoff_started",
    ),
    Internal(
        "crewai.events.types.crew_events",
        "CrewKickoffCompletedEvent.type",
        "read",
        "workflow",
        "becomes the progress event crewai.crew_kickoff_completed",
        value="crew_kickoff_completed",
    ),
    Internal(
        "crewai.events.types.crew_events",
        "CrewKickoffCompletedEvent.output",
        "read",
        "workflow",
        "the crew's output in the progress event",
    ),
    Internal(
        "crewai.events.types.task_events",
        "TaskStartedEvent.type",
        "read",
        "workflow",
        "becomes the progress event crewai.task_started",
        value="task_started",
    ),
    Internal(
        "crewai.events.types.task_events",
        "TaskStartedEvent.task",
        "read",
        "workflow",
        "the task's description and agent role in the progress event",
    ),
    Internal(
        "crewai.events.types.task_events",
        "TaskCompletedEvent.type",
        "read",
        "workflow",
        "becomes the progress event crewai.task_completed",
        value="task_completed",
    ),
    Internal(
        "crewai.events.types.task_events",
        "TaskCompletedEvent.output",
        "read",
        "workflow",
        "the task's raw output in the progress event",
    ),
    Internal(
        "crewai.events.types.task_events",
        "TaskFailedEvent.type",
        "read",
        "workflow",
        "becomes the progress event crewai.task_failed",
        value="task_failed",
    ),
    Internal(
        "crewai.events.types.task_events",
        "TaskFailedEvent.error",
        "read",
        "workflow",
        "the error in the progress event",
    ),
    # -- threads (_inside) -----------------------------------------------------------------------
    Internal(
        "asyncio",
        "run",
        "read",
        "workflow",
        "submissions of asyncio.run (CrewAI's sync-over-async helpers) keep their thread",
    ),
    # -- delegation (_inside) --------------------------------------------------------------------
    Internal(
        "crewai.agent.core",
        "Agent.aexecute_task",
        "called",
        "workflow",
        "what the patched execute_task awaits",
        ("task", "context", "tools"),
    ),
    # -- the task-output store (_inside) ---------------------------------------------------------
    Internal(
        "crewai.memory.storage.kickoff_task_outputs_storage",
        "KickoffTaskOutputsSQLiteStorage.add",
        "replaced",
        "workflow",
        "the in-memory log takes the SQLite store's place; CrewAI's handler calls add positionally in this order",
        ("task", "output", "task_index", "was_replayed", "inputs"),
    ),
    Internal(
        "crewai.memory.storage.kickoff_task_outputs_storage",
        "KickoffTaskOutputsSQLiteStorage.update",
        "replaced",
        "workflow",
        "the in-memory log takes the SQLite store's place",
        ("task_index",),
    ),
    Internal(
        "crewai.memory.storage.kickoff_task_outputs_storage",
        "KickoffTaskOutputsSQLiteStorage.load",
        "replaced",
        "workflow",
        "the in-memory log takes the SQLite store's place",
    ),
    Internal(
        "crewai.memory.storage.kickoff_task_outputs_storage",
        "KickoffTaskOutputsSQLiteStorage.delete_all",
        "replaced",
        "workflow",
        "the in-memory log takes the SQLite store's place",
    ),
    # -- human input (_human) --------------------------------------------------------------------
    Internal(
        "crewai.agents.agent_executor",
        "AgentExecutorState.current_answer",
        "read",
        "workflow",
        "the answer under review, shown in the human-input prompt (crewai.experimental.agent_executor before 1.15.29)",
        older_modules=("crewai.experimental.agent_executor",),
    ),
    Internal(
        "crewai.agent.core",
        "AgentExecutor.state",
        "read",
        "workflow",
        "the executor's state, which holds the answer under review (the executor class's module "
        "moved in 1.15.29; crewai.agent.core imports it in every supported release)",
    ),
    Internal(
        "crewai.agents.agent_builder.base_agent_executor",
        "BaseAgentExecutor.task",
        "read",
        "workflow",
        "the task description in the human-input prompt",
    ),
    Internal(
        "crewai.agents.agent_builder.base_agent_executor",
        "BaseAgentExecutor.agent",
        "read",
        "workflow",
        "the agent role in the human-input prompt",
    ),
    # -- streaming: Crew(stream=True) (_stream, _stream_output) ----------------------------------
    Internal(
        "crewai.crew",
        "Crew.stream",
        "read",
        "workflow",
        "a streamed crew's copy runs unstreamed with its agents' LLMs streaming (as CrewAI's streamed "
        "kickoff does); its client's kickoff returns a CrewStreamingOutput",
    ),
    Internal(
        "crewai.crews.utils",
        "enable_agent_streaming",
        "called",
        "workflow",
        "what CrewAI's streamed kickoff does to the crew's agents before it runs the crew unstreamed",
        ("agents",),
    ),
    Internal(
        "crewai.events.stream_context",
        "add_stream_sink",
        "called",
        "activity",
        "a sink in the activity thread's context receives every event CrewAI prepares there "
        "(CrewAIEventsBus._prepare_event calls publish_stream_event), in order: the live LLM's chunk "
        "events are published to the call's live stream",
        ("sink",),
    ),
    Internal(
        "crewai.events.stream_context",
        "reset_stream_sinks",
        "called",
        "activity",
        "removes that sink when the call ends",
        ("token",),
    ),
    Internal(
        "crewai.events.stream_context",
        "publish_stream_event",
        "read",
        "activity",
        "how a prepared event reaches the sinks of its context (called by CrewAIEventsBus._prepare_event)",
        ("source", "event"),
    ),
    Internal(
        "crewai.events.types.llm_events",
        "LLMStreamChunkEvent.chunk",
        "read",
        "activity",
        "a chunk event's chunk, tool_call, call_type, response_id and call_id are published (JSON) and "
        "rebuilt into the event on the client",
    ),
    Internal(
        "crewai.events.types.llm_events",
        "LLMStreamChunkEvent.tool_call",
        "read",
        "activity",
        "published with the chunk: a tool-call chunk's id, name and arguments so far",
    ),
    Internal(
        "crewai.utilities.streaming",
        "_create_stream_chunk",
        "called",
        "wrap",
        "the client makes each StreamChunk from the rebuilt chunk event as CrewAI's stream handler "
        "does, with CrewAI's initial TaskInfo (which no supported release updates)",
        ("event", "current_task_info"),
    ),
    Internal(
        "crewai.types.streaming",
        "CrewStreamingOutput._set_result",
        "called",
        "wrap",
        "the client's CrewStreamingOutput gets the run's CrewOutput when its iteration ends, as "
        "CrewAI's _finalize_streaming sets it",
        ("result",),
    ),
    Internal(
        "crewai.types.streaming",
        "CrewStreamingOutput._set_results",
        "called",
        "wrap",
        "akickoff_for_each of a streamed crew: the outputs of every run, as CrewAI's run_for_each_async sets them",
        ("results",),
    ),
    Internal(
        "crewai.types.streaming",
        "StreamChunk",
        "read",
        "wrap",
        "CallRestarted (a call restarted after its worker died) is a StreamChunk with empty content",
    ),
    # -- keys, copies and refusals (_keys, _run) -------------------------------------------------
    Internal(
        "crewai.crew",
        "Crew.copy",
        "called",
        "workflow",
        "each run executes a fresh copy of the crew (CrewAI's own, as kickoff_for_each uses)",
    ),
    Internal(
        "crewai.agent.core",
        "Agent.copy",
        "called",
        "workflow",
        "each run of a standalone agent executes a fresh copy of it",
    ),
    Internal("crewai.crew", "Crew.akickoff", "called", "workflow", "the crew's own loop, run in the workflow"),
    Internal(
        "crewai.agent.core",
        "Agent.akickoff",
        "called",
        "workflow",
        "a standalone agent's own loop, run in the workflow",
    ),
    Internal(
        "crewai.utilities.llm_utils",
        "create_llm",
        "called",
        "wrap",
        "manager_llm given as a model name is built as CrewAI would at kickoff, so it has a key",
    ),
    Internal(
        "crewai.agent.core",
        "Agent.function_calling_llm",
        "read",
        "wrap",
        "read from the instance's fields (attribute access warns as deprecated); keyed",
    ),
    Internal(
        "crewai.agent.core",
        "Agent.reasoning",
        "read",
        "wrap",
        "read from the instance's fields (attribute access warns as deprecated); refused",
    ),
    Internal("crewai.agent.core", "Agent.planning", "read", "wrap", "refused (not tested durably)"),
    Internal(
        "crewai.agent.core", "Agent.max_execution_time", "read", "wrap", "refused: CrewAI times the agent in a thread"
    ),
    Internal(
        "crewai.agents.agent_builder.base_agent",
        "BaseAgent.max_rpm",
        "read",
        "wrap",
        "refused: CrewAI enforces it with a timer thread",
    ),
    Internal(
        "crewai.agents.agent_builder.base_agent",
        "BaseAgent.knowledge_sources",
        "read",
        "wrap",
        "refused: local vector stores",
    ),
    Internal(
        "crewai.agents.agent_builder.base_agent",
        "BaseAgent.memory",
        "read",
        "wrap",
        "refused: local vector stores and embedder calls inside the loop",
    ),
    Internal("crewai.crew", "Crew.knowledge", "read", "wrap", "refused: a local vector store"),
    # -- memory and knowledge, refused kind by kind (_memory) -----------------------------------
    Internal(
        "crewai.crew", "Crew.memory", "read", "wrap", "refused: True or a Memory/MemoryScope/MemorySlice (_memory)"
    ),
    Internal("crewai.crew", "Crew.knowledge_sources", "read", "wrap", "refused: embedded into a local vector store"),
    Internal("crewai.agents.agent_builder.base_agent", "BaseAgent.knowledge", "read", "wrap", "refused (_memory)"),
    Internal(
        "crewai.agents.agent_builder.base_agent", "BaseAgent.knowledge_storage", "read", "wrap", "refused (_memory)"
    ),
    Internal(
        "crewai.memory.unified_memory",
        "Memory",
        "read",
        "wrap",
        "an Agent turns memory=True into a Memory when made: the refusal names both (by the class name)",
    ),
    Internal("crewai.crew", "Crew.planning_llm", "read", "wrap", "keyed, should planning ever be allowed"),
    Internal(
        "crewai.tasks.llm_guardrail",
        "LLMGuardrail",
        "read",
        "wrap",
        "text guardrails are refused (a model judges the output from a thread of CrewAI's own)",
    ),
    Internal("crewai.task", "Task.guardrails", "read", "wrap", "text guardrails are refused"),
    Internal(
        "crewai.task",
        "Task.response_model",
        "read",
        "wrap",
        "a structured-output class the result may carry, resolved without an import",
    ),
    # -- results (_output) -----------------------------------------------------------------------
    Internal(
        "crewai.lite_agent_output",
        "LiteAgentOutput",
        "called",
        "wrap",
        "a standalone agent's result is rebuilt as CrewAI's own type",
    ),
    Internal(
        "crewai.types.usage_metrics",
        "UsageMetrics",
        "called",
        "wrap",
        "a crew's token usage is rebuilt as CrewAI's own type",
    ),
    Internal(
        "crewai",
        "Crew.name",
        "read",
        "wrap",
        "the name CrewAI gives every crew not given one: such a crew is unnamed and gets a default "
        "name derived from its definition (_names)",
        value="crew",
    ),
    Internal(
        "crewai.project.crew_base",
        "CrewBaseMeta",
        "read",
        "wrap",
        "a @CrewBase class's crew() names its crew after the class (_crew_name), so MyCrew().crew() "
        "is hosted as 'MyCrew' and rebuilt per call under that name (see _names, definition)",
    ),
)


def _attribute(owner: Any, name: str) -> Any:
    """``owner.name``, or the pydantic field / private attribute of that name; raises AttributeError."""
    if isinstance(owner, type):
        fields = getattr(owner, "model_fields", None) or {}
        if name in fields:
            return fields[name]
        private = getattr(owner, "__private_attributes__", None) or {}
        if name in private:
            return private[name]
    return getattr(owner, name)


def _original(owner: Any, name: str, obj: Any) -> Any:
    # A replaced point keeps CrewAI's own function as __wrapped__ (see _interception): the check
    # must look at CrewAI's code, also in a process where the table is installed. Imported here:
    # this module imports no CrewAI at import time.
    from ._interception import crewais_own

    return crewais_own(owner, name, obj)


def _problem(entry: Internal) -> str | None:
    obj: Any = None
    for module in (entry.module, *entry.older_modules):
        try:
            obj = importlib.import_module(module)
            break
        except ImportError as exc:
            missing = exc
    if obj is None:
        return f"module not importable ({missing})"
    owner: Any = None
    for part in entry.path.split("."):
        try:
            owner, obj = obj, _attribute(obj, part)
        except AttributeError:
            return f"{part!r} is missing"
    obj = _original(owner, entry.path.rsplit(".", 1)[-1], obj)
    if entry.value is not _NO_VALUE:
        found = getattr(obj, "default", obj)
        if found != entry.value:
            return f"is {found!r}, expected {entry.value!r}"
    if entry.params:
        try:
            parameters = list(inspect.signature(obj).parameters)
        except (TypeError, ValueError) as exc:
            return f"no signature ({exc})"
        is_method = isinstance(owner, type) and not isinstance(
            inspect.getattr_static(owner, entry.path.rsplit(".", 1)[-1]), staticmethod
        )
        if is_method and parameters and parameters[0] in ("self", "cls"):
            parameters = parameters[1:]
        if tuple(parameters[: len(entry.params)]) != entry.params:
            return f"parameters are {tuple(parameters)}, the adapter relies on {entry.params} first"
    return None


def check(internals: tuple[Internal, ...] = INTERNALS) -> list[str]:
    """``"<module>:<path> (<use>): <what is wrong>"`` for every entry missing or changed; empty if all hold."""
    problems = []
    for entry in internals:
        problem = _problem(entry)
        if problem is not None:
            problems.append(f"{entry.name} ({entry.use}): {problem}")
    return problems

"""Every CrewAI (and standard-library) point this adapter replaces: the table :data:`PATCHES`.

How a model call leaves the workflow, by name: ``CrewAIAdapter.run`` hands over to
``CrewAIRuntime.run``, which runs ``copy.akickoff(...)`` inside :func:`intercepting`; CrewAI's
agent loop calls its LLM's ``acall`` (``call`` from sync steps), which the table below replaces
with :func:`llm_acall` / :func:`llm_call`; inside a run that hands the request
(``_llm.request``) to ``DurableCalls.model``: a ``model_call`` activity, whose worker side is
``_llm.call_model``. Tool calls go the same way (:func:`tool_run` → ``DurableCalls.tool_sync`` →
``_tools.call_tool``).

Why patches at all: CrewAI's extension points cannot carry a call out of the workflow. Its event
listeners observe events after the fact (and the bus itself hangs a workflow, see
:func:`event_bus_emit`); its before/after LLM-call hooks can block a call or rewrite the text of
its answer, never supply the answer; before/after tool-call hooks likewise; step and task
callbacks run after a step; a custom ``BaseLLM`` subclass would have to replace the user's own
LLM object, whose class, provider client and settings the activity must use as they are. Each
point says why in its ``why``; ``docs/architecture.md`` shows the table and
``tests/crewai/test_framework_internals.py`` checks every point on each supported CrewAI release
(and that the docs list it). The points CrewAI's code is only read or called at are
:mod:`._internals`.

Every replacement runs only while a durable run's crew copy executes in the calling context
(:func:`._run.current`); anywhere else, the activities included, CrewAI's own code runs, kept as
``__wrapped__``.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from crewai import Agent
from crewai.core.providers.human_input import SyncHumanInputProvider
from crewai.events.event_bus import CrewAIEventsBus
from crewai.llms.base_llm import BaseLLM
from crewai.tools.base_tool import BaseTool, Tool
from crewai.utilities.task_output_storage_handler import TaskOutputStorageHandler

from durable_adapters.adapter import Interceptions, await_only, in_bridge, reference, scoped

from . import _human, _inside, _llm, _run, _tools


def _in_run() -> bool:
    return _run.current() is not None


PATCHES = Interceptions("crewai", active=_in_run)
"""The table: installed by ``CrewAIRuntime.host`` (:func:`install`), once per process."""


def intercepting(run: _run.CrewRun) -> AbstractContextManager[None]:
    """While the block runs, the table's replacements act for ``run`` (in its own context only)."""
    return scoped(_run.CURRENT, run)


def install() -> None:
    PATCHES.install()


# -- LLM calls -------------------------------------------------------------------------------

_NO_LLM_HOOK = (
    "CrewAI's before/after LLM-call hooks can block a call or rewrite its answer's text but never supply "
    "the answer, event listeners only observe, and a custom BaseLLM would have to replace the user's own "
    "LLM object, whose class and provider client the activity must use as they are"
)


@PATCHES.point(
    BaseLLM,
    "call",
    side="workflow",
    why="each sync LLM call of the run's crew (a sync step, a delegated coworker) becomes a model_call "
    f"activity, which calls the original; every provider class overrides it and gets the same replacement "
    f"({_NO_LLM_HOOK})",
)
def llm_call(
    original: Callable[..., Any],
    self: BaseLLM,
    messages: Any,
    tools: Any = None,
    callbacks: Any = None,
    available_functions: Any = None,
    from_task: Any = None,
    from_agent: Any = None,
    response_model: Any = None,
) -> Any:
    key = _llm.key_for(self)
    if key is None:
        return original(self, messages, tools, callbacks, available_functions, from_task, from_agent, response_model)
    return _llm.call_durably(self, key, messages, tools, response_model, from_agent)


@PATCHES.point(
    BaseLLM,
    "acall",
    side="workflow",
    why=f"each async LLM call of the run's crew (CrewAI's agent loop under akickoff) becomes a model_call "
    f"activity, as call ({_NO_LLM_HOOK})",
)
async def llm_acall(
    original: Callable[..., Any],
    self: BaseLLM,
    messages: Any,
    tools: Any = None,
    callbacks: Any = None,
    available_functions: Any = None,
    from_task: Any = None,
    from_agent: Any = None,
    response_model: Any = None,
) -> Any:
    key = _llm.key_for(self)
    if key is None:
        return await original(
            self, messages, tools, callbacks, available_functions, from_task, from_agent, response_model
        )
    return await _llm.acall_durably(self, key, messages, tools, response_model, from_agent)


_LLM_REPLACEMENTS: dict[str, Callable[..., Any]] = {"call": llm_call, "acall": llm_acall}
_overrides: dict[tuple[type, str], Interceptions] = {}
_overrides_lock = threading.Lock()


def intercept_llm_class(cls: type[BaseLLM]) -> None:
    """Give every override of ``call``/``acall`` in ``cls``'s classes (up to ``BaseLLM``, which the
    table replaces) the table's LLM replacement: each provider class (``OpenAICompletion``, ...)
    overrides both, so a crew's LLM would otherwise call its provider from the workflow. Once per
    class and attribute per process."""
    declared = {(point.owner, point.attribute) for point in PATCHES.table()}
    with _overrides_lock:
        for klass in cls.__mro__:
            if not (isinstance(klass, type) and issubclass(klass, BaseLLM)):
                continue
            for name, replacement in _LLM_REPLACEMENTS.items():
                if name not in vars(klass) or (klass, name) in declared or (klass, name) in _overrides:
                    continue
                override = Interceptions(f"crewai LLM class {reference(klass)}", active=_in_run)
                override.point(klass, name, side="workflow", why=f"overrides BaseLLM.{name}")(replacement)
                override.install()
                _overrides[(klass, name)] = override


def crewais_own(owner: Any, name: str, value: Any) -> Any:
    """CrewAI's own ``owner.name`` given what is found there now (``value``): the original a point
    of the table or an LLM-class override keeps as ``__wrapped__``, else ``value`` itself."""
    declared = any(point.owner is owner and point.attribute == name for point in PATCHES.table())
    replaced = (declared and PATCHES.installed) or (owner, name) in _overrides
    return value.__wrapped__ if replaced else value


# -- tool calls ------------------------------------------------------------------------------

_NO_TOOL_HOOK = (
    "CrewAI's before/after tool-call hooks can block a call or rewrite its result but never supply it, "
    "and the @tool objects are module singletons shared by every crew, so they cannot be swapped per run"
)


@PATCHES.point(
    BaseTool,
    "run",
    side="workflow",
    why=f"each run of a tool of the run's crew becomes a tool_call activity on the live tool ({_NO_TOOL_HOOK})",
)
def tool_run(original: Callable[..., Any], self: BaseTool, *args: Any, **kwargs: Any) -> Any:
    run = _run.current()
    key = run.tool_keys.get(id(self)) if run is not None else None
    if key is None and run is not None and run.flow:
        from ._flow_calls import tool_key

        key = tool_key(run, self)
    if key is None:
        return original(self, *args, **kwargs)
    assert run is not None
    return _tools.run_durably(run, self, key, args, kwargs)


PATCHES.point(
    Tool,
    "run",
    side="workflow",
    why="@tool objects are Tools, which override BaseTool.run, so the BaseTool point alone misses them",
)(tool_run)


# -- what CrewAI does around its loop that cannot happen in a workflow -----------------------


@PATCHES.point(
    CrewAIEventsBus,
    "emit",
    side="workflow",
    why="the bus hands handlers to a thread pool and a loop of its own and CrewAI awaits the returned "
    "future, which hangs the workflow; a listener cannot stop that. Inside a run an event is prepared, not "
    "dispatched, and task starts/completions become the run's progress events",
)
def event_bus_emit(original: Callable[..., Any], self: CrewAIEventsBus, source: Any, event: Any) -> Any:
    return _inside.emit_in_run(self, source, event)


@PATCHES.point(
    concurrent.futures.ThreadPoolExecutor,
    "submit",
    side="workflow",
    why="CrewAI runs parallel native tool calls in a thread pool it makes itself, and a thread cannot wait "
    "on an activity; inside a run the function runs at once in the caller (asyncio.run submissions keep "
    "their thread)",
)
def thread_pool_submit(
    original: Callable[..., Any], self: concurrent.futures.ThreadPoolExecutor, fn: Any, /, *args: Any, **kwargs: Any
) -> Any:
    if _inside.runs_own_loop(fn, args):
        return original(self, fn, *args, **kwargs)
    return _inside.run_at_once(fn, *args, **kwargs)


@PATCHES.point(
    TaskOutputStorageHandler,
    "__init__",
    side="workflow",
    why="every crew opens and wipes a SQLite task-output file at kickoff (shared between runs, file I/O in "
    "the workflow) and no setting turns it off; crews built in a run keep that log in memory",
)
def task_outputs_init(original: Callable[..., Any], self: TaskOutputStorageHandler) -> None:
    self.storage = _inside.MemoryTaskOutputs()  # type: ignore[assignment]


@PATCHES.point(
    Agent,
    "execute_task",
    side="workflow",
    why="a manager's delegation runs the coworker through the sync execute_task, which refuses on the "
    "workflow's running loop; inside a run (under the sync bridge) it awaits CrewAI's own aexecute_task",
)
def agent_execute_task(
    original: Callable[..., Any], self: Agent, task: Any, context: str | None = None, tools: Any = None
) -> Any:
    if not in_bridge():
        return original(self, task, context, tools)
    return await_only(self.aexecute_task(task, context, tools))


# -- human input ----------------------------------------------------------------------------

_NO_INPUT_HOOK = (
    "CrewAI's set_provider could install a provider of the adapter's own in the run's context; not done "
    "yet: this keeps the tested behaviour, and only CrewAI's default provider is replaced either way"
)


@PATCHES.point(
    SyncHumanInputProvider,
    "handle_feedback",
    side="workflow",
    why="remembers the executor whose answer is under review, for the prompt the run shows",
)
def handle_feedback(original: Callable[..., Any], self: Any, formatted_answer: Any, context: Any) -> Any:
    with _human.reviewing(context):
        return original(self, formatted_answer, context)


@PATCHES.point(SyncHumanInputProvider, "handle_feedback_async", side="workflow", why="as handle_feedback")
async def handle_feedback_async(original: Callable[..., Any], self: Any, formatted_answer: Any, context: Any) -> Any:
    with _human.reviewing(context):
        return await original(self, formatted_answer, context)


@PATCHES.point(
    SyncHumanInputProvider,
    "_prompt_input",
    side="workflow",
    why=f"the terminal prompt (input()) becomes a durable wait for handle.resume(...) ({_NO_INPUT_HOOK})",
)
def prompt_input(original: Callable[..., Any], crew: Any) -> str:
    return _human.ask_sync()


@PATCHES.point(SyncHumanInputProvider, "_prompt_input_async", side="workflow", why="as _prompt_input")
async def prompt_input_async(original: Callable[..., Any], crew: Any) -> str:
    return await _human.ask()

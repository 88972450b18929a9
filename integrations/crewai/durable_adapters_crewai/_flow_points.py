"""What a Flow does around its methods that cannot happen inside a workflow, and what happens instead.

A table of its own (``FLOW_POINTS``), installed with the crew table and active only while a
flow's durable run executes in the calling context:

* **Human feedback.** ``@human_feedback`` asks its human with ``input()`` on the terminal
  (``Flow._request_human_feedback``); in a durable run that becomes a durable wait: the run
  shows a :class:`FlowFeedbackPrompt` (``handle.pending_input()``) and goes on with
  ``handle.resume(text)``, on whatever worker is up then. A feedback *provider* (CrewAI's
  pending-feedback mechanism, which pauses the flow by raising and resumes it from its own
  persistence) is refused: durability replaces it.
* **Persistence.** ``@persist`` saves the state after each method through its backend (SQLite
  by default): file I/O. In a durable run each save is an activity (``persist``) in which the
  worker runs CrewAI's own save with its own backend, the storage living in the worker as in a
  plain run.
* **Sync agents.** ``Agent.kickoff`` in a sync flow method runs synchronously in a plain run
  (the method has a thread of its own); on the sync bridge it would see the workflow's loop and
  return a coroutine, so there it is told it has no loop, as in the thread.
* **Flows kicked off synchronously inside the flow** (CrewAI's own agent executor is a flow):
  ``Flow.kickoff`` would run ``asyncio.run`` on a thread, which cannot wait on an activity; on the
  sync bridge it awaits the flow's ``kickoff_async`` on the workflow's loop.
* **Crews and agents built in a method** are checked when kicked off, as ``durable(crew)``
  checks a crew when it is wrapped: what cannot run durably is refused before any of its calls.
* **File I/O in a flow method.** ``open()`` called directly by a flow method's own code would
  run inside the workflow on every replay; it is refused with the method's name. (Network I/O
  and ``time.sleep`` are refused by the core's guard; ``time.time``/``random``/``uuid4`` are made
  replay-safe by it.)
"""

from __future__ import annotations

import builtins
import contextvars
import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from crewai import Agent, Crew
from crewai.flow.persistence.decorators import PersistenceDecorator
from crewai.flow.runtime import Flow
from pydantic import BaseModel

from durable_adapters.adapter import Interceptions, UnsupportedError, await_only, in_bridge, reference, scoped

from ._flow_payloads import FlowFeedbackPrompt, PersistRequest
from ._run import CrewRun, current

PERSIST_KEY = "flow:persist"
"""The key of a ``@persist`` save's activity (persisted: history names the call by it)."""

_FLOW_CODES: contextvars.ContextVar[frozenset[Any] | None] = contextvars.ContextVar(
    "durable_crewai_flow_codes", default=None
)


def _modules_asking_for_a_loop() -> list[Any]:
    """CrewAI's modules that import ``is_inside_event_loop`` (the agent, and its executor, which moved
    from ``crewai.experimental`` to ``crewai.agents`` between releases)."""
    found = []
    for name in ("crewai.agent.core", "crewai.agents.agent_executor", "crewai.experimental.agent_executor"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "is_inside_event_loop"):
            found.append(module)
    return found


def _in_flow() -> bool:
    run = current()
    return run is not None and run.flow


FLOW_POINTS = Interceptions("crewai flows", active=_in_flow)


def _method_codes(cls: type) -> frozenset[Any]:
    codes = set()
    for klass in cls.__mro__:
        if klass.__module__.partition(".")[0] in ("crewai", "pydantic", "typing", "builtins", "abc"):
            continue
        for value in vars(klass).values():
            function = getattr(value, "__wrapped__", value)
            code = getattr(function, "__code__", None)
            if code is not None:
                codes.add(code)
    return frozenset(codes)


@contextmanager
def in_flow(cls: type) -> Iterator[None]:
    """While the block runs, ``open()`` from the code of ``cls``'s methods is refused."""
    FLOW_POINTS.install()
    with scoped(_FLOW_CODES, _method_codes(cls)):
        yield


def _run() -> CrewRun:
    run = current()
    assert run is not None
    return run


def _text(output: Any) -> Any:
    if isinstance(output, BaseModel):
        return output.model_dump_json()
    return output if isinstance(output, str) else str(output)


@FLOW_POINTS.point(
    Flow,
    "_request_human_feedback",
    side="workflow",
    why="@human_feedback asks with input() on the terminal; in a durable run the question is the run's "
    "pending input and the answer comes from handle.resume(text), durably",
)
def request_human_feedback(
    original: Callable[..., Any],
    self: Flow[Any],
    message: str,
    output: Any,
    metadata: dict[str, Any] | None = None,
    emit: Any = None,
    method_name: str = "",
) -> str:
    run = _run()
    if not in_bridge():
        raise run.refuse("a @human_feedback method asked for feedback from a thread of its own; not supported")
    prompt = FlowFeedbackPrompt(
        method=str(method_name), output=_text(output), message=message, emit=list(emit) if emit else None
    )
    answer = run.calls.wait_for_input_sync(prompt.data())
    if answer is None:
        return ""
    if not isinstance(answer, str):
        raise run.refuse(f"human feedback for a flow must be text; the run was resumed with {answer!r}")
    return answer.strip()


@FLOW_POINTS.point(
    Flow,
    "_resolve_feedback_provider",
    side="workflow",
    why="a feedback provider pauses the flow by raising and resumes it from CrewAI's own persistence; a "
    "durable run waits durably instead, so a provider is refused",
)
def resolve_feedback_provider(original: Callable[..., Any], self: Flow[Any], definition: Any) -> Any:
    provider = original(self, definition)
    if provider is not None:
        raise _run().refuse(
            f"the @human_feedback of this flow has a feedback provider ({type(provider).__name__}); a durable flow "
            "waits for feedback durably (handle.pending_input() / handle.resume(text)): remove the provider"
        )
    return None


def _state(flow: Flow[Any]) -> Any:
    state = flow.state
    unwrap = getattr(state, "_unwrap", None)
    state = unwrap() if callable(unwrap) else state
    if isinstance(state, BaseModel):
        return {"model": reference(type(state)), "data": state.model_dump(mode="json")}
    return {"json": state}


@FLOW_POINTS.point(
    PersistenceDecorator,
    "persist_state",
    side="workflow",
    why="@persist saves the state through its backend (SQLite by default), file I/O; in a durable run "
    "each save is a persist activity: CrewAI's own save, on the worker, with the worker's backend",
)
def persist_state(
    original: Callable[..., Any], flow_instance: Flow[Any], method_name: str, backend: Any, verbose: bool = False
) -> None:
    run = _run()
    if not in_bridge():
        raise run.refuse("@persist saved a flow's state from a thread of its own; not supported")
    request = PersistRequest(method=str(method_name), state=_state(flow_instance))
    run.calls.tool_sync(PERSIST_KEY, request.data(), summary=f"persist · {method_name}")


def is_inside_event_loop(original: Callable[..., Any]) -> bool:
    return False if in_bridge() else bool(original())


for _module in _modules_asking_for_a_loop():
    FLOW_POINTS.point(
        _module,
        "is_inside_event_loop",
        side="workflow",
        why="a sync flow method runs on a thread of its own in a plain run, where Agent.kickoff and its executor "
        "find no loop and run synchronously; on the sync bridge the workflow's loop is visible and they would "
        "return a coroutine instead, so there it reads False, as in the thread",
    )(is_inside_event_loop)


@FLOW_POINTS.point(
    Flow,
    "kickoff",
    side="workflow",
    why="Flow.kickoff runs kickoff_async under asyncio.run, on a thread of its own when a loop is running "
    "(CrewAI's agent executor is a flow, kicked off from the sync Agent.kickoff); a thread cannot wait on "
    "an activity, so on the sync bridge the flow's kickoff_async is awaited on the workflow's loop instead",
)
def flow_kickoff(original: Callable[..., Any], self: Flow[Any], *args: Any, **kwargs: Any) -> Any:
    if not in_bridge():
        return original(self, *args, **kwargs)
    if getattr(self, "stream", False):
        raise _run().refuse(f"a streaming flow ({type(self).__name__}) was kicked off inside a durable flow")
    return await_only(self.kickoff_async(*args, **kwargs))


def _check(obj: Any) -> None:
    from ._keys import refuse_unsupported

    try:
        refuse_unsupported(obj)
    except UnsupportedError as exc:
        raise _run().refuse(f"inside the flow: {exc}") from None


_CHECKED_WHY = (
    "a crew or agent a flow method builds is unknown until it is kicked off; it is checked then, as "
    "durable(crew) checks a crew when it is wrapped, before any of its calls is made"
)


def check_then_kickoff(original: Callable[..., Any], self: Any, *args: Any, **kwargs: Any) -> Any:
    _check(self)
    return original(self, *args, **kwargs)


async def check_then_kickoff_async(original: Callable[..., Any], self: Any, *args: Any, **kwargs: Any) -> Any:
    _check(self)
    return await original(self, *args, **kwargs)


for _owner in (Crew, Agent):
    FLOW_POINTS.point(_owner, "kickoff", side="workflow", why=_CHECKED_WHY)(check_then_kickoff)
    for _name in ("kickoff_async", "akickoff"):
        FLOW_POINTS.point(_owner, _name, side="workflow", why=_CHECKED_WHY)(check_then_kickoff_async)


@FLOW_POINTS.point(
    builtins,
    "open",
    side="workflow",
    why="a file opened by a flow method's own code would be read or written inside the workflow, again on "
    "every replay; refused with the method's name",
)
def open_in_flow(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    codes = _FLOW_CODES.get()
    frame: Any = sys._getframe(1)
    # The caller is two frames up at most (the table's dispatcher, then whoever called open()).
    for _ in range(3):
        if frame is None:
            break
        if codes and frame.f_code in codes:
            raise UnsupportedError(
                f"the flow method {frame.f_code.co_name!r} opens a file ({args[0] if args else kwargs.get('file')!r}) "
                "directly; inside a durable flow that would run in the workflow, again on every replay. Do the "
                "file work in a tool the method's agent calls (each tool call is an activity), or read the file "
                "before kickoff and pass its content in inputs"
            )
        frame = frame.f_back
    return original(*args, **kwargs)


async def persist_on_worker(cls: type[Flow[Any]], data: dict[str, Any], known: dict[str, type]) -> dict[str, Any]:
    """A ``@persist`` save on the worker: a flow of the hosted class holding the run's state saves
    it through CrewAI's own ``_persist_method_completion`` (the backend its decorators name)."""
    from ._llm import decode_value
    from ._threads import in_thread

    request = PersistRequest.model_validate(data)
    state = decode_value(request.state, known)

    def save() -> None:
        flow = cls()
        flow._restore_state(state.model_dump() if isinstance(state, BaseModel) else dict(state))
        flow._persist_method_completion(request.method)  # type: ignore[arg-type]

    await in_thread(save)
    return {"result": {"plain": None}}

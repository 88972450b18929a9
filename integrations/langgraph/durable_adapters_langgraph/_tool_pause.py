"""``interrupt()`` in a tool: the tool runs in an activity, the pause happens in the workflow.

LangGraph's ``interrupt()`` reads the answers of the running task from the task's scratchpad
(``config["configurable"]["__pregel_scratchpad"]``): the answers given so far, in the order of
the task's ``interrupt()`` calls, and the run's answer not yet taken (``Command(resume=value)``).
A tool runs in an activity, where no task exists, so:

* **Workflow side**, before the tool call: :func:`snapshot` copies what the task's scratchpad
  holds (how many ``interrupt()`` calls the task made, its answers, the pending answer) into the
  request (:class:`ToolPause`), only when there is an answer to give.
* **Activity side**: :func:`activity_config` gives the tool a scratchpad with the same answers,
  so LangGraph's own ``interrupt()`` runs in the tool and returns the same values (validated
  against its ``response_schema``), or raises ``GraphInterrupt`` where the answers run out: the
  activity reports that (:func:`asked`) instead of a result, as :class:`ToolAsked`.
* **Workflow side**, after it: :func:`replay_in_task` calls LangGraph's own ``interrupt()`` in
  the tool's place as many times as the tool did, so the task takes the same answers (LangGraph
  writes them to the checkpoint itself) and, where the tool stopped, raises LangGraph's own
  ``GraphInterrupt`` with LangGraph's own interrupt id. ``ToolNode`` and ``create_agent`` let it
  through; the run waits durably (``_graph``), and on ``Command(resume=...)`` the task runs again
  and the tool is called again with the answer, as LangGraph calls it again.

Tool calls of one task that run concurrently (a ``ToolNode`` given several tool calls) take the
task's answers one at a time, in the order they started, as LangGraph's tools would.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from langgraph._internal._constants import CONFIG_KEY_CHECKPOINT_NS, CONFIG_KEY_SCRATCHPAD, CONFIG_KEY_SEND
from langgraph._internal._scratchpad import PregelScratchpad
from langgraph.errors import GraphInterrupt
from langgraph.pregel._algo import LazyAtomicCounter

from durable_adapters.adapter import UnsupportedError

from ._payloads import ToolAsked, ToolPause
from ._values import decode, encode

# -- workflow side ---------------------------------------------------------------------------


def task_scratchpad() -> PregelScratchpad | None:
    """The scratchpad of the LangGraph task the caller runs in, if any."""
    from langgraph.config import get_config

    try:
        scratchpad = get_config().get("configurable", {}).get(CONFIG_KEY_SCRATCHPAD)
    except RuntimeError:  # not inside a runnable at all
        return None
    return scratchpad if isinstance(scratchpad, PregelScratchpad) else None


def _interrupts_made(scratchpad: PregelScratchpad) -> int:
    """How many ``interrupt()`` calls the task made so far, without counting one more."""
    counter = scratchpad.interrupt_counter
    if not isinstance(counter, LazyAtomicCounter):
        raise UnsupportedError(
            "interrupt() in a tool: this langgraph's task scratchpad keeps its interrupt count in a "
            f"{type(counter).__name__}, which this adapter does not know; use a supported langgraph release"
        )
    made = counter()
    counter._counter = itertools.count(made).__next__  # give back the one just counted
    return made


def has_answers(scratchpad: PregelScratchpad | None) -> bool:
    """Whether the task holds anything a tool's ``interrupt()`` would read."""
    if scratchpad is None:
        return False
    return bool(scratchpad.resume) or scratchpad.get_null_resume(False) is not None or _interrupts_made(scratchpad) > 0


def snapshot(scratchpad: PregelScratchpad | None) -> ToolPause | None:
    """What the tool's ``interrupt()`` must find in the activity; None when it would find nothing."""
    if not has_answers(scratchpad):
        return None
    assert scratchpad is not None
    pending = scratchpad.get_null_resume(False)
    return ToolPause(
        index=_interrupts_made(scratchpad),
        resume=[encode(value) for value in scratchpad.resume],
        pending=[] if pending is None else [encode(pending)],
    )


def replay_in_task(asked: ToolAsked | None) -> None:
    """In the workflow, in the tool's place: the ``interrupt()`` calls the tool made, made again
    with LangGraph's own ``interrupt()`` — the answered ones take the task's answers, the one
    that stopped raises LangGraph's ``GraphInterrupt``."""
    if asked is None:
        return
    from langgraph.types import interrupt

    for _ in range(asked.answered):
        interrupt(None)  # returns the answer the tool got; LangGraph records it in the task
    if asked.stopped:
        schema = {"response_schema": asked.response_schema} if asked.response_schema is not None else {}
        interrupt(decode(asked.value), **schema)


class TaskLocks:
    """One lock per task scratchpad: concurrent tool calls of one task that has answers take
    them one at a time (kept by the run, so never shared between runs)."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[PregelScratchpad, asyncio.Lock]] = {}

    def lock(self, scratchpad: PregelScratchpad) -> asyncio.Lock:
        found = self._locks.get(id(scratchpad))
        if found is None or found[0] is not scratchpad:
            found = (scratchpad, asyncio.Lock())
            self._locks[id(scratchpad)] = found
        return found[1]


# -- activity side ---------------------------------------------------------------------------


class _Counter:
    """The activity's interrupt counter: it goes on from the task's count and counts the calls."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.start + self.calls - 1


@contextmanager
def activity_config(config: dict[str, Any], pause: ToolPause | None) -> Iterator[tuple[dict[str, Any], _Counter]]:
    """``config`` with a task scratchpad holding ``pause``'s answers, for the tool's ``interrupt()``;
    the counter tells afterwards how many ``interrupt()`` calls the tool made."""
    pending = [decode(value) for value in pause.pending] if pause is not None else []
    counter = _Counter(pause.index if pause is not None else 0)

    def get_null_resume(consume: bool = False) -> Any:
        if not pending:
            return None
        return pending.pop() if consume else pending[0]

    scratchpad = PregelScratchpad(
        step=0,
        stop=0,
        call_counter=LazyAtomicCounter(),
        interrupt_counter=counter,
        get_null_resume=get_null_resume,
        resume=[decode(value) for value in pause.resume] if pause is not None else [],
        subgraph_counter=LazyAtomicCounter(),
    )
    send: Callable[[Any], None] = lambda _writes: None  # noqa: E731 - the workflow writes them (replay_in_task)
    configurable = {
        **(config.get("configurable") or {}),
        CONFIG_KEY_SCRATCHPAD: scratchpad,
        CONFIG_KEY_SEND: send,
        CONFIG_KEY_CHECKPOINT_NS: "",  # the id of an interrupt is LangGraph's, made in the workflow
    }
    yield {**config, "configurable": configurable}, counter


def asked(counter: _Counter, stopped: GraphInterrupt | None) -> ToolAsked | None:
    """What the tool's ``interrupt()`` calls were, for the workflow; None when it made none."""
    if stopped is None:
        if counter.calls == 0:
            return None
        return ToolAsked(answered=counter.calls)
    interrupts = stopped.args[0] if stopped.args else ()
    first = interrupts[0] if interrupts else None
    return ToolAsked(
        answered=max(counter.calls - 1, 0),  # 0 calls: a graph the tool runs stopped in its own task
        stopped=True,
        value=encode(getattr(first, "value", None)),
        response_schema=getattr(first, "response_schema", None),
    )

"""``human_input=True``: the task's feedback is asked of ``RunHandle``, not of the terminal.

CrewAI asks for feedback on an agent's final answer through its human-input provider, which
reads the terminal (``input()``). Inside a durable run the provider's prompt instead waits
durably (``DurableCalls.wait_for_input``): the run shows the prompt in
``await handle.pending_input()`` and continues when a client calls ``await handle.resume(text)``
— minutes or days later, on whichever worker is up then. CrewAI's own feedback loop is
unchanged: an empty answer accepts the result, any other text is given to the agent, which
answers again and is asked again.

The prompt (JSON)::

    {"kind": "crewai.human_feedback", "agent": "<role>", "task": "<task description>",
     "output": "<the answer to review>", "message": "<CrewAI's instructions>"}
"""

from __future__ import annotations

import contextvars
from contextlib import AbstractContextManager
from typing import Any

from durable_adapters.adapter import UnsupportedError, in_bridge, scoped

from ._payloads import HumanPrompt
from ._run import CrewRun, current

MESSAGE = (
    "Provide feedback on the final result. Resume with an empty string to accept it, "
    "or with improvement requests to have the agent revise it."
)

_EXECUTOR: contextvars.ContextVar[Any] = contextvars.ContextVar("durable_crewai_feedback_executor", default=None)


def _prompt() -> dict[str, Any]:
    executor = _EXECUTOR.get()
    answer = getattr(getattr(executor, "state", None), "current_answer", None)
    output = getattr(answer, "output", None)
    if output is not None and not isinstance(output, str):
        output = output.model_dump_json() if hasattr(output, "model_dump_json") else str(output)
    task = getattr(executor, "task", None)
    agent = getattr(executor, "agent", None)
    return HumanPrompt(
        agent=getattr(agent, "role", None),
        task=getattr(task, "description", None),
        output=output,
        message=MESSAGE,
    ).data()


def _answer_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UnsupportedError(f"human feedback for a CrewAI task must be text; the run was resumed with {value!r}")
    return value


def reviewing(executor: Any) -> AbstractContextManager[None]:
    """While the block runs, ``executor``'s answer is the one the prompt shows."""
    return scoped(_EXECUTOR, executor)


def _run() -> CrewRun:
    run = current()
    assert run is not None  # the table's replacements act only inside a run
    return run


def ask_sync() -> str:
    """CrewAI's terminal prompt inside a durable run: a durable wait (the sync bridge waits)."""
    run = _run()
    if not in_bridge():
        raise run.refuse("CrewAI asked for human input from a thread it started; not supported")
    return _answer_text(run.calls.wait_for_input_sync(_prompt()))


async def ask() -> str:
    """The async prompt inside a durable run: a durable wait for ``handle.resume(...)``."""
    return _answer_text(await _run().calls.wait_for_input(_prompt()))

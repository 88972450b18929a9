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
import threading
from typing import Any

from crewai.core.providers.human_input import SyncHumanInputProvider

from durable_adapters import UnsupportedError
from durable_adapters._scoped import scoped
from durable_adapters._sync_bridge import in_bridge

from ._run import current

MESSAGE = (
    "Provide feedback on the final result. Resume with an empty string to accept it, "
    "or with improvement requests to have the agent revise it."
)

_EXECUTOR: contextvars.ContextVar[Any] = contextvars.ContextVar("durable_crewai_feedback_executor", default=None)
_installed = False
_lock = threading.Lock()


def _prompt() -> dict[str, Any]:
    executor = _EXECUTOR.get()
    answer = getattr(getattr(executor, "state", None), "current_answer", None)
    output = getattr(answer, "output", None)
    if output is not None and not isinstance(output, str):
        output = output.model_dump_json() if hasattr(output, "model_dump_json") else str(output)
    task = getattr(executor, "task", None)
    agent = getattr(executor, "agent", None)
    return {
        "kind": "crewai.human_feedback",
        "agent": getattr(agent, "role", None),
        "task": getattr(task, "description", None),
        "output": output,
        "message": MESSAGE,
    }


def _answer_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UnsupportedError(f"human feedback for a CrewAI task must be text; the run was resumed with {value!r}")
    return value


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        cls = SyncHumanInputProvider
        original_feedback, original_afeedback = cls.handle_feedback, cls.handle_feedback_async
        original_prompt, original_aprompt = cls._prompt_input, cls._prompt_input_async

        def handle_feedback(self: Any, formatted_answer: Any, context: Any) -> Any:
            with scoped(_EXECUTOR, context):
                return original_feedback(self, formatted_answer, context)

        async def handle_feedback_async(self: Any, formatted_answer: Any, context: Any) -> Any:
            with scoped(_EXECUTOR, context):
                return await original_afeedback(self, formatted_answer, context)

        def prompt_input(crew: Any) -> str:
            run = current()
            if run is None:
                return original_prompt(crew)
            if not in_bridge():
                raise run.refuse("CrewAI asked for human input from a thread it started; not supported")
            return _answer_text(run.calls.wait_for_input_sync(_prompt()))

        async def prompt_input_async(crew: Any) -> str:
            run = current()
            if run is None:
                return await original_aprompt(crew)
            return _answer_text(await run.calls.wait_for_input(_prompt()))

        # What each replaced, for _internals.check (which must see CrewAI's own code).
        handle_feedback.__durable_original__ = original_feedback  # type: ignore[attr-defined]
        handle_feedback_async.__durable_original__ = original_afeedback  # type: ignore[attr-defined]
        prompt_input.__durable_original__ = original_prompt  # type: ignore[attr-defined]
        prompt_input_async.__durable_original__ = original_aprompt  # type: ignore[attr-defined]
        cls.handle_feedback = handle_feedback  # type: ignore[method-assign]
        cls.handle_feedback_async = handle_feedback_async  # type: ignore[method-assign]
        cls._prompt_input = staticmethod(prompt_input)  # type: ignore[method-assign]
        cls._prompt_input_async = staticmethod(prompt_input_async)  # type: ignore[method-assign]
        _installed = True

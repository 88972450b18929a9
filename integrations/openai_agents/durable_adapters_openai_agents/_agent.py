"""``durable(agent)``: the agent, called the way ``Runner`` calls it."""

from __future__ import annotations

from typing import Any

from agents import Agent, RunResult
from agents.run import DEFAULT_MAX_TURNS
from pydantic_core import to_jsonable_python

from durable_adapters.adapter import DurableCore, RunHandle, UnsupportedError, run_sync

from ._payloads import RunPayload
from ._run_context import encode_context


class DurableAgent:
    """A durable OpenAI Agents ``Agent``: ``run`` / ``run_sync`` like ``Runner``, ``start`` for a handle.

    Each call is one durable run. ``run_id`` names it: calling again with the ``run_id`` of a
    running run attaches to it, with that of a finished run returns its result from history.
    """

    def __init__(self, core: DurableCore) -> None:
        self.__durable_core__ = core

    @property
    def agent(self) -> Agent[Any]:
        """The user's agent (never modified)."""
        return self.__durable_core__.hosted.obj  # type: ignore[no-any-return]

    @property
    def name(self) -> str:
        """The name workers host this agent under."""
        return self.__durable_core__.name

    async def start(
        self,
        input: str | list[Any],
        *,
        context: Any = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        run_id: str | None = None,
        **unsupported: Any,
    ) -> RunHandle[RunResult]:
        """Start a run and return its handle at once (``await handle.result()`` for the ``RunResult``)."""
        if unsupported:
            raise UnsupportedError(
                f"durable runs do not take {sorted(unsupported)} yet; supported: input, context, "
                "max_turns, run_id (hooks, sessions and run_config hold live objects that cannot "
                "cross into a workflow's history)"
            )
        try:
            encoded_input = to_jsonable_python(input)
        except Exception as exc:
            raise UnsupportedError(
                f"the run input cannot be written as JSON ({exc}); pass a string or a list of "
                "input items (dicts), as Runner.run accepts"
            ) from exc
        payload = RunPayload(input=encoded_input, context=encode_context(context), max_turns=max_turns)
        return await self.__durable_core__.start(payload.data(), run_id=run_id)

    async def run(self, input: str | list[Any], **kwargs: Any) -> RunResult:
        """Run the agent durably and return the SDK's ``RunResult`` (``final_output``, ``new_items``...)."""
        handle = await self.start(input, **kwargs)
        return await handle.result()

    def run_sync(self, input: str | list[Any], **kwargs: Any) -> RunResult:
        """:meth:`run` from sync code."""
        return run_sync(self.run(input, **kwargs))

    def __repr__(self) -> str:
        return f"durable({self.agent!r}, name={self.name!r})"

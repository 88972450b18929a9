"""The handle ``DurableAgent.start`` returns: the core's ``RunHandle``, raising the SDK's exceptions."""

from __future__ import annotations

from typing import Any, cast

from agents import Agent, RunResult

from durable_adapters import RunFailedError
from durable_adapters.adapter import RunHandle

from ._errors import raised_again


class AgentRunHandle(RunHandle[RunResult]):
    """A run handle whose :meth:`result` raises what ``Runner.run`` raises for the same run.

    A run that ended in one of the SDK's exceptions (``MaxTurnsExceeded``, a guardrail's
    tripwire...) raises it rebuilt (see ``_errors``), also a ``RunFailedError``; any other failure
    raises the core's ``RunFailedError``. Everything else is the core's ``RunHandle``.
    """

    _agents: dict[str, Agent[Any]]

    async def result(self) -> RunResult:
        try:
            return await super().result()
        except RunFailedError as failure:
            error = raised_again(failure, self._agents)
            if error is failure:
                raise
            raise error from failure


def agent_run_handle(handle: RunHandle[RunResult], agents: dict[str, Agent[Any]]) -> AgentRunHandle:
    """``handle`` (made by the core, whose constructor arguments are the core's own) as an :class:`AgentRunHandle`."""
    # The class is switched on the core's fresh handle rather than a copy made: the handle keeps
    # its own state (the workflow handle, the embedded worker's stop callback) exactly as built.
    cast(Any, handle).__class__ = AgentRunHandle
    agent_handle = cast(AgentRunHandle, handle)
    agent_handle._agents = agents
    return agent_handle

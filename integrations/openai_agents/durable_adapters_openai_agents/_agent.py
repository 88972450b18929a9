"""``durable(agent)``: the agent, called the way ``Runner`` calls it."""

from __future__ import annotations

import asyncio
from typing import Any

from agents import Agent, AgentOutputSchema, RunConfig, RunContextWrapper, RunResult, RunResultStreaming
from agents.agent_output import AgentOutputSchemaBase
from agents.run import DEFAULT_MAX_TURNS
from agents.run_state import RunState
from pydantic_core import to_jsonable_python

from durable_adapters.adapter import DurableCore, RunHandle, UnsupportedError, run_sync

from . import _approval, _session
from ._agent_graph import HostedAgents
from ._payloads import RunPayload
from ._run_config import encode_run_config
from ._run_context import encode_context
from ._stream_events import follow


class DurableAgent:
    """A durable OpenAI Agents ``Agent``: ``run`` / ``run_sync`` / ``run_streamed`` like ``Runner``,
    ``start`` for a handle.

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
        input: str | list[Any] | RunState[Any],
        *,
        context: Any = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        run_config: RunConfig | None = None,
        run_id: str | None = None,
        session: Any = None,
        **unsupported: Any,
    ) -> RunHandle[RunResult]:
        """Start a run and return its handle at once (``await handle.result()`` for the ``RunResult``;
        it raises the SDK's own exceptions, as :meth:`run` does).

        ``input`` may be the ``RunState`` of a run paused for tool approvals (``result.to_state()``
        after ``approve`` / ``reject``): the decisions go to that run, which goes on.
        """
        if isinstance(input, RunState):
            resumed, _ = await _approval.resume(self.__durable_core__, input, run_id)
            return resumed
        payload = _payload(input, context, max_turns, run_config, unsupported, stream=False, session=session)
        _check_before_start(self.agent)
        core = self.__durable_core__
        return await core.start(payload.data(), run_id=run_id)

    async def run(self, input: str | list[Any] | RunState[Any], **kwargs: Any) -> RunResult:
        """Run the agent durably and return the SDK's ``RunResult`` (``final_output``, ``new_items``...).

        A run that ends in one of the SDK's exceptions raises it, as ``Runner.run`` does
        (``MaxTurnsExceeded``, ``InputGuardrailTripwireTriggered`` with its ``guardrail_result``...),
        as an instance that is also a ``RunFailedError`` (see ``_errors``).

        As ``Runner.run``, a run that reaches tool calls needing approval returns a result with
        ``interruptions``; the run itself waits durably (see ``_approval``). Decide on
        ``result.to_state()`` and pass the state here to go on.
        """
        agents = self.__durable_core__.hosted.state.by_name
        after_round = 0
        handle: RunHandle[RunResult]
        if isinstance(input, RunState):
            handle, after_round = await _approval.resume(self.__durable_core__, input, kwargs.get("run_id"))
        else:
            handle = await self.start(input, **kwargs)
        if not _approval.needs_approval(agents):
            return await handle.result()
        return await _approval.outcome(handle, agents, after_round=after_round)

    def run_sync(self, input: str | list[Any] | RunState[Any], **kwargs: Any) -> RunResult:
        """:meth:`run` from sync code."""
        return run_sync(self.run(input, **kwargs))

    def run_streamed(
        self,
        input: str | list[Any],
        *,
        context: Any = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        run_config: RunConfig | None = None,
        run_id: str | None = None,
        session: Any = None,
        **unsupported: Any,
    ) -> RunResultStreaming:
        """Run the agent durably, streamed, as ``Runner.run_streamed``: a ``RunResultStreaming`` at once.

        ``stream_events()`` yields the SDK's own events in a plain streamed run's order: each raw
        model event (token deltas...) as the model activity receives it, and the run items and
        agent changes as the workflow's loop produces them. After the stream, ``final_output``,
        ``new_items``, ``raw_responses``... are the run's. A run that fails raises
        ``RunFailedError`` from ``stream_events()``. ``run_id`` of a running run attaches to it:
        the events so far are replayed (calls already finished as their completed event), then
        live ones follow. A model call retried after its worker was lost yields a
        :class:`~durable_adapters_openai_agents.ModelCallRestarted` before its new events.
        Call it with an event loop running, as ``Runner.run_streamed``.
        """
        payload = _payload(input, context, max_turns, run_config, unsupported, stream=True, session=session)
        _check_before_start(self.agent)
        core = self.__durable_core__
        state: HostedAgents = core.hosted.state
        if _approval.needs_approval(state.by_name):
            raise UnsupportedError(
                "run_streamed of an agent with tools that need approval (needs_approval=...) is not "
                "supported yet; use run() (it returns the interruptions and goes on from result.to_state())"
            )
        agent = self.agent
        streamed = RunResultStreaming(
            input=input,
            new_items=[],
            raw_responses=[],
            final_output=None,
            input_guardrail_results=[],
            output_guardrail_results=[],
            tool_input_guardrail_results=[],
            tool_output_guardrail_results=[],
            context_wrapper=RunContextWrapper(context=context),
            current_agent=agent,
            current_turn=0,
            max_turns=max_turns,
            _current_agent_output_schema=None,
            trace=None,
        )
        streamed.run_loop_task = asyncio.get_running_loop().create_task(
            follow(lambda: core.start(payload.data(), run_id=run_id), streamed, state.by_name)
        )
        return streamed

    def __repr__(self) -> str:
        return f"durable({self.agent!r}, name={self.name!r})"


def _payload(
    input: str | list[Any],
    context: Any,
    max_turns: int,
    run_config: RunConfig | None,
    unsupported: dict[str, Any],
    *,
    stream: bool,
    session: Any = None,
) -> RunPayload:
    if unsupported:
        raise UnsupportedError(
            f"durable runs do not take {sorted(unsupported)} yet; supported: input, context, "
            "max_turns, run_config (its plain settings), run_id, session (hooks hold live objects "
            "that cannot cross into a workflow's history)"
        )
    encoded_config = encode_run_config(run_config)
    try:
        encoded_input = to_jsonable_python(input)
    except Exception as exc:
        raise UnsupportedError(
            f"the run input cannot be written as JSON ({exc}); pass a string or a list of "
            "input items (dicts), as Runner.run accepts"
        ) from exc
    ref = None
    if session is not None:
        ref = _session.session_ref(session).model_dump()
        _session.host_session(session)  # the embedded worker of this process uses it as it is
    return RunPayload(
        input=encoded_input,
        context=encode_context(context),
        max_turns=max_turns,
        stream=stream,
        run_config=encoded_config,
        session=ref,
    )


def _check_before_start(agent: Agent[Any]) -> None:
    """Raise what the SDK raises for ``agent`` before its first model call, before a workflow starts.

    A plain run builds the starting agent's output schema first and raises ``UserError`` when it
    cannot (a type the strict JSON schema does not allow): no model call is paid for, and no
    durable run should be started for it either.
    """
    if agent.output_type is not None and agent.output_type is not str:
        if not isinstance(agent.output_type, AgentOutputSchemaBase):
            AgentOutputSchema(agent.output_type)

"""Human approval of tool calls (``needs_approval``): the run pauses durably until a person decides.

In a plain run the SDK stops at a tool call that needs approval and returns a result whose
``interruptions`` list the pending calls; the caller approves or rejects them on
``result.to_state()`` and calls ``Runner.run(agent, state)`` to go on. A durable run keeps that
flow, but the run itself never ends at an interruption:

* In the workflow, :func:`run_until_decided` runs the SDK's loop; when it stops at
  interruptions, the run waits for input (``DurableCalls.wait_for_input``: no worker is busy, a
  worker restart replays the finished calls from history). ``RunHandle.pending_input()`` shows
  an :class:`ApprovalPrompt`. The answer (:class:`ApprovalAnswer`) is applied to
  ``result.to_state()`` with the SDK's own ``approve`` / ``reject``, and the SDK's loop goes on
  with ``Runner.run(agent, state)``, exactly as the plain caller's second call: no model call is
  repeated, an approved tool runs once, a rejected one never.
* On the client, ``durable(agent).run(...)`` returns, when the run waits, a ``RunResult`` with the
  SDK's ``interruptions`` (:func:`paused_result`). ``durable(agent).run(state)`` reads the
  decisions the caller made on that state (:func:`answer_from_state`) and resumes the same run;
  ``handle.resume(ApprovalAnswer(...).model_dump())`` does the same from any process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from agents import Agent, RunResult
from agents.items import ToolApprovalItem
from agents.result import RunResultBase
from agents.run_state import RunState
from pydantic import BaseModel
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from durable_adapters.adapter import ConfigurationError, DurableCalls, DurableCore, RunHandle

from . import _mcp, _result
from ._payloads import RunResultData

APPROVAL_KIND: Literal["openai_agents.tool_approval"] = "openai_agents.tool_approval"
"""``ApprovalPrompt.kind`` (persisted: clients of other releases read it from the query)."""

_RUN_ID = "_durable_run_id"
"""Attribute set on the context wrapper of the result a paused durable run returns: which run to
resume. ``to_state()`` copies the wrapper (``copy.copy``, attributes included) into the state."""


class PendingToolCall(BaseModel):
    """One tool call waiting for a decision, as a person reads it."""

    agent: str
    tool_name: str | None
    call_id: str | None
    arguments: str | None


class ApprovalPrompt(BaseModel):
    """What ``RunHandle.pending_input()`` returns while a run waits for tool approvals."""

    kind: Literal["openai_agents.tool_approval"] = APPROVAL_KIND
    round: int
    """1 for the run's first pause, 2 for the next...: a client waits for a round after the one it answered."""
    pending: list[PendingToolCall]
    interruptions: list[dict[str, Any]]
    """The SDK's ``ToolApprovalItem``\\ s, written as ``_result`` writes run items."""
    result: dict[str, Any]
    """The run so far (``RunResultData``), from which the client builds the paused ``RunResult``."""


class ApprovalAnswer(BaseModel):
    """The answer ``RunHandle.resume(...)`` takes: call ids to approve or reject.

    ``always_approve`` / ``always_reject`` are the SDK's ``approve(item, always_approve=True)`` /
    ``reject(item, always_reject=True)``; ``rejection_messages`` its ``reject(item,
    rejection_message=...)``. A pending call named nowhere stays pending: the run asks again.
    """

    approve: list[str] = []
    reject: list[str] = []
    always_approve: list[str] = []
    always_reject: list[str] = []
    rejection_messages: dict[str, str] = {}


def needs_approval(agents: dict[str, Agent[Any]]) -> bool:
    """Whether any tool of the graph may ask for approval: a function tool's ``needs_approval``
    or an MCP server's ``require_approval`` (whose tools the SDK gives ``needs_approval``)."""
    return any(
        getattr(tool, "needs_approval", False) is not False for agent in agents.values() for tool in agent.tools
    ) or any(_mcp.requires_approval(server) for agent in agents.values() for server in agent.mcp_servers)


# -- workflow side ---------------------------------------------------------------------------


async def run_until_decided(
    first: Awaitable[RunResultBase],
    go_on: Callable[[RunState[Any]], Awaitable[RunResultBase]],
    calls: DurableCalls,
) -> RunResultBase:
    """The run's result once no interruption is left, waiting durably for each round of decisions."""
    result = await first
    round = 0
    while getattr(result, "interruptions", None):
        round += 1
        interruptions: list[ToolApprovalItem] = list(result.interruptions)  # type: ignore[attr-defined]
        prompt = ApprovalPrompt(
            round=round,
            pending=[_pending(item) for item in interruptions],
            interruptions=[_result.encode_run_item(item) for item in interruptions],
            result=_result.encode_result(result).data(),
        )
        answer = ApprovalAnswer.model_validate(await calls.wait_for_input(prompt.model_dump(mode="json")))
        state = result.to_state()  # type: ignore[attr-defined]
        for item in interruptions:
            _apply(state, item, answer)
        result = await go_on(state)
    return result


def _pending(item: ToolApprovalItem) -> PendingToolCall:
    return PendingToolCall(
        agent=item.agent.name, tool_name=item.tool_name, call_id=item.call_id, arguments=item.arguments
    )


def _apply(state: RunState[Any], item: ToolApprovalItem, answer: ApprovalAnswer) -> None:
    call_id = item.call_id or ""
    if call_id in answer.approve or call_id in answer.always_approve:
        state.approve(item, always_approve=call_id in answer.always_approve)
    elif call_id in answer.reject or call_id in answer.always_reject:
        message = answer.rejection_messages.get(call_id)
        state.reject(item, always_reject=call_id in answer.always_reject, rejection_message=message)


# -- client side -----------------------------------------------------------------------------


def paused_result(prompt: ApprovalPrompt, agents: dict[str, Agent[Any]], run_id: str) -> RunResult:
    """The ``RunResult`` a plain run returns at these interruptions; its context knows the run."""
    result = _result.decode_result(RunResultData.model_validate(prompt.result), agents)
    result.interruptions = [_result.decode_run_item(data, agents) for data in prompt.interruptions]  # type: ignore[misc]
    setattr(result.context_wrapper, _RUN_ID, run_id)
    return result


def run_id_of(state: RunState[Any]) -> str | None:
    """The durable run a state from a paused durable run's ``to_state()`` belongs to."""
    run_id = getattr(state._context, _RUN_ID, None)
    return run_id if isinstance(run_id, str) else None


def answer_from_state(state: RunState[Any]) -> ApprovalAnswer:
    """The decisions the caller made on ``state`` with ``approve`` / ``reject``."""
    context = state._context
    if context is None:
        raise ConfigurationError("the RunState has no context: make it with result.to_state()")
    answer = ApprovalAnswer()
    for item in state.get_interruptions():
        call_id, tool_name = item.call_id, item.tool_name
        if call_id is None or tool_name is None:
            continue
        status = context.is_tool_approved(tool_name, call_id)
        # A decision that also holds for a call id never seen is sticky (always_approve/always_reject).
        always = context.is_tool_approved(tool_name, f"{call_id}::durable-probe") == status
        if status is True:
            (answer.always_approve if always else answer.approve).append(call_id)
        elif status is False:
            (answer.always_reject if always else answer.reject).append(call_id)
            get_message = getattr(context, "get_rejection_message", None)  # not in every SDK release
            message = get_message(tool_name, call_id) if get_message is not None else None
            if message is not None:
                answer.rejection_messages[call_id] = message
    return answer


async def outcome(
    handle: RunHandle[RunResult], agents: dict[str, Agent[Any]], *, after_round: int = 0, poll_interval: float = 0.1
) -> RunResult:
    """The run's result, or the paused result as soon as it waits for a round after ``after_round``.

    While it waits no worker is busy and the client holds no worker lease: the result wait is
    cancelled, and resuming attaches again.
    """
    finished = asyncio.ensure_future(handle.result())
    try:
        while True:
            await asyncio.wait({finished}, timeout=poll_interval)
            if finished.done():
                return finished.result()
            try:
                pending = await handle.pending_input()
            except (WorkflowQueryFailedError, RPCError):
                continue  # no workflow task has run yet
            if isinstance(pending, dict) and pending.get("kind") == APPROVAL_KIND:
                prompt = ApprovalPrompt.model_validate(pending)
                if prompt.round > after_round:
                    return paused_result(prompt, agents, handle.run_id)
    finally:
        if not finished.done():
            finished.cancel()
            await asyncio.wait({finished})
        elif not finished.cancelled():
            finished.exception()  # retrieved here; the caller got the result or the paused result


async def round_of(handle: RunHandle[Any]) -> int:
    """The round the run waits on now (0 when it does not wait for approvals)."""
    pending = await handle.pending_input()
    if isinstance(pending, dict) and pending.get("kind") == APPROVAL_KIND:
        return ApprovalPrompt.model_validate(pending).round
    return 0


async def resume(core: DurableCore, state: RunState[Any], run_id: str | None) -> tuple[RunHandle[RunResult], int]:
    """Send the decisions made on ``state`` to its paused run; the run's handle and the round answered."""
    run_id = run_id or run_id_of(state)
    if run_id is None:
        raise ConfigurationError(
            "this RunState does not come from a paused durable run (a state rebuilt with "
            "RunState.from_json/from_string does not say which run it is): pass run_id=handle.run_id"
        )
    answer = answer_from_state(state)
    handle: RunHandle[RunResult] = await core.attach(run_id)
    round = await round_of(handle)
    if round:
        await handle.resume(answer.model_dump())
    return handle, round

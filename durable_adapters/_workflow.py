"""The one workflow that runs every framework's agent loop.

The workflow finds the hosted object in the worker's registry and lets its adapter run the
framework's own loop, with every model and tool call leaving as an activity. Inside it, the
determinism guard and the sync bridge are active. A run that cannot succeed — the worker does
not host the name, the framework raised, a construct is unsupported — fails at once with the
reason, instead of failing its workflow task (which Temporal would retry forever).
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError

from . import _determinism, _sync_bridge
from ._calls import DurableCallError, DurableCalls
from ._channel import EventsPage, RunChannel, StreamPage
from ._errors import ConfigurationError, qualified_name
from ._names import EVENTS_QUERY, PENDING_INPUT_QUERY, RESUME_UPDATE, STREAM_QUERY, WORKFLOW_TYPE
from ._payloads import RunInput, RunOutput
from ._registry import REGISTRY, Hosted, other_definition


@workflow.defn(name=WORKFLOW_TYPE)
class AgentLoopWorkflow:
    """Runs one framework call (an agent run, a graph invocation, a crew kickoff) durably."""

    def __init__(self) -> None:
        self._channel = RunChannel()

    @workflow.update(name=RESUME_UPDATE)
    async def resume(self, value: Any) -> None:
        """Answer the input the run is waiting for."""
        self._channel.answer(value)

    @resume.validator
    def _only_when_waiting(self, value: Any) -> None:
        # Rejected before it reaches history: an answer nobody asked for would be consumed by a
        # later, unrelated question.
        if self._channel.pending is None:
            raise ValueError("this run is not waiting for input")

    @workflow.query(name=PENDING_INPUT_QUERY)
    def pending_input(self) -> dict[str, Any] | None:
        """What the run is waiting for, or None."""
        return self._channel.pending

    @workflow.query(name=EVENTS_QUERY)
    def events(self, after: int) -> EventsPage:
        """Progress events emitted after index ``after``."""
        return self._channel.page(after)

    @workflow.query(name=STREAM_QUERY)
    def stream(self, after: int) -> StreamPage:
        """The run's stream (events, and where streamed calls start and end) from index ``after``."""
        return self._channel.stream_page(after)

    @workflow.run
    async def run(self, run: RunInput) -> RunOutput:
        hosted = REGISTRY.get(run.hosted, run.definition)
        if hosted is None:
            error = ConfigurationError(
                f"no worker on task queue {workflow.info().task_queue!r} hosts {run.hosted!r} "
                f"(this one hosts {', '.join(REGISTRY.names()) or 'nothing'}). Start a worker that "
                "hosts it (durable-adapters worker MODULE:ATTR) or use the task queue its worker polls."
            )
            raise ApplicationError(str(error), type=qualified_name(error), non_retryable=True)
        if hosted.adapter.framework != run.framework:
            raise ApplicationError(
                f"{run.hosted!r} is a {hosted.adapter.framework} object on this worker, "
                f"but the run was started for {run.framework}",
                type=qualified_name(ConfigurationError),
                non_retryable=True,
            )
        if _started_with_another_definition(run, hosted):
            error = ConfigurationError(other_definition(run.hosted))
            raise ApplicationError(str(error), type=qualified_name(error), non_retryable=True)
        calls = DurableCalls(run, self._channel, alongside=REGISTRY.is_alongside(hosted))
        continuation = calls.continuation
        with _determinism.guarded(continuation.now), _sync_bridge.bridged_executor():
            # The loop runs as a task so the run can continue as new while it is parked on a
            # call (see _continue_as_new); a fast-forward answers carried calls alongside it.
            loop = asyncio.ensure_future(hosted.adapter.run(hosted, run.payload, calls))
            fast_forward = asyncio.ensure_future(continuation.deliver())
            try:
                await workflow.wait_condition(
                    lambda: loop.done() or continuation.carry is not None or continuation.divergence is not None
                )
            except asyncio.CancelledError:
                # The run is cancelled: cancel the loop's calls and let the loop end with it.
                fast_forward.cancel()
                loop.cancel()
                await asyncio.wait([loop])
                raise
        fast_forward.cancel()
        divergence = continuation.divergence or (continuation.unused() if loop.done() else None)
        if divergence is not None:
            raise ApplicationError(divergence, type="NondeterminismError", non_retryable=True)
        if not loop.done():
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(run.model_copy(update={"carried": continuation.carry}))
        try:
            if calls.refusal is not None:
                # Framework code may have swallowed it and finished another way: the run fails with it.
                raise calls.refusal from None
            payload = loop.result()
        except (asyncio.CancelledError, workflow.NondeterminismError):
            raise
        except ActivityError as exc:
            if isinstance(exc.cause, CancelledError):
                raise  # cancellation of the run: it ends CANCELED
            raise ApplicationError(str(exc.cause or exc), type=qualified_name(exc), non_retryable=True) from exc
        except DurableCallError as exc:
            raise ApplicationError(str(exc), type=exc.type, non_retryable=True) from exc
        except Exception as exc:
            # The framework's own outcome (max turns, a guardrail, a tool error, a bug in the
            # agent) will be the same on every retry: fail the run, keep the original type.
            raise ApplicationError(
                f"{type(exc).__name__}: {exc}", type=qualified_name(exc), non_retryable=True
            ) from exc
        return RunOutput.of(payload)


def _started_with_another_definition(run: RunInput, hosted: Hosted) -> bool:
    """A run starting now with a definition this worker does not host under the run's name.

    Checked only when the run starts: a run that replays (its worker restarted) or continues as
    new has already started, and goes on with the worker's code, whose calls its history checks.
    """
    return hosted.runs_another_than(run.definition) and run.carried is None and not workflow.unsafe.is_replaying()

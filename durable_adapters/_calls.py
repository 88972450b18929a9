"""The workflow side of a durable call: what an adapter's interceptors call.

An adapter intercepts a framework's model or tool call inside the workflow, encodes its
arguments as JSON, and hands them to :class:`DurableCalls`, which runs the call as an activity
and returns the activity's JSON result. Sync framework code (under the sync bridge) uses the
``*_sync`` variants, which suspend the calling greenlet instead of blocking the workflow.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, CancelledError

from ._activities import model_call, tool_call
from ._channel import RunChannel
from ._continue_as_new import CarriedEntry, CarriedError, Continuation
from ._conversation import ConversationTracker
from ._errors import qualified_name
from ._payloads import CallInput, CallOutput, CallPolicy, RunInput, StreamLocation
from ._sync_bridge import await_only


class DurableCalls:
    """Schedules the model and tool calls of one run as activities. Workflow side only."""

    def __init__(self, run: RunInput, channel: RunChannel | None = None, *, alongside: bool = False) -> None:
        self._run = run
        # A run of a definition hosted beside its name's primary one tells its calls which one.
        self._definition = run.definition if alongside else None
        self._sequence = 0
        self._channel = channel or RunChannel()
        self._conversations = ConversationTracker()
        self._inputs = 0
        # Where each streamed call that just finished kept its chunks (for the run's stream).
        self._locations: dict[str, StreamLocation] = {}
        self.continuation = Continuation(run.carried, run.options.continue_as_new_after_events)
        self.refusal: Exception | None = None
        """The first construct the run reached that cannot run durably (see :meth:`refuse`)."""

    def refuse(self, error: Exception, *, explaining: Exception | None = None) -> Exception:
        """Record ``error`` (what the run cannot do durably) and return it for the caller to raise.

        Frameworks catch exceptions and go on: a tool's error becomes a message to the model, a
        failed step is retried, a thread's exception is lost. The first refusal is kept, and the
        workflow fails the run with it once the loop has ended, whatever the loop made of it;
        a call the loop makes after it is refused too, so nothing more is paid for.
        ``explaining``: the refusal ``error`` restates for the user (the determinism guard's,
        which names only the call), replaced by it if it was the one kept.
        """
        if self.refusal is None or (explaining is not None and self.refusal is explaining):
            self.refusal = error
        return error

    async def model(
        self,
        key: str,
        request: dict[str, Any],
        *,
        summary: str,
        conversation: str | None = None,
        stream: bool = False,
        stream_info: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Make one model call as an activity; ``summary`` labels it in the Temporal UI.

        ``conversation`` names the field of ``request`` that holds the conversation (a list that
        grows from call to call): history then records only its new items (see ``_conversation``),
        and the activity still receives the whole list.

        ``stream=True``: the activity publishes the response's chunks live while it runs (the
        adapter's ``call_model`` finds them a :func:`~durable_adapters.adapter.live_stream`), and
        the run's stream marks where the call starts and ends, for ``RunHandle.stream()``. The
        result is the complete response either way; a call that comes back from history (replay,
        continue-as-new) streams nothing. ``stream_info`` (JSON) travels with the call's start in
        the run's stream (``StreamEvent.info`` of its ``call_started``): what the adapter's client
        needs to present the call's chunks.
        """
        return await self._call(
            model_call, "model", self._run.options.model, key, request, summary, conversation, stream, stream_info
        )

    async def tool(self, key: str, request: dict[str, Any], *, summary: str) -> dict[str, Any]:
        """Make one tool call as an activity; ``summary`` labels it in the Temporal UI."""
        return await self._call(tool_call, "tool", self._run.options.tool, key, request, summary)

    def model_sync(
        self,
        key: str,
        request: dict[str, Any],
        *,
        summary: str,
        conversation: str | None = None,
        stream: bool = False,
        stream_info: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """:meth:`model` for sync code running under the sync bridge."""
        return await_only(
            self.model(key, request, summary=summary, conversation=conversation, stream=stream, stream_info=stream_info)
        )

    def tool_sync(self, key: str, request: dict[str, Any], *, summary: str) -> dict[str, Any]:
        """:meth:`tool` for sync code running under the sync bridge."""
        return await_only(self.tool(key, request, summary=summary))

    async def wait_for_input(self, prompt: dict[str, Any]) -> Any:
        """Pause the run, durably, until a client answers with ``RunHandle.resume(value)``; return the value.

        ``prompt`` (JSON) is what ``RunHandle.pending_input()`` shows while the run waits.
        """
        self._inputs += 1
        answer_id = f"input {self._inputs}"
        carried = await self.continuation.carried(answer_id)
        if carried is not None:
            return carried.value
        value = await self._channel.wait_for_input(prompt)
        self.continuation.record(answer_id, value=value)
        return value

    def wait_for_input_sync(self, prompt: dict[str, Any]) -> Any:
        """:meth:`wait_for_input` for sync code running under the sync bridge."""
        return await_only(self.wait_for_input(prompt))

    def emit(self, event: dict[str, Any]) -> None:
        """Record a progress event (JSON) that ``RunHandle.events()`` yields while the run goes on."""
        self._channel.emit(event)

    async def _call(
        self,
        activity: Any,
        kind: str,
        policy: CallPolicy,
        key: str,
        request: dict[str, Any],
        summary: str,
        conversation: str | None = None,
        stream: bool = False,
        stream_info: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if self.refusal is not None:
            raise _again(self.refusal)  # the run fails with it (see refuse): no call is worth paying for now
        if not stream:
            return await self._scheduled(activity, kind, policy, key, request, summary, conversation, stream)
        # The stream marks where the call's live chunks belong, and where they end; the marker
        # is the id the call's activity is about to get.
        call = self._call_id(self._sequence + 1, kind, key)
        self._channel.call_started(call, stream_info)
        failed = True
        try:
            response = await self._scheduled(activity, kind, policy, key, request, summary, conversation, stream)
            failed = False
            return response
        finally:
            self._channel.call_ended(call, failed=failed, location=self._locations.pop(call, None))

    @staticmethod
    def _call_id(sequence: int, kind: str, key: str) -> str:
        """A call's activity id, e.g. ``"3 model triage"`` (persisted: history and streams name calls by it)."""
        return f"{sequence} {kind} {key}"

    async def _scheduled(
        self,
        activity: Any,
        kind: str,
        policy: CallPolicy,
        key: str,
        request: dict[str, Any],
        summary: str,
        conversation: str | None,
        stream: bool,
    ) -> dict[str, Any]:
        # The activity id names the call ("3 model triage"). Temporal compares ids on replay, so
        # code that now makes a different call at this point (another tool, another agent) is
        # caught as nondeterminism, with both calls named in the message.
        self._sequence += 1
        activity_id = self._call_id(self._sequence, kind, key)
        items = request.get(conversation) if conversation is not None else None
        carried = await self.continuation.carried(activity_id)
        if carried is not None:  # made by an earlier run of this chain (see _continue_as_new)
            if isinstance(items, list):
                # The next call of this model records its conversation against this one.
                self._conversations.remember(key, activity_id, carried.run, items)
            return _replayed(carried, summary)
        await self.continuation.before_new_call(waiting_for_input=self._channel.pending is not None)
        delta = None
        if conversation is not None and isinstance(items, list):
            request = dict(request)
            request.pop(conversation)
            delta = self._conversations.delta(key, activity_id, conversation, items)
        self.continuation.started()
        try:
            output: CallOutput = await workflow.execute_activity(
                activity,
                CallInput(
                    hosted=self._run.hosted,
                    key=key,
                    request=request,
                    conversation=delta,
                    stream=stream,
                    definition=self._definition,
                ),
                start_to_close_timeout=timedelta(seconds=policy.start_to_close_seconds),
                heartbeat_timeout=timedelta(seconds=policy.heartbeat_timeout_seconds),
                retry_policy=policy.retry_policy(),
                activity_id=activity_id,
                summary=summary,
            )
        except ActivityError as exc:
            if isinstance(exc.cause, CancelledError):
                # The run is being cancelled. asyncio.CancelledError is a BaseException, so
                # framework code that catches Exception (CrewAI tells the model "Error executing
                # tool" and goes on) lets it through, and the run ends CANCELED, not FAILED.
                raise asyncio.CancelledError(str(exc.cause)) from exc
            # Surface the call's own failure (e.g. "model call to gpt-4o failed with HTTP 401"),
            # not Temporal's wrapper, to the framework and on to the user.
            error = DurableCallError.from_activity_error(exc, summary)
            self.continuation.record(activity_id, error=CarriedError(message=str(error), type=error.type))
            raise error from exc
        finally:
            self.continuation.finished()
        self.continuation.record(activity_id, response=output.response)
        if output.stream is not None:
            self._locations[activity_id] = output.stream
        return output.response


def _again(refusal: Exception) -> Exception:
    """A new exception like ``refusal``, to raise once more.

    Raising the one object again inside framework handlers that caught it would chain it into its
    own ``__context__``, which Temporal's failure converter follows without end.
    """
    try:
        again = copy.copy(refusal)
    except Exception:
        return DurableCallError(str(refusal), type=qualified_name(refusal), summary="refused")
    again.__cause__ = again.__context__ = again.__traceback__ = None
    return again


def _replayed(entry: CarriedEntry, summary: str) -> dict[str, Any]:
    if entry.error is not None:
        raise DurableCallError(entry.error.message, type=entry.error.type, summary=summary)
    return entry.response or {}


class DurableCallError(Exception):
    """A model or tool call failed for good (after any retries). ``type`` names the original error."""

    def __init__(self, message: str, *, type: str | None, summary: str) -> None:
        super().__init__(message)
        self.type = type
        self.summary = summary

    @classmethod
    def from_activity_error(cls, exc: ActivityError, summary: str) -> DurableCallError:
        cause = exc.cause
        message = getattr(cause, "message", None) or str(cause or exc)
        return cls(message, type=getattr(cause, "type", None), summary=summary)

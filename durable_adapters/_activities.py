"""The two activities every framework's calls become: one model call, one tool call.

Each looks the live model or tool up in the process registry by the stable key in its input and
lets the adapter make the call. Both heartbeat while the call runs, so a worker that dies is
noticed within the heartbeat timeout and the call moves to another worker in seconds.

Retry semantics:
* model calls: transient provider errors (429, 5xx, timeouts) are retried with backoff and the
  provider's ``retry-after``; permanent ones (400, 401, 403, 404) fail at once;
* tool calls: an exception from the tool is the framework's business (most frameworks hand it to
  the model as text), so it is never retried by Temporal; only a lost worker or a timeout repeats
  a tool call, which makes tools at-least-once. The exception is an adapter's
  ``TransientCallError`` (an MCP server or a session store briefly unreachable): that call is
  retried with the run's tool policy.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from . import _conversation, _live, _live_server
from ._errors import ConfigurationError, TransientCallError, model_call_error, qualified_name, transient_call_error
from ._names import FAST_FORWARD_SLICE_ACTIVITY, MODEL_CALL_ACTIVITY, TOOL_CALL_ACTIVITY
from ._payloads import CallInput, CallOutput, StreamLocation
from ._registry import REGISTRY, Hosted


@asynccontextmanager
async def _heartbeating(*details: Any) -> AsyncIterator[None]:
    """Heartbeat several times per heartbeat timeout while the block runs, with ``details``.

    Heartbeat details are not history events; ``DescribeWorkflowExecution`` shows the latest for
    a pending activity, which is how a consumer finds a streamed call's live stream.
    """
    timeout = activity.info().heartbeat_timeout
    if not timeout:
        if details:
            activity.heartbeat(*details)
        yield
        return
    interval = max(timeout.total_seconds() / 4, 0.05)

    async def beat() -> None:
        # A heartbeat is an RPC and a write on the server. The first one is due only within the
        # heartbeat timeout, so a call that ends sooner (most tool calls, many model calls) sends
        # none; the details of a streamed call (where its stream is) are published at once.
        if details:
            activity.heartbeat(*details)
        while True:
            await asyncio.sleep(interval)
            activity.heartbeat(*details)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()


def _without_cause_cycles(exc: BaseException) -> BaseException:
    """``exc`` with any loop in its ``__cause__`` / ``__context__`` chain cut.

    Some SDKs re-raise with ``raise e from e`` (CrewAI's OpenAI provider): the exception becomes
    its own cause, and Temporal's failure converter, which follows causes, recurses until the
    activity cannot even report its failure — the run then never fails.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for attribute in ("__cause__", "__context__"):
            linked = getattr(current, attribute)
            if linked is not None and id(linked) in seen:
                setattr(current, attribute, None)
        current = current.__cause__ or current.__context__
    return exc


def _hosted(call: CallInput) -> Hosted:
    try:
        return REGISTRY.require(call.hosted, call.definition)
    except ConfigurationError as exc:
        raise ApplicationError(str(exc), type=qualified_name(exc), non_retryable=True) from None


# Model calls of this process by (workflow run id, activity id): the one in flight, or its result
# for a while after. An attempt that Temporal gives up on — a heartbeat missed because the
# process was starved of CPU, not dead — is retried, often on this same worker; the retry then
# joins the call already in flight, or takes its result, instead of paying for it again.
_model_calls: dict[tuple[str, str], asyncio.Task[dict[str, Any]]] = {}
_KEEP_FINISHED_SECONDS = 120.0
# The live stream of each streamed call in _model_calls (None for an unstreamed one).
_streams: dict[tuple[str, str], _live.LiveCall | None] = {}


@activity.defn(name=MODEL_CALL_ACTIVITY)
async def model_call(call: CallInput) -> CallOutput:
    """Send one request to the model the key names, and return its response.

    Within one worker process a model call is sent at most once, whatever its attempts: a
    retried attempt joins the request still in flight or reuses its result. (A retry on
    another worker, after this one died, sends the request again: at-least-once.)
    """
    hosted = _hosted(call)
    info = activity.info()
    key = (info.workflow_run_id or info.workflow_id or "", info.activity_id)
    task = _model_calls.get(key)
    location: StreamLocation | None = None
    if task is None:
        live = None
        if call.stream:
            live = _live.open_call(info.workflow_id or "", info.activity_id, info.attempt)
        task = asyncio.create_task(_send_model_call(hosted, call, live))
        _model_calls[key] = task
        task.add_done_callback(lambda done: _forget_later(key, done))
        _streams[key] = live
    live = _streams.get(key)
    if live is not None:
        address = await _live_server.ensure_started()
        location = StreamLocation(address=address, stream=live.stream_id, attempt=live.attempt)
    async with _heartbeating(*([location] if location is not None else [])):
        # shield: a cancelled attempt (timed out, or Temporal gave up on it) leaves the request
        # running for the retry to join.
        response = await asyncio.shield(task)
    return CallOutput(response=response, stream=location)


def _forget_later(key: tuple[str, str], done: asyncio.Task[dict[str, Any]]) -> None:
    if done.cancelled() or done.exception() is not None:
        _model_calls.pop(key, None)  # a failed call is retried for real: nothing to join
        _streams.pop(key, None)
    else:
        loop = asyncio.get_running_loop()
        loop.call_later(_KEEP_FINISHED_SECONDS, _model_calls.pop, key, None)
        loop.call_later(_KEEP_FINISHED_SECONDS, _streams.pop, key, None)


async def _send_model_call(hosted: Hosted, call: CallInput, live: _live.LiveCall | None) -> dict[str, Any]:
    if live is None:
        return await _model_response(hosted, call)
    failed = True
    try:
        with _live.publishing(live):
            response = await _model_response(hosted, call)
        failed = False
        return response
    finally:
        live.end("failed" if failed else "finished")


async def _model_response(hosted: Hosted, call: CallInput) -> dict[str, Any]:
    request = call.request
    if call.conversation is not None:
        request = {**request, call.conversation.field: await _conversation.resolve(call.conversation)}
    try:
        return await hosted.adapter.call_model(hosted, call.key, request)
    except ConfigurationError as exc:
        raise ApplicationError(str(exc), type=qualified_name(exc), non_retryable=True) from None
    except Exception as exc:
        raise model_call_error(exc, model=hosted.adapter.describe_model(hosted, call.key)) from _without_cause_cycles(
            exc
        )


@activity.defn(name=TOOL_CALL_ACTIVITY)
async def tool_call(call: CallInput) -> CallOutput:
    """Run one tool call and return its result; a tool's own exception is not retried, a ``TransientCallError`` is."""
    hosted = _hosted(call)
    async with _heartbeating():
        try:
            response = await hosted.adapter.call_tool(hosted, call.key, call.request)
        except TransientCallError as exc:
            raise transient_call_error(exc, call=f"tool {call.key!r}") from _without_cause_cycles(exc)
        except Exception as exc:
            raise ApplicationError(
                f"tool {call.key!r} raised {type(exc).__name__}: {exc}",
                type=qualified_name(exc),
                non_retryable=True,
            ) from _without_cause_cycles(exc)
    return CallOutput(response=response)


@activity.defn(name=FAST_FORWARD_SLICE_ACTIVITY)
async def fast_forward_slice() -> None:
    """Nothing: scheduled between slices of a fast-forward, it ends the workflow task (see ``_continue_as_new``)."""


ACTIVITIES = [model_call, tool_call, fast_forward_slice]

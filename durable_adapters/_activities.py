"""The two activities every framework's calls become: one model call, one tool call.

Each looks the live model or tool up in the process registry by the stable key in its input and
lets the adapter make the call. Both heartbeat while the call runs, so a worker that dies is
noticed within the heartbeat timeout and the call moves to another worker in seconds.

Retry semantics:
* model calls: transient provider errors (429, 5xx, timeouts) are retried with backoff and the
  provider's ``retry-after``; permanent ones (400, 401, 403, 404) fail at once;
* tool calls: an exception from the tool is the framework's business (most frameworks hand it to
  the model as text), so it is never retried by Temporal; only a lost worker or a timeout repeats
  a tool call, which makes tools at-least-once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio import activity
from temporalio.exceptions import ApplicationError

from . import _conversation
from ._errors import ConfigurationError, model_call_error, qualified_name
from ._names import MODEL_CALL_ACTIVITY, TOOL_CALL_ACTIVITY
from ._payloads import CallInput, CallOutput
from ._registry import REGISTRY, Hosted


@asynccontextmanager
async def _heartbeating() -> AsyncIterator[None]:
    """Heartbeat several times per heartbeat timeout while the block runs."""
    timeout = activity.info().heartbeat_timeout
    if not timeout:
        yield
        return
    interval = max(timeout.total_seconds() / 4, 0.05)

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(interval)

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
        return REGISTRY.require(call.hosted)
    except ConfigurationError as exc:
        raise ApplicationError(str(exc), type=qualified_name(exc), non_retryable=True) from None


@activity.defn(name=MODEL_CALL_ACTIVITY)
async def model_call(call: CallInput) -> CallOutput:
    """Send one request to the model the key names, and return its response."""
    hosted = _hosted(call)
    request = call.request
    if call.conversation is not None:
        request = {**request, call.conversation.field: await _conversation.resolve(call.conversation)}
    async with _heartbeating():
        try:
            response = await hosted.adapter.call_model(hosted, call.key, request)
        except ConfigurationError as exc:
            raise ApplicationError(str(exc), type=qualified_name(exc), non_retryable=True) from None
        except Exception as exc:
            raise model_call_error(exc, model=hosted.adapter.describe_model(hosted, call.key)) from _without_cause_cycles(exc)
    return CallOutput(response=response)


@activity.defn(name=TOOL_CALL_ACTIVITY)
async def tool_call(call: CallInput) -> CallOutput:
    """Run one tool call and return its result; a tool's own exception is not retried."""
    hosted = _hosted(call)
    async with _heartbeating():
        try:
            response = await hosted.adapter.call_tool(hosted, call.key, call.request)
        except Exception as exc:
            raise ApplicationError(
                f"tool {call.key!r} raised {type(exc).__name__}: {exc}",
                type=qualified_name(exc),
                non_retryable=True,
            ) from _without_cause_cycles(exc)
    return CallOutput(response=response)


ACTIVITIES = [model_call, tool_call]

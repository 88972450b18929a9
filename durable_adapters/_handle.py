"""Run handles: a started durable run, found again by its ``run_id``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowQueryFailedError
from temporalio.exceptions import ApplicationError, FailureError
from temporalio.service import RPCError

from ._channel import EventsPage
from ._errors import RunFailedError, with_raised_type
from ._names import EVENTS_QUERY, PENDING_INPUT_QUERY, RESUME_UPDATE
from ._payloads import RunOutput
from ._stream import RunStream, StreamEvent

ResultT = TypeVar("ResultT")


def _status_code(failure: BaseException) -> int | None:
    """The HTTP status of the failed model call behind a run's failure, if one is in its causes."""
    seen: set[int] = set()
    current: BaseException | None = failure
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ApplicationError):
            for detail in current.details:
                if isinstance(detail, dict) and isinstance(detail.get("status_code"), int):
                    return int(detail["status_code"])
        current = current.cause if isinstance(current, FailureError) else current.__cause__
    return None


class RunHandle(Generic[ResultT]):
    """A durable run. ``run_id`` is its Temporal workflow id; ``ui_url`` opens it in the Temporal UI.

    :meth:`result` waits for the run and returns the framework's own result type; awaiting it on
    a finished run returns the recorded result without running anything again.
    """

    def __init__(
        self,
        handle: WorkflowHandle[Any, RunOutput],
        *,
        ui_url: str | None,
        decode: Callable[[dict[str, Any]], ResultT],
        on_done: Callable[[], Awaitable[None]] | None = None,
        decode_failure: Callable[[RunFailedError], BaseException] | None = None,
    ) -> None:
        self._handle = handle
        self._decode = decode
        self._decode_failure = decode_failure
        self._on_done = on_done
        self.run_id: str = handle.id
        self.ui_url: str | None = ui_url

    @property
    def workflow_handle(self) -> WorkflowHandle[Any, RunOutput]:
        """The underlying Temporal handle, for anything this class does not cover."""
        return self._handle

    async def result(self) -> ResultT:
        """Wait for the run to finish; raise :class:`RunFailedError` if it failed.

        Where the adapter rebuilds the framework's own exception from the failure (see
        :meth:`Adapter.decode_failure`), that exception is raised instead, as a plain run would.
        Otherwise the ``RunFailedError`` is also an instance of the exception class the run
        failed with (a provider's ``openai.AuthenticationError``, the agent's ``ValueError``),
        where this process has that class (see ``with_raised_type``).
        """
        try:
            output = await self._handle.result()
        except WorkflowFailureError as exc:
            cause = exc.cause
            message = getattr(cause, "message", None) or str(cause or exc)
            failure = RunFailedError(
                f"durable run {self.run_id!r} failed: {message}",
                type=getattr(cause, "type", None),
                run_id=self.run_id,
            )
            failure.__cause__ = exc  # the failure's whole cause chain, with the details adapters attach
            rebuilt = self._decode_failure(failure) if self._decode_failure else failure
            if rebuilt is failure:
                raise with_raised_type(failure, status_code=_status_code(exc)) from exc
            raise rebuilt from failure  # the framework's exception, caused by the run's failure
        finally:
            await self._done()
        if isinstance(output, dict):  # a handle fetched without a result type
            output = RunOutput.model_validate(output)
        return self._decode(output.value())

    async def cancel(self) -> None:
        """Ask the run to stop; calls in flight are cancelled, finished ones stay in history."""
        await self._handle.cancel()

    async def resume(self, value: Any = None) -> None:
        """Answer the input the run is waiting for (see :meth:`pending_input`) with ``value``.

        Raises ``temporalio.client.WorkflowUpdateFailedError`` when the run is not waiting.
        """
        await self._handle.execute_update(RESUME_UPDATE, value)

    async def pending_input(self) -> dict[str, Any] | None:
        """What the run is waiting for (the framework's prompt, as JSON), or None."""
        return await self._handle.query(PENDING_INPUT_QUERY)  # type: ignore[no-any-return]

    async def events(self, poll_interval: float = 0.05) -> AsyncIterator[dict[str, Any]]:
        """Every progress event the run emits, in order, as it goes; ends when the run ends.

        The run's result (or failure) is still read with :meth:`result`.
        """
        finished = asyncio.ensure_future(self._handle.result())
        after = 0
        try:
            while True:
                done = finished.done()  # decided before the query: its answer then holds every event
                try:
                    page: EventsPage = await self._handle.query(EVENTS_QUERY, after, result_type=EventsPage)
                except (WorkflowQueryFailedError, RPCError):
                    if done:
                        raise
                    page = EventsPage(events=[], next=after)  # not started yet: ask again
                for event in page.events:
                    yield event
                after = page.next
                if done:
                    return
                await asyncio.wait({finished}, timeout=poll_interval)
        finally:
            if finished.done():
                finished.exception()  # retrieved here; result() reports it
            else:
                finished.cancel()

    def stream(self, after: int = -1, *, poll_interval: float = 0.05) -> AsyncIterator[StreamEvent]:
        """Everything the run streams, in order, live: its events, and each streamed model call's
        chunks while the call runs (see :class:`StreamEvent`); ends when the run ends.

        Works from any process, while the run goes on or after it finished: ``after`` skips the
        items up to that index (``after=-1``: from the start). Calls that finished before the
        consumer reached them come with ``streamed=False`` and no chunks; their content is in the
        run's events. Chunks are read from the worker making the call, never from history. The
        run's result (or failure) is still read with :meth:`result`.
        """
        return RunStream(self._handle, after, poll_interval).events()

    async def _done(self) -> None:
        on_done, self._on_done = self._on_done, None
        if on_done is not None:
            await on_done()

    def __repr__(self) -> str:
        return f"RunHandle(run_id={self.run_id!r}, ui_url={self.ui_url!r})"

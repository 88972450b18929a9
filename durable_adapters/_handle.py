"""Run handles: a started durable run, found again by its ``run_id``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from temporalio.client import WorkflowFailureError, WorkflowHandle

from ._errors import RunFailedError
from ._payloads import RunOutput

ResultT = TypeVar("ResultT")


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
    ) -> None:
        self._handle = handle
        self._decode = decode
        self._on_done = on_done
        self.run_id: str = handle.id
        self.ui_url: str | None = ui_url

    @property
    def workflow_handle(self) -> WorkflowHandle[Any, RunOutput]:
        """The underlying Temporal handle, for anything this class does not cover."""
        return self._handle

    async def result(self) -> ResultT:
        """Wait for the run to finish; raise :class:`RunFailedError` if it failed."""
        try:
            output = await self._handle.result()
        except WorkflowFailureError as exc:
            cause = exc.cause
            message = getattr(cause, "message", None) or str(cause or exc)
            raise RunFailedError(
                f"durable run {self.run_id!r} failed: {message}",
                type=getattr(cause, "type", None),
                run_id=self.run_id,
            ) from exc
        finally:
            await self._done()
        if isinstance(output, dict):  # a handle fetched without a result type
            output = RunOutput.model_validate(output)
        return self._decode(output.payload)

    async def cancel(self) -> None:
        """Ask the run to stop; calls in flight are cancelled, finished ones stay in history."""
        await self._handle.cancel()

    async def _done(self) -> None:
        on_done, self._on_done = self._on_done, None
        if on_done is not None:
            await on_done()

    def __repr__(self) -> str:
        return f"RunHandle(run_id={self.run_id!r}, ui_url={self.ui_url!r})"

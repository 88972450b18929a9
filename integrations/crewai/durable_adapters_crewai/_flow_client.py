"""``durable(flow)``: a Flow called the way CrewAI calls it (``kickoff``, ``kickoff_async``, ``akickoff``).

Each call is one durable run of a fresh flow of the hosted class; it returns what the flow's
``kickoff`` returns (the last method's return value) and leaves the flow's state after the run in
:attr:`DurableFlow.state`, as ``flow.state`` after a plain kickoff. ``start`` returns the run's
handle at once: ``handle.pending_input()`` shows what a ``@human_feedback`` method waits for,
``handle.resume(text)`` answers it.
"""

from __future__ import annotations

import json
from typing import Any

from durable_adapters.adapter import DurableCore, RunHandle, UnsupportedError, run_sync

from ._flow_payloads import FlowRunPayload
from ._flows import FlowOutcome, flow_class, persisted


class DurableFlow:
    """A durable ``Flow``: ``kickoff`` / ``kickoff_async`` / ``akickoff`` like the flow, ``start`` for a handle."""

    def __init__(self, core: DurableCore) -> None:
        self.__durable_core__ = core
        self._state: Any = None

    @property
    def flow(self) -> Any:
        """The user's flow (or flow class); never run itself: each run builds its own flow."""
        return self.__durable_core__.hosted.obj

    @property
    def name(self) -> str:
        return self.__durable_core__.name

    @property
    def state(self) -> Any:
        """The flow's state after the last run of this object that finished (None before)."""
        return self._state

    async def start(self, inputs: dict[str, Any] | None = None, *, run_id: str | None = None) -> RunHandle[FlowOutcome]:
        """Start a run; ``await handle.result()`` gives a :class:`FlowOutcome` (``result``, ``state``)."""
        try:
            json.dumps(inputs or {})
        except (TypeError, ValueError) as exc:
            raise UnsupportedError(
                f"the flow inputs cannot be written as JSON ({exc}); pass strings, numbers, lists and dicts"
            ) from exc
        if inputs and "id" in inputs and persisted(flow_class(self.flow)):
            raise UnsupportedError(
                "kickoff(inputs={'id': ...}) restores a @persist flow's saved state from its backend in the "
                "workflow; a durable flow does not restore that way: its run resumes from Temporal history "
                "(attach with run_id=...). Leave 'id' out of inputs"
            )
        return await self.__durable_core__.start(FlowRunPayload(inputs=dict(inputs or {})).data(), run_id=run_id)

    async def kickoff_async(
        self, inputs: dict[str, Any] | None = None, *, run_id: str | None = None, **extras: Any
    ) -> Any:
        """Run the flow durably; returns what the flow's kickoff returns."""
        given = sorted(name for name, value in extras.items() if value is not None)
        if given:
            raise UnsupportedError(
                f"durable flow runs do not take {given} (input files and checkpoints hold local files; "
                "durability replaces checkpoints)"
            )
        handle = await self.start(inputs, run_id=run_id)
        outcome = await handle.result()
        self._state = outcome.state
        return outcome.result

    akickoff = kickoff_async

    def kickoff(self, inputs: dict[str, Any] | None = None, *, run_id: str | None = None, **extras: Any) -> Any:
        """:meth:`kickoff_async` from sync code."""
        return run_sync(self.kickoff_async(inputs, run_id=run_id, **extras))

    def __repr__(self) -> str:
        return f"durable(<Flow {flow_class(self.flow).__name__}>, name={self.name!r})"

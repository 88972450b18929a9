"""Continue-as-new for agent loops whose state cannot be handed over: carry the results, fast-forward.

Temporal caps a run's history (it suggests continue-as-new at 4,096 events, warns at 10,240 and
fails the run at 51,200), and the usual cure — continue as new, passing the workflow's state —
needs state that can be serialised. A framework's agent loop in the middle of a run has none to
give: it is coroutines, greenlets and live objects. What it does have is determinism and the
results of the calls it made. So the run carries those:

* When Temporal suggests it (or, if set, at ``RunOptions.continue_as_new_after_events``) and no
  call or human input is in flight, the next call is not scheduled. The run continues as new
  with its own input plus the *carry*: every call result and human answer so far, in the order
  they arrived, the workflow time at which each arrived, and the first run's random-generator
  state.
* The new run starts the framework loop from the beginning. Each call the loop asks for that the
  carry holds is answered from the carry — nothing is sent to a model or run again — in the
  order the answers first arrived, with the clock reading what it read then and the random
  generator drawing the same values (uuid4s included). Once the carry is used up, calls are
  activities again. The fast-forward is cut into slices of ``SLICE`` answers, each its own
  workflow task (a no-op activity ends it), so none runs long enough for the SDK's 2 s deadlock
  detector or the 10 s workflow task timeout.
* A loop that asks, during the fast-forward, for a call the carry does not hold fails the run
  with a message naming both calls: the code changed between the runs.

The carry is zlib-compressed JSON (base64) inside ``RunInput``, because it grows with the whole
chain of runs; every value in it is also readable, uncompressed, in the history of the run that
made the call. It must stay under Temporal's 2 MB payload limit: a run whose carry would pass
``MAX_CARRY_BYTES`` stops continuing as new and lets its history grow (Temporal's limits then
apply), with a warning in the worker log.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow

from . import _compressed_json
from ._names import FAST_FORWARD_SLICE_ACTIVITY

SLICE = 10
"""Carried answers delivered per workflow task during a fast-forward."""
SUGGESTED_EVENTS = 4096
"""Temporal's default ``limit.historyCount.suggestContinueAsNew``."""
MAX_CARRY_BYTES = 1_500_000
"""Largest carry handed to a new run (Temporal refuses payloads over 2 MB)."""


class CarriedError(BaseModel):
    """A call that failed for good; the fast-forward raises it again."""

    message: str
    type: str | None = None


class CarriedEntry(BaseModel):
    """One answer the loop received: a call's result or error, or a human answer."""

    id: str
    """The call's activity id (``"12 model triage"``) or ``"input <n>"`` for the n-th human answer."""
    at: float
    """Workflow time (epoch seconds) at which the answer arrived."""
    run: str | None = None
    """The Temporal run that made the call (a later model call's conversation delta refers to it)."""
    response: dict[str, Any] | None = None
    error: CarriedError | None = None
    value: Any = None


class Carry(BaseModel):
    """What a run continued as new receives from its predecessor."""

    runs: int
    """How many runs of the chain came before this one."""
    answers: int
    """How many entries ``data`` holds."""
    started_at: float
    """Workflow time at which the chain's first run started."""
    data: str
    """base64(zlib(JSON ``{"random_state": ..., "entries": [...]}``))."""

    @classmethod
    def pack(cls, *, runs: int, started_at: float, random_state: Any, entries: list[CarriedEntry]) -> Carry:
        document = {"random_state": random_state, "entries": [entry.model_dump(mode="json") for entry in entries]}
        data = _compressed_json.compress(_compressed_json.compact(document))
        return cls(runs=runs, answers=len(entries), started_at=started_at, data=data)

    def unpack(self) -> tuple[Any, list[CarriedEntry]]:
        document = _compressed_json.decompress(self.data)
        return document["random_state"], [CarriedEntry.model_validate(entry) for entry in document["entries"]]


class Continuation:
    """A run's side of continue-as-new: the answers log, the fast-forward, the decision. Workflow side only."""

    def __init__(self, carried: Carry | None, after_events: int | None) -> None:
        self._after_events = after_events
        self._runs = 0
        self._log: list[CarriedEntry] = []
        self._carried: list[CarriedEntry] = []
        if carried is None:
            self._started_at = workflow.now().timestamp()
            # The generator is untouched here (nothing has drawn yet): its state now is what the
            # fast-forward of a later run must start from.
            self._random_state: Any = _jsonable(workflow.random().getstate())
        else:
            self._runs = carried.runs + 1
            self._started_at = carried.started_at
            self._random_state, self._carried = carried.unpack()
            workflow.random().setstate(_state_tuple(self._random_state))
        self._carried_ids = {entry.id for entry in self._carried}
        self._delivered = 0
        self._asked: dict[str, asyncio.Future[CarriedEntry]] = {}
        self._clock: float | None = self._started_at if self._carried else None
        self._in_flight = 0
        self._new_calls = 0
        self._gave_up = False
        self.carry: Carry | None = None
        """Set when the run must continue as new with this carry; the workflow then does it."""
        self.divergence: str | None = None
        """Set when the loop asked for something the carry does not hold next; the run fails."""

    # -- the clock the determinism guard reads ----------------------------------------------------
    def now(self) -> float:
        """Workflow time as the framework code sees it: replayed during a fast-forward."""
        return self._clock if self._clock is not None else workflow.now().timestamp()

    # -- answers ---------------------------------------------------------------------------------
    async def carried(self, answer_id: str) -> CarriedEntry | None:
        """The carried answer for ``answer_id``, delivered in its original order; None once the carry is used up."""
        if self._delivered >= len(self._carried):
            return None
        if answer_id not in self._carried_ids:
            expected = self._carried[self._delivered].id
            self.divergence = (
                f"the agent's code asked for {answer_id!r} while replaying the calls carried over from the "
                f"previous run, which made {expected!r} at this point: the code changed while the run was "
                "going on. Finish or cancel runs before changing their code, or start the run again."
            )
            await _never()
        future: asyncio.Future[CarriedEntry] = asyncio.get_running_loop().create_future()
        self._asked[answer_id] = future
        return await future

    async def deliver(self) -> None:
        """Answer the carried calls in the order they first arrived (a task of the workflow)."""
        for index, entry in enumerate(self._carried):
            # The condition is awaited within this iteration, so it sees this iteration's entry.
            await workflow.wait_condition(lambda: entry.id in self._asked)  # noqa: B023
            self._clock = entry.at
            self._delivered = index + 1
            self._log.append(entry)
            self._asked.pop(entry.id).set_result(entry)
            if self._delivered % SLICE == 0 and self._delivered < len(self._carried):
                # End this workflow task: framework code between calls costs CPU, and hundreds
                # of calls in one activation would trip the SDK's 2 s deadlock detector, or in
                # one workflow task its 10 s timeout. A no-op activity ends it in about 10 ms
                # (a timer took about a second; local activities keep the workflow task open).
                await workflow.execute_activity(
                    FAST_FORWARD_SLICE_ACTIVITY,
                    activity_id=f"fast-forward {self._delivered}",
                    start_to_close_timeout=timedelta(seconds=10),
                    summary=f"fast-forward · {self._delivered} of {len(self._carried)} carried calls",
                )

    def unused(self) -> str | None:
        """Once the loop has ended: why that is a divergence if it never asked for every carried call."""
        if self._delivered >= len(self._carried):
            return None
        return (
            f"the agent's code finished without asking for {self._carried[self._delivered].id!r}, which "
            "the previous run made: the code changed while the run was going on."
        )

    def record(
        self,
        answer_id: str,
        *,
        response: dict[str, Any] | None = None,
        error: CarriedError | None = None,
        value: Any = None,
    ) -> None:
        """Log an answer that just arrived from an activity or a client."""
        self._log.append(
            CarriedEntry(
                id=answer_id,
                at=workflow.now().timestamp(),
                run=workflow.info().run_id,
                response=response,
                error=error,
                value=value,
            )
        )

    # -- new calls -----------------------------------------------------------------------------
    async def before_new_call(self, waiting_for_input: bool) -> None:
        """Called before a call is scheduled; never returns when the run continues as new instead."""
        self._clock = None  # the carry is used up: the real clock again
        if self.carry is None and not self._gave_up and self._in_flight == 0 and not waiting_for_input and self._due():
            carry = Carry.pack(
                runs=self._runs, started_at=self._started_at, random_state=self._random_state, entries=self._log
            )
            if len(carry.data) > MAX_CARRY_BYTES:
                self._gave_up = True
                workflow.logger.warning(
                    "not continuing as new: the carry of %d answers is %d bytes; history will grow",
                    len(self._log),
                    len(carry.data),
                )
            else:
                self.carry = carry
        if self.carry is not None:
            await _never()  # this call and every later one are made by the next run

    def started(self) -> None:
        self._in_flight += 1
        self._new_calls += 1

    def finished(self) -> None:
        self._in_flight -= 1

    def _due(self) -> bool:
        """At ``continue_as_new_after_events`` if set, else when Temporal suggests it."""
        # A run makes calls of its own (about a quarter of the threshold's events) before it may
        # continue: a long chain's fast-forward alone can pass the threshold, and continuing
        # again at once would loop without making a call.
        if self._new_calls * 6 < (self._after_events or SUGGESTED_EVENTS) // 4:
            return False
        info = workflow.info()
        if self._after_events is not None:
            return info.get_current_history_length() >= self._after_events
        return info.is_continue_as_new_suggested()


async def _never() -> None:
    """Wait forever (until the workflow ends and its tasks are torn down)."""
    await asyncio.get_running_loop().create_future()


def _jsonable(state: Any) -> Any:
    version, internal, gauss_next = state
    return [version, list(internal), gauss_next]


def _state_tuple(state: Any) -> Any:
    version, internal, gauss_next = state
    return (version, tuple(internal), gauss_next)

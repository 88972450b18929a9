"""The kill matrix: SIGKILL a worker at every model call of a run and check what a new worker makes of it.

A :class:`KillMatrix` owns a scripted model server and a chain of worker processes hosting the
apps under test. :meth:`~KillMatrix.fault_free` runs an app once without faults and records it;
:meth:`~KillMatrix.killed` runs it again, stops it at a :class:`KillPoint` -- ``answered`` model
calls finished, and the next call (a tool, or a model request) certainly in flight -- SIGKILLs
the worker running it, starts a new worker and lets it finish the run.
:meth:`KilledRun.check` then asserts what durability promises against the fault-free run:

* the output is the same;
* no model request answered before the kill was sent again; a request in flight at the kill
  was sent at most once more; the model saw the same distinct requests;
* each tool ran at most once more than in the fault-free run (the held one exactly once more);
* the history holds the same calls (kind and key, in order).

Nothing sleeps to hope. A held tool is one whose :func:`~durable_adapters.testing.hold_point`
entry is in the hold file (its start shows in the tool log); a held model request is held by
:meth:`ScriptedModelServer.hold_after`. Before the kill the history must show ``answered``
completed model calls, so a call answered by the model but not yet recorded is never taken for
a finished one, and no workflow task may be pending, so the kill lands between calls.

Worker start-up (importing the framework) dominates the cost of a kill, so the chain reuses
the replacement: the worker started to finish one killed run is the one killed in the next.
Each kill thus costs one worker start, and it overlaps Temporal noticing the dead worker.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from ._history import recorded_calls
from ._hold import HOLD_ENV, LOG_ENV, wait_for_line
from ._scripted_server import Reply, ScriptedModelServer
from ._worker_process import WorkerProcess

__all__ = ["KillMatrix", "KillPoint", "KilledRun", "RunRecord"]

StartRun = Callable[[], Awaitable[Any]]
"""Starts the run on the matrix's workers and returns its ``RunHandle`` (e.g. ``durable(app,
name=..., worker=False).start(input)``)."""


@dataclass(frozen=True)
class KillPoint:
    """Where a run is killed: once ``answered`` model calls have finished, while the next call is
    in flight -- the tool call whose hold entry is ``tool`` (e.g. ``"get_weather Paris"``), or,
    without ``tool``, the next model request(s), held at the scripted server."""

    answered: int
    tool: str | None = None

    def __str__(self) -> str:
        held = f"tool {self.tool!r}" if self.tool else "model request"
        return f"after {self.answered} model call(s), {held} in flight"


def _canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


@dataclass
class RunRecord:
    """What one run did, as the test sees it."""

    output: Any
    """The run's result, passed through the ``output`` function given to the matrix."""
    bodies: list[str]
    """Every model request body served, in arrival order (canonical JSON)."""
    repeats: list[str]
    """The bodies served again (see :attr:`ScriptedModelServer.repeats`)."""
    tool_starts: Counter[str]
    """How often each tool hold entry was logged (each start of a tool)."""
    calls: list[tuple[str, str]]
    """The calls in the run's history: ``(kind, key)`` in order."""


@dataclass
class KilledRun(RunRecord):
    """A run killed at :attr:`point` and finished by a new worker."""

    point: KillPoint = KillPoint(0)
    answered_before_kill: tuple[str, ...] = ()
    """Bodies of the model requests answered before the kill."""
    in_flight_at_kill: tuple[str, ...] = ()
    """Bodies of the model requests held at the server when the worker was killed."""
    seconds_to_finish: float = 0.0
    """From the kill to the run's result: a new worker's start and Temporal's failover."""

    def check(self, reference: RunRecord) -> None:
        """Assert durability's promises against the fault-free ``reference`` (AssertionError)."""
        where = f"killed {self.point}"
        assert self.output == reference.output, f"{where}: output {self.output!r} != fault-free {reference.output!r}"
        sent = Counter(self.bodies)
        for body in self.answered_before_kill:
            assert sent[body] == 1, (
                f"{where}: a model request answered before the kill was sent {sent[body]} times: {body[:300]}"
            )
        for body, times in sent.items():
            assert times <= 2, f"{where}: a model request was sent {times} times: {body[:300]}"
        assert sorted(sent) == sorted(set(reference.bodies)), (
            f"{where}: the model saw other requests than in the fault-free run"
        )
        if self.point.tool is None:
            # Each request held at the kill was in flight: its retry is the only repeat allowed.
            assert set(self.repeats) <= set(self.in_flight_at_kill), (
                f"{where}: repeated a request not in flight at the kill"
            )
        else:
            assert self.repeats == [], f"{where}: a model request was sent again while a tool was in flight"
        assert set(self.tool_starts) == set(reference.tool_starts), (
            f"{where}: tools {self.tool_starts} != {reference.tool_starts}"
        )
        for entry, times in self.tool_starts.items():
            extra = times - reference.tool_starts[entry]
            expected = (1,) if entry == self.point.tool else (0, 1)
            assert extra in expected, (
                f"{where}: tool {entry!r} ran {times} times, {reference.tool_starts[entry]} without the kill"
            )
        assert self.calls == reference.calls, f"{where}: history calls {self.calls} != fault-free {reference.calls}"


class KillMatrix:
    """A scripted model server and a chain of worker processes for kill tests.

    ``targets`` are ``durable-adapters worker`` targets (``NAME=MODULE:ATTR``) for every app a
    test runs. Workers get ``OPENAI_BASE_URL`` of :attr:`server`, ``TOOL_LOG`` / ``TOOL_HOLD``
    in ``directory``, and ``env``. Use it as a context manager (or call :meth:`close`): the
    server stops and every worker it started is killed. One run at a time.
    """

    def __init__(
        self,
        targets: Sequence[str],
        *,
        temporal_address: str,
        directory: Path,
        env: Mapping[str, str] | None = None,
        result_timeout: float = 120.0,
    ) -> None:
        self.targets = list(targets)
        self.temporal_address = temporal_address
        self.server = ScriptedModelServer([]).start()
        """The scripted model server every worker of the matrix talks to."""
        self.tool_log = directory / "tools.log"
        self.hold_file = directory / "hold"
        self.env = {
            "OPENAI_BASE_URL": self.server.base_url,
            LOG_ENV: str(self.tool_log),
            HOLD_ENV: str(self.hold_file),
            **(env or {}),
        }
        self.result_timeout = result_timeout
        self.kills = 0
        """How many workers were SIGKILLed so far."""
        self._worker: WorkerProcess | None = None
        self._workers: list[WorkerProcess] = []
        self._fault_free: dict[str, RunRecord] = {}

    # Workers -------------------------------------------------------------------------------

    def _start_worker(self) -> WorkerProcess:
        worker = WorkerProcess(self.targets, temporal_address=self.temporal_address, env=self.env)
        self._workers.append(worker)
        self._worker = worker.start()
        return worker

    def worker(self) -> WorkerProcess:
        """The worker serving the next run; started if there is none."""
        if self._worker is None or not self._worker.running:
            self._start_worker()
        assert self._worker is not None
        return self._worker

    def close(self) -> None:
        for worker in self._workers:
            worker.kill()
        self.server.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def describe(self, handle: Any) -> str:
        """Where a run stands, for a failure message: its calls, the model requests, the tool
        starts, and the output of the last two workers."""
        calls = [
            (c.sequence, c.kind, c.key, c.attempt, c.completed_at is not None) for c in await recorded_calls(handle)
        ]
        lines = [
            f"calls (sequence, kind, key, attempt, completed): {calls}",
            (
                f"model requests: {len(self.server.requests)} received, {len(self.server.served)} served, "
                f"{len(self.server.repeats)} repeats, {len(self.server.held)} held"
            ),
            f"tool starts: {self.tool_log.read_text().splitlines()}",
        ]
        try:
            description = await getattr(handle, "workflow_handle", handle).describe()
            for pending in description.raw_description.pending_activities:
                failure = pending.last_failure.message if pending.HasField("last_failure") else None
                lines.append(
                    f"pending call {pending.activity_id!r}: attempt {pending.attempt}, last failure {failure!r}"
                )
        except Exception as exc:  # noqa: BLE001 -- a failure message must not fail in turn
            lines.append(f"(no description of the run: {exc!r})")
        lines += [
            f"model request {i}: HTTP {r.status} {r.last_user_text()!r}" for i, r in enumerate(self.server.requests, 1)
        ]
        for worker in self._workers[-2:]:
            tail = "".join(worker.output.splitlines(keepends=True)[-40:])
            lines.append(f"--- worker {worker.pid} (exit code {worker.returncode}), last lines:\n{tail}")
        return "\n".join(lines)

    # Runs ----------------------------------------------------------------------------------

    def _prepare(self, script: Sequence[Reply] | Callable[[Any], Reply]) -> None:
        self.server.reset()
        self.server.script = script
        self.tool_log.write_text("")
        self.hold_file.unlink(missing_ok=True)

    async def _record(self, handle: Any, output: Callable[[Any], Any], **extra: Any) -> Any:
        try:
            result = await asyncio.wait_for(handle.result(), timeout=self.result_timeout)
        except TimeoutError:
            raise TimeoutError(
                f"run {handle.run_id} did not finish within {self.result_timeout:g} s\n{await self.describe(handle)}"
            ) from None
        calls = await recorded_calls(handle)
        cls = KilledRun if extra else RunRecord
        return cls(
            output=output(result),
            bodies=[_canonical(r.body) for r in self.server.served],
            repeats=[_canonical(r.body) for r in self.server.repeats],
            tool_starts=Counter(self.tool_log.read_text().splitlines()),
            calls=[(call.kind, call.key) for call in calls],
            **extra,
        )

    async def fault_free(
        self,
        name: str,
        script: Sequence[Reply] | Callable[[Any], Reply],
        start: StartRun,
        output: Callable[[Any], Any] = lambda result: result,
    ) -> RunRecord:
        """The record of a run without faults; made once per ``name`` and then reused."""
        if name not in self._fault_free:
            self._prepare(script)
            await asyncio.to_thread(self.worker)
            handle = await start()
            async with _terminated_on_failure(handle):
                record = await self._record(handle, output)
            assert not record.repeats, f"the fault-free run {name!r} sent a model request twice"
            self._fault_free[name] = record
        return self._fault_free[name]

    async def killed(
        self,
        script: Sequence[Reply] | Callable[[Any], Reply],
        start: StartRun,
        point: KillPoint,
        output: Callable[[Any], Any] = lambda result: result,
        timeout: float = 60.0,
    ) -> KilledRun:
        """Run, SIGKILL the worker at ``point``, finish on a new worker; the record of it all."""
        self._prepare(script)
        victim = await asyncio.to_thread(self.worker)
        self.server.hold_after(point.answered)
        if point.tool is not None:
            self.hold_file.write_text(point.tool)
        handle = await start()
        async with _terminated_on_failure(handle):
            return await self._kill_and_finish(handle, victim, point, output, timeout)

    async def _kill_and_finish(
        self, handle: Any, victim: WorkerProcess, point: KillPoint, output: Callable[[Any], Any], timeout: float
    ) -> KilledRun:
        try:
            if point.tool is not None:
                await wait_for_line(self.tool_log, point.tool, timeout)
            else:
                await asyncio.to_thread(self.server.wait_for_held, 1, timeout)
            await _wait_until_settled(handle, point.answered, timeout)
        except TimeoutError as exc:
            raise TimeoutError(
                f"run {handle.run_id} never reached the kill point ({point}): {exc}\n{await self.describe(handle)}"
            ) from None

        victim.kill()
        assert victim.returncode == -9, f"the worker was not SIGKILLed (exit code {victim.returncode})"
        self.kills += 1
        killed_at = time.monotonic()
        # hold_after(n) answers the first n requests and holds every later one until release().
        served = self.server.served
        answered, in_flight = served[: point.answered], served[point.answered :]
        assert len(answered) == point.answered, (
            f"{len(answered)} model calls answered at the kill, expected {point.answered}"
        )
        assert point.tool is None or not in_flight, f"model requests in flight while tool {point.tool!r} was held"
        self.hold_file.unlink(missing_ok=True)
        self.server.release()
        # The new worker starts while Temporal notices the dead one (heartbeat timeout).
        await asyncio.to_thread(self._start_worker)
        record = await self._record(
            handle,
            output,
            point=point,
            answered_before_kill=tuple(_canonical(r.body) for r in answered),
            in_flight_at_kill=tuple(_canonical(r.body) for r in in_flight),
        )
        record.seconds_to_finish = time.monotonic() - killed_at
        return record  # type: ignore[no-any-return]


@asynccontextmanager
async def _terminated_on_failure(handle: Any) -> AsyncIterator[None]:
    """Terminate the run if the block fails: the workers of the matrix host its app, and a run
    left behind would go on under the next case and take that case's scripted replies."""
    try:
        yield
    except BaseException:
        try:
            await getattr(handle, "workflow_handle", handle).terminate(reason="kill matrix: the case failed")
        except Exception:  # noqa: BLE001, S110 -- already finished, or the server is gone: nothing to stop
            pass
        raise


async def _wait_until_settled(handle: Any, count: int, timeout: float) -> None:
    """Wait until ``count`` model calls of the run have completed in its history and no workflow
    task is pending: the run then only waits for the calls in flight.

    A worker killed in the middle of a workflow task (e.g. the one that takes in a finished
    parallel call) costs Temporal's workflow task timeout (10 s) before the task moves on; a
    matrix kills at the calls, and at the same point of the run every time.
    """
    workflow_handle = getattr(handle, "workflow_handle", handle)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        calls = await recorded_calls(handle)
        if sum(1 for call in calls if call.kind == "model" and call.completed_at is not None) >= count:
            description = await workflow_handle.describe()
            if not description.raw_description.HasField("pending_workflow_task"):
                return
        if loop.time() > deadline:
            raise TimeoutError(f"the run did not settle after {count} finished model call(s) within {timeout:g} s")
        await asyncio.sleep(0.05)

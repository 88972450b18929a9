"""The sync bridge: sync framework code suspends on durable calls inside the workflow.

Unit level on a plain asyncio loop first (``run_sync`` / ``await_only`` / ``bridged_executor``),
then in the real ``AgentLoopWorkflow`` on a real worker, then the thread pinning that lets many
bridged runs share one worker.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
import time
from types import SimpleNamespace

import pytest

from durable_adapters import UnsupportedError
from durable_adapters._names import MODEL_CALL_ACTIVITY
from durable_adapters._sync_bridge import await_only, bridged_executor, in_bridge, run_sync
from durable_adapters._thread_pinning import RunPinnedExecutor
from durable_adapters.testing import recorded_calls

from ._fake_adapter import WORKFLOW_TASK_FAILED, host_fake, model_reply, serving, start_program

# -- unit level: a plain asyncio loop, no Temporal -----------------------------------------------


async def _later(value, *, delay: float = 0.0):
    await asyncio.sleep(delay)  # really suspends: the loop runs other things meanwhile
    return value


async def _fail(message: str):
    await asyncio.sleep(0)
    raise KeyError(message)


async def test_sync_code_gets_each_awaited_result_in_order():
    seen = []

    def sync_code(n: int) -> list[int]:
        for i in range(n):
            seen.append(await_only(_later(i * 10)))
        return list(seen)

    assert await run_sync(sync_code, 4) == [0, 10, 20, 30]
    assert seen == [0, 10, 20, 30]


async def test_two_bridged_functions_interleave_on_one_loop():
    order = []

    def sync_code(name: str, delays: list[float]) -> list[str]:
        out = []
        for i, delay in enumerate(delays):
            out.append(await_only(_later(f"{name}{i}", delay=delay)))
            order.append(f"{name}{i}")
        return out

    a, b = await asyncio.gather(run_sync(sync_code, "a", [0.0, 0.05]), run_sync(sync_code, "b", [0.02, 0.0]))

    assert a == ["a0", "a1"] and b == ["b0", "b1"]
    # Both were suspended at once: b finished while a still waited on its second call.
    assert order == ["a0", "b0", "b1", "a1"]


async def test_exception_of_awaited_coroutine_is_raised_in_the_sync_code_and_can_be_caught():
    def sync_code() -> list[str]:
        out = []
        try:
            await_only(_fail("boom"))
        except KeyError as exc:
            out.append(f"caught {exc.args[0]}")
        out.append(await_only(_later("after")))  # the greenlet is still usable after a caught error
        return out

    assert await run_sync(sync_code) == ["caught boom", "after"]


async def test_uncaught_exception_leaves_run_sync():
    def sync_code() -> None:
        await_only(_fail("unhandled"))

    with pytest.raises(KeyError, match="unhandled"):
        await run_sync(sync_code)


async def test_await_only_outside_the_bridge_is_refused_and_closes_the_coroutine():
    coroutine = _later(1)
    with pytest.raises(UnsupportedError, match="outside the workflow's sync bridge"):
        await_only(coroutine)
    assert inspect.getcoroutinestate(coroutine) == inspect.CORO_CLOSED

    # Also from a real thread (what a framework that starts its own thread would do).
    errors = []

    def in_thread() -> None:
        try:
            await_only(_later(2))
        except UnsupportedError as exc:
            errors.append(exc)

    await asyncio.to_thread(in_thread)
    assert len(errors) == 1
    assert not in_bridge()


async def test_context_variables_of_the_caller_are_seen_inside_and_changes_stay_inside():
    var: contextvars.ContextVar[str] = contextvars.ContextVar("bridge_test_var", default="unset")
    var.set("outer")

    def sync_code() -> tuple[str, str, bool]:
        before = var.get()
        var.set("inner")
        await_only(_later(None))
        return before, var.get(), in_bridge()  # still "inner" after a suspension

    assert await run_sync(sync_code) == ("outer", "inner", True)
    assert var.get() == "outer"


async def test_bridged_executor_runs_to_thread_on_the_loop_thread_and_is_removed_afterwards():
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()

    def sync_code() -> tuple[int, str]:
        return threading.get_ident(), await_only(_later("via bridge"))

    with bridged_executor(loop):
        assert await asyncio.to_thread(sync_code) == (loop_thread, "via bridge")
    assert "run_in_executor" not in loop.__dict__
    # Outside the block, to_thread is a real thread again, where await_only is refused.
    with pytest.raises(UnsupportedError):
        await asyncio.to_thread(sync_code)


# -- in the real workflow ------------------------------------------------------------------------


async def test_sync_step_makes_three_model_calls_through_the_bridge(temporal_client, unique):
    hosted = host_fake(f"bridge-{unique}")
    keys = ["planner", "writer", "critic"]
    async with serving(temporal_client, f"core-bridge-{unique}") as queue:
        handle = await start_program(
            temporal_client, queue, hosted.name, [{"op": "sync_models", "keys": keys}], run_id=f"bridge-{unique}"
        )
        output = await asyncio.wait_for(handle.result(), timeout=30)

    (step,) = output.payload["results"]
    # The sync code got each call's response back, in order.
    assert [response["reply"] for response in step["responses"]] == [
        model_reply(k, {"i": i}) for i, k in enumerate(keys)
    ]
    # It never left the workflow thread (a greenlet, not an executor thread).
    assert len(set(step["threads"])) == 1

    calls = await recorded_calls(handle)
    assert [(c.sequence, c.kind, c.key) for c in calls] == [
        (1, "model", "planner"),
        (2, "model", "writer"),
        (3, "model", "critic"),
    ]
    assert {c.activity_type for c in calls} == {MODEL_CALL_ACTIVITY}
    assert all(c.completed_at is not None for c in calls)
    assert [c.scheduled_at for c in calls] == sorted(c.scheduled_at for c in calls)


async def test_eight_concurrent_bridged_runs_on_one_worker_all_complete(temporal_client, unique):
    hosted = host_fake(f"pinned-{unique}")
    keys = ["a", "b", "c", "d"]
    # hold_ms makes activations of different runs overlap, so an executor that does not pin runs
    # to threads would resume some greenlet on another thread ("cannot switch to a different thread").
    program = [
        {"op": "sync_models", "keys": keys, "hold_ms": 30},
        {"op": "tool", "key": "adder", "request": {"numbers": [1, 2, 3]}},
    ]
    async with serving(temporal_client, f"core-pinned-{unique}") as queue:
        handles = await asyncio.gather(
            *(
                start_program(temporal_client, queue, hosted.name, program, run_id=f"pinned-{unique}-{i}")
                for i in range(8)
            )
        )
        outputs = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), timeout=45)

    threads_by_run = []
    for output in outputs:
        sync_step, tail = output.payload["results"]
        assert [r["reply"] for r in sync_step["responses"]] == [model_reply(k, {"i": i}) for i, k in enumerate(keys)]
        assert tail == {"key": "adder", "sum": 6}
        # Each greenlet was resumed on the thread it started on, across four activations.
        assert len(set(sync_step["threads"])) == 1
        threads_by_run.append(sync_step["threads"][0])
    # The runs did not all queue on one lane.
    assert len(set(threads_by_run)) > 1
    for handle in handles:
        calls = await recorded_calls(handle)
        assert [(c.kind, c.key) for c in calls] == [*(("model", k) for k in keys), ("tool", "adder")]


# -- RunPinnedExecutor ---------------------------------------------------------------------------


def test_run_pinned_executor_keeps_each_run_on_its_own_thread():
    executor = RunPinnedExecutor()
    run_ids = [f"run-{i}" for i in range(16)]
    try:
        futures = [
            (
                run_id,
                executor.submit(
                    lambda activation: (activation.run_id, threading.get_ident()),
                    SimpleNamespace(run_id=run_id, jobs=()),
                ),
            )
            for _ in range(25)
            for run_id in run_ids
        ]
        threads: dict[str, set[int]] = {}
        for run_id, future in futures:
            seen_run, thread = future.result(timeout=10)
            assert seen_run == run_id
            threads.setdefault(run_id, set()).add(thread)

        assert all(len(idents) == 1 for idents in threads.values()), threads
        # No two runs share a thread, so none waits behind another (Temporal's deadlock timer).
        assert len({next(iter(idents)) for idents in threads.values()}) == len(run_ids)
        assert threading.get_ident() not in {next(iter(idents)) for idents in threads.values()}
        assert executor.lane_count() == len(run_ids)
    finally:
        executor.shutdown()


def test_run_pinned_executor_retires_a_lane_after_eviction():
    class Job:
        def __init__(self, eviction: bool) -> None:
            self.eviction = eviction

        def HasField(self, name: str) -> bool:  # noqa: N802 - protobuf's spelling
            return self.eviction and name == "remove_from_cache"

    executor = RunPinnedExecutor()
    try:
        executor.submit(lambda a: None, SimpleNamespace(run_id="r1", jobs=[Job(False)])).result(timeout=10)
        assert executor.lane_count() == 1
        executor.submit(lambda a: None, SimpleNamespace(run_id="r1", jobs=[Job(True)])).result(timeout=10)
        deadline = time.monotonic() + 10
        while executor.lane_count() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert executor.lane_count() == 0
    finally:
        executor.shutdown()


async def test_runs_sharing_a_lane_are_not_reported_as_deadlocked(temporal_client, unique):
    hosted = host_fake(f"lanes-{unique}")
    # Each run's activation after its call holds the workflow thread 1.5 s: slow, but within
    # Temporal's 2 s deadlock timeout. 12 runs on 8 lanes: some lane certainly holds two runs.
    program = [{"op": "sync_models", "keys": ["only"], "hold_ms": 1500}]
    async with serving(temporal_client, f"core-lanes-{unique}") as queue:
        handles = await asyncio.gather(
            *(
                start_program(temporal_client, queue, hosted.name, program, run_id=f"lanes-{unique}-{i}")
                for i in range(12)
            )
        )
        await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), timeout=45)

    deadlocked = []
    for handle in handles:
        async for event in handle.fetch_history_events():
            if event.event_type == WORKFLOW_TASK_FAILED:
                deadlocked.append((handle.id, event.workflow_task_failed_event_attributes.failure.message))
    assert deadlocked == []


def _lane_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("durable-workflow")}


async def test_a_stopped_worker_leaves_no_lane_threads_behind(temporal_client, unique):
    hosted = host_fake(f"leak-{unique}")
    before = _lane_threads()
    async with serving(temporal_client, f"core-leak-{unique}") as queue:
        handles = [
            await start_program(
                temporal_client, queue, hosted.name, [{"op": "sync_models", "keys": ["k"]}], run_id=f"leak-{unique}-{i}"
            )
            for i in range(4)
        ]
        for handle in handles:
            await asyncio.wait_for(handle.result(), timeout=30)

    # Each run's lane is retired once the run leaves the worker's cache; none outlives the worker.
    deadline = asyncio.get_running_loop().time() + 5
    while (_lane_threads() - before) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert {t.name for t in _lane_threads() - before} == set()

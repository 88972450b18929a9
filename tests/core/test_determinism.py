"""The determinism guard and how a run that cannot succeed fails: at once, with the reason.

Everything runs the REAL ``AgentLoopWorkflow`` on a real worker; the "framework" is the JSON
program of ``_fake_adapter``.
"""

from __future__ import annotations

import asyncio
import contextvars
import random
import socket
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from temporalio import workflow
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError, CancelledError

from durable_adapters import RunFailedError, _determinism
from durable_adapters._handle import RunHandle
from durable_adapters._payloads import RunInput
from durable_adapters._replay import replay_histories
from durable_adapters._workflow import AgentLoopWorkflow
from durable_adapters.testing import recorded_calls

from ._fake_adapter import (
    FRAMEWORK,
    WORKFLOW_TASK_FAILED,
    ProviderError,
    event_types,
    gate,
    host_fake,
    serving,
    start_program,
)

DETERMINISM_ERROR = "durable_adapters._errors.DeterminismError"


async def failure_of(handle: WorkflowHandle) -> ApplicationError:
    """Wait (bounded) for the run to fail; return its cause after checking it failed for good.

    "For good" means: the run is FAILED and no workflow task ever failed, i.e. it was not a
    workflow task that Temporal would retry forever while the run hangs.
    """
    with pytest.raises(WorkflowFailureError) as info:
        await asyncio.wait_for(handle.result(), timeout=30)
    cause = info.value.cause
    assert isinstance(cause, ApplicationError), repr(cause)
    assert cause.non_retryable
    assert (await handle.describe()).status == WorkflowExecutionStatus.FAILED
    assert WORKFLOW_TASK_FAILED not in await event_types(handle)
    return cause


async def run_program(client: Client, unique: str, label: str, steps: list[dict]) -> WorkflowHandle:
    hosted = host_fake(f"{label}-{unique}")
    return await start_program(client, f"core-{label}-{unique}", hosted.name, steps, run_id=f"{label}-{unique}")


# -- values: uuid4 / time / random ---------------------------------------------------------------


async def test_uuid_time_and_random_in_a_run_come_from_the_workflow_and_replay(temporal_client, unique, monkeypatch):
    steps = [{"op": "values"}, {"op": "values", "sync": True}]
    async with serving(temporal_client, f"core-values-{unique}"):
        handle = await run_program(temporal_client, unique, "values", steps)
        output = await asyncio.wait_for(handle.result(), timeout=30)
    description = await handle.describe()
    async_values, sync_values = output.payload["results"]

    for values in (async_values, sync_values):
        assert uuid.UUID(values["uuid"]).version == 4
        # time.time() / time.time_ns() are the workflow's clock (workflow.now()), inside the run's life.
        assert values["time"] == values["now"]
        assert values["time_ns"] == int(values["now"] * 1_000_000_000)
        assert description.start_time.timestamp() <= values["time"] <= description.close_time.timestamp()
        assert 0.0 <= values["random"] < 1.0
    assert async_values["uuid"] != sync_values["uuid"]
    assert async_values["random"] != sync_values["random"]

    # The values reached the calls (the activity id embeds them): a replay computing other
    # values would schedule other calls.
    keys = [call.key for call in await recorded_calls(handle)]
    assert keys == [f"values/{v['uuid']}/{v['random']!r}/{v['time']!r}" for v in (async_values, sync_values)]

    history = await handle.fetch_history()
    (replay,) = await replay_histories([history])
    assert replay.replay_failure is None

    # Control: with the process's real uuid4 the same history does NOT replay, so the check
    # above really depends on the values being the workflow's.
    monkeypatch.setattr(uuid, "uuid4", uuid.uuid4.__wrapped__)
    (tampered,) = await replay_histories([history])
    assert tampered.replay_failure is not None
    assert isinstance(tampered.replay_failure, workflow.NondeterminismError)
    assert "does not match activity id" in str(tampered.replay_failure)


async def test_outside_a_run_uuid_time_random_behave_normally():
    _determinism.install()
    assert hasattr(uuid.uuid4, "__wrapped__") and hasattr(time.time, "__wrapped__")  # the patched ones
    assert not _determinism.active()

    def sample() -> dict:
        return {
            "uuids": {uuid.uuid4() for _ in range(5)},
            "randoms": {random.random() for _ in range(5)},
            "time": time.time(),
            "time_ns": time.time_ns(),
            "wall": datetime.now(UTC).timestamp(),
        }

    for values in (sample(), await asyncio.to_thread(sample)):
        assert len(values["uuids"]) == 5 and all(u.version == 4 for u in values["uuids"])
        assert len(values["randoms"]) == 5
        assert abs(values["time"] - values["wall"]) < 5
        assert abs(values["time_ns"] / 1e9 - values["wall"]) < 5

    # Sleeping and the network work too (the guard is off outside a run).
    before = time.monotonic()
    time.sleep(0.01)
    assert time.monotonic() - before >= 0.01
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname()[:2], timeout=5):
            conn, _ = server.accept()
            conn.close()


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sync", "api"),
    [(False, "create_connection"), (True, "create_connection"), (False, "socket")],
    ids=["async-create_connection", "sync-create_connection", "async-socket.connect"],
)
async def test_network_io_in_a_run_fails_the_run_with_a_determinism_error(temporal_client, unique, sync, api):
    # A real listener: without the guard the connection would succeed and the run complete.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        port = listener.getsockname()[1]
        async with serving(temporal_client, f"core-net-{unique}"):
            handle = await run_program(
                temporal_client, unique, "net", [{"op": "connect", "port": port, "sync": sync, "api": api}]
            )
            cause = await failure_of(handle)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever connected

    assert cause.type == DETERMINISM_ERROR
    assert "DeterminismError" in cause.message
    assert "network" in cause.message
    assert "intercepted" in cause.message  # says why, and what to do


async def test_a_refusal_the_code_swallows_still_fails_the_run_and_nothing_more_is_paid(temporal_client, unique):
    """``except Exception: fallback`` around an adapter's refusal cannot turn the run into another answer."""
    steps = [
        {"op": "model", "key": "first"},
        {"op": "swallow", "steps": [{"op": "refuse", "message": "a construct that cannot run durably"}]},
        {"op": "swallow", "steps": [{"op": "model", "key": "after-the-refusal"}]},
        {"op": "model", "key": "never"},
    ]
    async with serving(temporal_client, f"core-swallow-{unique}"):
        handle = await run_program(temporal_client, unique, "swallow", steps)
        cause = await failure_of(handle)

    assert cause.type == "durable_adapters._errors.UnsupportedError"
    assert "a construct that cannot run durably" in cause.message
    assert [call.key for call in await recorded_calls(handle)] == ["first"]  # none after the refusal


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_time_sleep_in_a_run_fails_the_run_with_a_clear_message(temporal_client, unique, sync):
    async with serving(temporal_client, f"core-sleep-{unique}"):
        handle = await run_program(temporal_client, unique, "sleep", [{"op": "sleep", "seconds": 0.01, "sync": sync}])
        cause = await failure_of(handle)

    assert cause.type == DETERMINISM_ERROR
    assert "time.sleep()" in cause.message
    assert "asyncio.sleep" in cause.message


async def test_framework_error_fails_the_run_at_once_with_its_type(temporal_client, unique):
    steps = [
        {"op": "model", "key": "first"},
        {"op": "raise", "message": "bad input 42"},
        {"op": "model", "key": "never"},
    ]
    async with serving(temporal_client, f"core-raise-{unique}"):
        handle = await run_program(temporal_client, unique, "raise", steps)
        cause = await failure_of(handle)

    assert cause.type == "builtins.ValueError"
    assert cause.message == "ValueError: bad input 42"
    assert [call.key for call in await recorded_calls(handle)] == ["first"]


async def test_a_failed_run_raises_what_the_adapter_rebuilds_from_the_failure(temporal_client, unique):
    """An adapter raises the framework's own exception on the client (``Adapter.decode_failure``)."""
    seen: list[RunFailedError] = []

    def rebuild(failure: RunFailedError) -> BaseException:
        seen.append(failure)
        return LookupError(failure.type)  # what the framework's plain run would have raised

    async with serving(temporal_client, f"core-rebuild-{unique}"):
        workflow_handle = await run_program(temporal_client, unique, "rebuild", [{"op": "raise", "message": "no 7"}])
        with pytest.raises(LookupError) as raised:
            await RunHandle(workflow_handle, ui_url=None, decode=dict, decode_failure=rebuild).result()
        with pytest.raises(RunFailedError, match="no 7"):  # without an adapter's rebuild: the core's error
            await RunHandle(workflow_handle, ui_url=None, decode=dict).result()

    assert raised.value.args == ("builtins.ValueError",)
    assert seen[0].run_id == workflow_handle.id
    assert isinstance(seen[0].__cause__, WorkflowFailureError)  # the whole failure, details and all


async def test_a_failed_run_raises_the_type_it_failed_with_where_the_client_has_it(temporal_client, unique):
    """Without an adapter's rebuild, ``except ValueError`` / ``except ProviderError`` match as in a plain run."""
    async with serving(temporal_client, f"core-raised-{unique}"), serving(temporal_client, f"core-provider-{unique}"):
        raising = await run_program(temporal_client, unique, "raised", [{"op": "raise", "message": "no 7"}])
        with pytest.raises(ValueError, match="no 7") as raised:
            await asyncio.wait_for(RunHandle(raising, ui_url=None, decode=dict).result(), timeout=30)
        provider = await run_program(
            temporal_client, unique, "provider", [{"op": "model", "key": "m", "request": {"http_error": 401}}]
        )
        with pytest.raises(ProviderError) as failed_call:
            await asyncio.wait_for(RunHandle(provider, ui_url=None, decode=dict).result(), timeout=30)

    assert isinstance(raised.value, RunFailedError)  # the core's error still: run id, type
    assert raised.value.run_id == raising.id and raised.value.type == "builtins.ValueError"
    assert type(raised.value).__name__ == "ValueError"
    error = failed_call.value
    assert isinstance(error, RunFailedError) and error.type == f"{ProviderError.__module__}.ProviderError"
    assert error.status_code == 401  # carried from the failed call, as the provider's error has it
    assert "Error code: 401" in str(error)


async def test_unknown_hosted_name_fails_the_run_saying_what_to_do(temporal_client, unique):
    queue = f"core-ghost-{unique}"
    host_fake(f"present-{unique}")  # the worker hosts something, just not this name
    async with serving(temporal_client, queue):
        handle = await temporal_client.start_workflow(
            AgentLoopWorkflow.run,
            RunInput(hosted=f"ghost-{unique}", framework=FRAMEWORK, payload={}),
            id=f"ghost-{unique}",
            task_queue=queue,
        )
        cause = await failure_of(handle)

    assert cause.type == "durable_adapters._errors.ConfigurationError"
    assert f"'ghost-{unique}'" in cause.message
    assert queue in cause.message
    assert f"present-{unique}" in cause.message  # what this worker does host
    assert "Start a worker that hosts it" in cause.message
    assert "durable-adapters worker" in cause.message
    assert await recorded_calls(handle) == []


async def test_run_started_for_another_framework_fails_the_run(temporal_client, unique):
    queue = f"core-mismatch-{unique}"
    hosted = host_fake(f"mismatch-{unique}")
    async with serving(temporal_client, queue):
        handle = await temporal_client.start_workflow(
            AgentLoopWorkflow.run,
            RunInput(hosted=hosted.name, framework="openai-agents", payload={}),
            id=f"mismatch-{unique}",
            task_queue=queue,
        )
        cause = await failure_of(handle)

    assert cause.type == "durable_adapters._errors.ConfigurationError"
    assert FRAMEWORK in cause.message and "openai-agents" in cause.message


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_cancelling_a_run_during_a_call_ends_it_cancelled(temporal_client, unique, sync):
    held = gate(f"cancel-{unique}-{sync}")
    if sync:
        steps = [{"op": "sync_models", "keys": ["first", "held"], "gate": f"cancel-{unique}-{sync}"}]
    else:
        steps = [{"op": "model", "key": "held", "request": {"gate": f"cancel-{unique}-{sync}"}}]
    try:
        async with serving(temporal_client, f"core-cancel-{unique}"):
            handle = await run_program(temporal_client, unique, "cancel", steps)
            await asyncio.wait_for(held.entered.wait(), timeout=30)  # the call is in flight
            await handle.cancel()
            with pytest.raises(WorkflowFailureError) as info:
                await asyncio.wait_for(handle.result(), timeout=30)
    finally:
        held.release.set()

    assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED
    assert isinstance(info.value.cause, CancelledError)


def test_guard_is_only_active_in_the_context_that_enabled_it():
    seen = {}

    def other_thread() -> None:
        seen["thread"] = _determinism.active()

    with _determinism.guarded():
        assert _determinism.active()
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(timeout=10)
        with _determinism.unguarded():
            assert not _determinism.active()
        assert _determinism.active()
    assert not _determinism.active()
    assert seen == {"thread": False}


def test_a_dropped_run_finalised_inside_another_run_leaves_that_runs_guard_on():
    # A run whose coroutine Temporal drops while it is parked is closed by the garbage
    # collector wherever it happens to run -- here, inside another run. Leaving the dropped
    # run's guard must not switch off the live run's guard, or a thread the live run starts next
    # goes unmarked and its model calls escape the refusal (issue 5's intermittent failure).
    class ParkedCall:
        def __await__(self):
            yield  # a call that never resolves

    async def parked_run() -> None:
        with _determinism.guarded(clock=lambda: 0.0):
            await ParkedCall()

    dropped = parked_run()
    contextvars.copy_context().run(dropped.send, None)  # up to the parked call, in its own task's context

    def live_run() -> tuple[bool, bool]:
        nonlocal dropped
        with _determinism.guarded(clock=lambda: 0.0):
            del dropped  # the last reference: the coroutine is finalised here, in this context
            marked: list[bool] = []
            thread = threading.Thread(target=lambda: marked.append(_determinism.run_thread_context() is not None))
            thread.start()
            thread.join(timeout=10)
            return _determinism.active(), marked == [True]

    assert contextvars.copy_context().run(live_run) == (True, True)
    assert not _determinism.active()

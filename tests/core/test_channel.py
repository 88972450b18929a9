"""Human input and progress events: a run waits durably for an answer, and streams events as it goes."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import WorkflowUpdateFailedError

from durable_adapters import RunHandle
from durable_adapters.testing import wait_for_pending_input

from ._fake_adapter import gate, host_fake, serving, start_program


def run_handle(handle) -> RunHandle:
    return RunHandle(handle, ui_url=None, decode=lambda payload: payload)


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync-bridged"])
async def test_a_run_waits_for_input_and_continues_with_the_answer(sync, temporal_client, unique):
    hosted = host_fake(f"ask-{sync}-{unique}")
    program = [{"op": "ask", "prompt": {"question": "approve?"}, "sync": sync}, {"op": "model", "key": "after"}]
    async with serving(temporal_client, f"core-ask-{sync}-{unique}") as queue:
        handle = run_handle(
            await start_program(temporal_client, queue, hosted.name, program, run_id=f"ask-{sync}-{unique}")
        )
        assert await wait_for_pending_input(handle) == {"question": "approve?"}
        await handle.resume({"approved": True})
        result = await asyncio.wait_for(handle.result(), timeout=30)
    assert result["results"][0] == {"approved": True}
    assert result["results"][1]["key"] == "after"


async def test_an_answer_nobody_asked_for_is_rejected(temporal_client, unique):
    hosted = host_fake(f"noask-{unique}")
    held = f"noask-{unique}"
    program = [{"op": "model", "key": "first", "request": {"gate": held}}, {"op": "ask", "prompt": {"q": 1}}]
    async with serving(temporal_client, f"core-noask-{unique}") as queue:
        handle = run_handle(await start_program(temporal_client, queue, hosted.name, program, run_id=f"noask-{unique}"))
        await asyncio.wait_for(gate(held).entered.wait(), timeout=30)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.resume("too early")
        gate(held).release.set()
        await wait_for_pending_input(handle)
        await handle.resume("now")
        result = await asyncio.wait_for(handle.result(), timeout=30)
    assert result["results"][1] == "now"  # the early answer was not kept for the later question


async def test_a_waiting_run_survives_a_worker_restart(temporal_client, unique):
    hosted = host_fake(f"askrestart-{unique}")
    queue = f"core-askrestart-{unique}"
    program = [{"op": "model", "key": "before"}, {"op": "ask", "prompt": {"q": "go?"}}, {"op": "model", "key": "after"}]
    async with serving(temporal_client, queue):
        handle = run_handle(
            await start_program(temporal_client, queue, hosted.name, program, run_id=f"askrestart-{unique}")
        )
        await wait_for_pending_input(handle)
    # No worker now; the run waits in Temporal. A new worker picks it up from history.
    async with serving(temporal_client, queue):
        assert await wait_for_pending_input(handle) == {"q": "go?"}
        await handle.resume("yes")
        result = await asyncio.wait_for(handle.result(), timeout=30)
    assert [r if isinstance(r, str) else r["key"] for r in result["results"]] == ["before", "yes", "after"]


async def test_events_stream_while_the_run_goes_on(temporal_client, unique):
    hosted = host_fake(f"events-{unique}")
    held = f"events-{unique}"
    program = [
        {"op": "emit", "event": {"n": 1}},
        {"op": "model", "key": "a"},
        {"op": "emit", "event": {"n": 2}},
        {"op": "model", "key": "b", "request": {"gate": held}},
        {"op": "emit", "event": {"n": 3}},
    ]
    async with serving(temporal_client, f"core-events-{unique}") as queue:
        handle = run_handle(
            await start_program(temporal_client, queue, hosted.name, program, run_id=f"events-{unique}")
        )
        seen = []
        async for event in handle.events():
            seen.append(event["n"])
            if event["n"] == 2:
                # Two events arrived while the run is still held inside its second model call.
                assert not gate(held).release.is_set()
                await asyncio.wait_for(gate(held).entered.wait(), timeout=30)
                gate(held).release.set()
        await handle.result()
    assert seen == [1, 2, 3]

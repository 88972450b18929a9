"""Continue-as-new: a long run moves to a fresh history without making any call twice.

The fake framework's program runs on the real workflow with a low
``continue_as_new_after_events``, so one run becomes a chain of Temporal runs. Each new run
fast-forwards the program through the calls its predecessors made (see
``durable_adapters._continue_as_new``).
"""

from __future__ import annotations

import asyncio

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError

from durable_adapters import RunHandle
from durable_adapters._payloads import RunOptions, RunOutput
from durable_adapters._reset import reset_after_call
from durable_adapters.testing import recorded_calls, run_histories, wait_for_pending_input

from ._fake_adapter import EDITS, gate, host_fake, serving, start_program


def program() -> list[dict]:
    steps: list[dict] = [{"op": "values"}]
    for i in range(12):
        steps.append({"op": "model", "key": f"m{i}", "request": {"i": i}})
        steps.append({"op": "tool", "key": f"t{i}", "request": {"numbers": [i, 1]}})
        if i == 4:
            steps.append(
                {"op": "parallel", "steps": [{"op": "model", "key": f"p{j}", "request": {"i": j}} for j in range(4)]}
            )
        if i == 6:
            steps.append({"op": "ask", "prompt": {"q": "go on?"}})
            steps.append({"op": "values", "sync": True})
    steps.append({"op": "values"})
    return steps


async def run_program(temporal_client, queue, name, run_id, options):
    handle = await start_program(temporal_client, queue, name, program(), run_id=run_id, options=options)
    finished = asyncio.ensure_future(handle.result())
    asked = asyncio.ensure_future(
        wait_for_pending_input(RunHandle(temporal_client.get_workflow_handle(run_id), ui_url=None, decode=dict))
    )
    await asyncio.wait({finished, asked}, return_when=asyncio.FIRST_COMPLETED)
    if finished.done():  # it ended before asking: that is a failure, raise it
        asked.cancel()
        finished.result()
    await temporal_client.get_workflow_handle(run_id).execute_update("resume", "yes")
    return handle, (await asyncio.wait_for(finished, timeout=120)).payload


def without_values(result: dict) -> list:
    # Two different workflows draw different uuids/times; everything else must be equal.
    return [r for r in result["results"] if not (isinstance(r, dict) and "uuid" in r)]


async def test_a_run_continues_as_new_and_makes_every_call_once(temporal_client, unique):
    hosted = host_fake(f"can-{unique}")
    async with serving(temporal_client, f"core-can-{unique}") as queue:
        _, plain = await run_program(temporal_client, queue, hosted.name, f"plain-{unique}", RunOptions())
        handle, chained = await run_program(
            temporal_client, queue, hosted.name, f"can-{unique}", RunOptions(continue_as_new_after_events=40)
        )

    assert without_values(chained) == without_values(plain)
    histories = await run_histories(handle)
    assert len(histories) >= 3  # it did continue as new, more than once
    # Every call was made once over the whole chain: the fast-forward scheduled none again.
    calls = await recorded_calls(handle)
    assert [c.sequence for c in calls] == list(range(1, 12 * 2 + 4 + 4))
    assert all(len(events) < 120 for events in histories)  # each run's history stays short
    # The uuid, clock and random values the code computed before a continuation were computed
    # the same in the fast-forward (the "values" model key embeds them, so any difference would
    # have failed the run as a divergence); and they are the values of the first run.
    first_values = chained["results"][0]
    assert first_values["model"]["key"].startswith(f"values/{first_values['uuid']}/")
    continued = [e for events in histories[1:] for e in events[:1]]
    assert all(e.workflow_execution_started_event_attributes.continued_execution_run_id for e in continued)


async def test_changed_code_between_runs_of_a_chain_fails_with_both_calls_named(temporal_client, unique):
    hosted = host_fake(f"candiff-{unique}")
    held = f"candiff-{unique}"
    steps = [{"op": "edited_model", "key": "first", "edit": held}]
    steps += [{"op": "model", "key": f"m{i}"} for i in range(6)]
    steps[3] = {"op": "model", "key": "held", "request": {"gate": held}}
    async with serving(temporal_client, f"core-candiff-{unique}") as queue:
        handle = await start_program(
            temporal_client,
            queue,
            hosted.name,
            steps,
            run_id=f"candiff-{unique}",
            options=RunOptions(continue_as_new_after_events=20),
        )
        await asyncio.wait_for(gate(held).entered.wait(), timeout=30)
        EDITS[held] = "first-renamed"  # the code changes while the run is going on
        gate(held).release.set()
        with pytest.raises(WorkflowFailureError) as failed:
            await asyncio.wait_for(handle.result(), timeout=60)
    message = failed.value.cause.message
    assert "'1 model first-renamed'" in message and "'1 model first'" in message
    assert failed.value.cause.type == "NondeterminismError"
    # It failed; it did not retry a workflow task forever.
    last = (await run_histories(handle))[-1]
    assert last[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED


async def test_reset_after_a_call_of_an_earlier_run_of_the_chain(temporal_client, unique):
    hosted = host_fake(f"canreset-{unique}")
    steps = [{"op": "model", "key": f"m{i}", "request": {"i": i}} for i in range(20)]
    run_id = f"canreset-{unique}"
    async with serving(temporal_client, f"core-canreset-{unique}") as queue:
        handle = await start_program(
            temporal_client,
            queue,
            hosted.name,
            steps,
            run_id=run_id,
            options=RunOptions(continue_as_new_after_events=40),
        )
        first = (await asyncio.wait_for(handle.result(), timeout=60)).payload
        assert len(await run_histories(handle)) >= 3
        new_run = await reset_after_call(temporal_client, run_id, 3)  # call 3 was made by the first run
        again = temporal_client.get_workflow_handle(run_id, result_type=RunOutput)
        second = (await asyncio.wait_for(again.result(), timeout=60)).payload

    assert second == first
    chain = await run_histories(again)
    # The new chain starts with the reset run (its history copied up to call 3), then continues.
    assert len(chain) >= 3
    assert [c.sequence for c in await recorded_calls(again)] == list(range(1, 21))  # 4-20 made again, once each
    reset_run = await temporal_client.get_workflow_handle(run_id, run_id=new_run).describe()
    assert reset_run.status == WorkflowExecutionStatus.CONTINUED_AS_NEW  # the reset run went on, and continued


async def test_code_that_ends_before_asking_for_every_carried_call_fails_the_run(temporal_client, unique):
    hosted = host_fake(f"canshort-{unique}")
    held = f"canshort-{unique}"
    steps = [{"op": "model", "key": "first"}, {"op": "stop_if", "edit": held}]
    steps += [{"op": "model", "key": f"m{i}", "request": {"gate": held} if i == 2 else {}} for i in range(6)]
    async with serving(temporal_client, f"core-canshort-{unique}") as queue:
        handle = await start_program(
            temporal_client,
            queue,
            hosted.name,
            steps,
            run_id=f"canshort-{unique}",
            options=RunOptions(continue_as_new_after_events=20),
        )
        await asyncio.wait_for(gate(held).entered.wait(), timeout=30)
        EDITS[held] = "stop"  # the code changes: it now ends after the first call
        gate(held).release.set()
        with pytest.raises(WorkflowFailureError) as failed:
            await asyncio.wait_for(handle.result(), timeout=60)
    assert failed.value.cause.type == "NondeterminismError"
    assert "finished without asking for '2 model m0'" in failed.value.cause.message
    assert len(await run_histories(handle)) >= 2  # it failed in a continued run, at the fast-forward

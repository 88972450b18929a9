"""Hosting under one name: the same object, the same definition built again, another definition
beside it (each run names its own), or a conflict."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import WorkflowFailureError

from durable_adapters import ConfigurationError
from durable_adapters.adapter import REGISTRY, Hosted

from ._fake_adapter import ADAPTER, FakeApp, serving, start_program


def hosted(name: str, definition: str | None) -> Hosted:
    return Hosted(name=name, obj=FakeApp(name), adapter=ADAPTER, definition=definition)


def test_the_same_definition_built_again_reuses_the_first_hosting(unique):
    first = REGISTRY.add(hosted(f"factory-{unique}", "digest-1"))
    again = REGISTRY.add(hosted(f"factory-{unique}", "digest-1"))
    assert again is first  # a run started from either object runs the one the worker hosts


def test_two_definitions_under_one_name_are_refused(unique):
    REGISTRY.add(hosted(f"clash-{unique}", "digest-1"))
    with pytest.raises(ConfigurationError, match="two different objects are hosted under the name") as refused:
        REGISTRY.add(hosted(f"clash-{unique}", "digest-2"))
    assert "with a different definition" in str(refused.value)  # says why, not only that


def test_without_a_definition_only_the_same_object_is_hosted_twice(unique):
    entry = hosted(f"plain-{unique}", None)
    assert REGISTRY.add(entry) is REGISTRY.add(entry)
    with pytest.raises(ConfigurationError) as refused:
        REGISTRY.add(hosted(f"plain-{unique}", None))
    assert "definition" not in str(refused.value)  # nothing to compare, so no claim about it


def test_durable_hosts_another_definition_beside_the_first(unique):
    name = f"per-call-{unique}"
    first = REGISTRY.add(hosted(name, "digest-1"), alongside=True)
    second = REGISTRY.add(hosted(name, "digest-2"), alongside=True)
    assert second is not first
    assert REGISTRY.get(name) is first  # a worker started for the name serves the first
    assert REGISTRY.get(name, "digest-2") is second and REGISTRY.get(name, "digest-1") is first
    assert REGISTRY.add(hosted(name, "digest-2"), alongside=True) is second  # built a third time
    with pytest.raises(ConfigurationError, match="another definition than the one this run was started with"):
        REGISTRY.require(name, "digest-3")


TOOL_STEP = [{"op": "tool", "key": "adder", "request": {"numbers": [1, 2]}}]


async def test_each_run_executes_the_definition_it_was_started_with(temporal_client, unique):
    name = f"per-run-{unique}"
    for digest in ("digest-1", "digest-2"):
        REGISTRY.add(hosted(name, digest), alongside=True)
    async with serving(temporal_client, f"per-run-{unique}") as queue:
        handles = [
            await start_program(temporal_client, queue, name, TOOL_STEP, run_id=f"{name}-{d}", definition=d)
            for d in ("digest-2", "digest-1")
        ]
        outputs = [await handle.result() for handle in handles]

    assert [output.payload["results"][0]["definition"] for output in outputs] == ["digest-2", "digest-1"]


async def test_a_run_of_a_definition_the_worker_does_not_host_fails_at_once(temporal_client, unique):
    name = f"other-{unique}"
    REGISTRY.add(hosted(name, "digest-1"))
    async with serving(temporal_client, f"other-{unique}") as queue:
        handle = await start_program(temporal_client, queue, name, TOOL_STEP, run_id=name, definition="digest-9")
        with pytest.raises(WorkflowFailureError) as failed:
            await asyncio.wait_for(handle.result(), timeout=30)

    assert "another definition than the one this run was started with" in str(failed.value.cause)
    assert [call async for call in _tool_calls(handle)] == []  # refused before any call


async def _tool_calls(handle):  # the run's scheduled activities, from its history
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            yield event

"""The Temporal runs of one durable run: continue-as-new spreads it over a chain under one workflow id."""

from __future__ import annotations

from collections.abc import AsyncIterator

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client


async def runs_latest_first(client: Client, workflow_id: str) -> AsyncIterator[tuple[str, list[HistoryEvent]]]:
    """Each Temporal run of ``workflow_id`` with its history, from the latest back to the first of its chain.

    A run that continued as new names its predecessor in its first event; a reset run carries its
    base run's first event, so the chain continues behind the reset point as it was.
    """
    run_id = (await client.get_workflow_handle(workflow_id).describe()).run_id
    while run_id:
        events = [
            event async for event in client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history_events()
        ]
        yield run_id, events
        run_id = events[0].workflow_execution_started_event_attributes.continued_execution_run_id if events else ""

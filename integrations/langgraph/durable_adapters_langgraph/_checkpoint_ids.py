"""Checkpoint ids that are the same on replay: LangGraph's ``uuid6`` with the run's own clock.

Pregel names every checkpoint with ``uuid6(clock_seq=step)``, and every task id — hence every
task's checkpoint namespace and every ``Interrupt`` id (``xxh3(ns)``) — is derived from the
checkpoint id. ``uuid6`` reads ``time.time_ns()`` (the core routes it to the workflow clock) but
keeps a process-wide last timestamp and never goes back below it: a replay (after a worker
restart, or a cache eviction while the run waits) would draw later timestamps than the first
execution did, and name the same task and interrupt differently — a client resuming
``Command(resume={interrupt_id: value})`` would name an interrupt the replayed run never made.

Inside a durable run's graph, :func:`run_uuid6` makes the same UUIDv6 from the workflow's clock
and random stream, with the last timestamp kept by the run itself (``DurableRun.last_uuid6``).
Outside one, LangGraph's own ``uuid6`` runs.

The interception table (``_interception.PATCHES``) puts it in the place of ``uuid6`` where
Pregel bound it (``langgraph.pregel._checkpoint``, ``langgraph.checkpoint.base``).
"""

from __future__ import annotations

from langgraph.checkpoint.base.id import UUID
from temporalio import workflow

from . import _run

_UUID_EPOCH = 0x01B21DD213814000
"""100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch, as in LangGraph's uuid6."""


def run_uuid6(node: int | None = None, clock_seq: int | None = None) -> UUID:
    """LangGraph's ``uuid6`` inside a durable run's graph: the run's clock, random stream and last timestamp."""
    run = _run.current()
    assert run is not None  # active only inside a durable run's graph
    timestamp = workflow.time_ns() // 100 + _UUID_EPOCH
    if run.last_uuid6 is not None and timestamp <= run.last_uuid6:
        timestamp = run.last_uuid6 + 1
    run.last_uuid6 = timestamp
    if clock_seq is None:
        clock_seq = workflow.random().getrandbits(14)
    if node is None:
        node = workflow.random().getrandbits(48)
    value = ((timestamp >> 12) & 0xFFFFFFFFFFFF) << 80
    value |= (timestamp & 0x0FFF) << 64
    value |= (clock_seq & 0x3FFF) << 48
    value |= node & 0xFFFFFFFFFFFF
    return UUID(int=value, version=6)  # LangGraph's UUID class: the stdlib's refuses version 6

"""Stopping a run at a chosen point for a test: a tool call held mid-flight, or a run waiting for input.

A kill test must SIGKILL a worker while a chosen call is certainly running, not after a sleep
that hopes so. The test's tool calls :func:`hold_point` with an entry naming the call (e.g.
``"get_weather Rome"``): the entry is appended to the file ``$TOOL_LOG``, and while the file
``$TOOL_HOLD`` contains exactly that entry, the call waits. The test writes the entry to the
hold file, waits with :func:`wait_for_line` until the call has logged its start, kills the
worker, removes the hold file, and starts a new worker, whose retry of the call passes.
Both variables are passed to the worker process through its environment.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

LOG_ENV = "TOOL_LOG"
HOLD_ENV = "TOOL_HOLD"


def hold_point(entry: str, *, max_seconds: float = 60.0) -> None:
    """Log ``entry`` to ``$TOOL_LOG`` (if set), then wait while ``$TOOL_HOLD`` holds exactly ``entry``.

    Sync on purpose: tools of every framework can call it. Waits at most ``max_seconds``.
    """
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, "a") as file:
            file.write(entry + "\n")
    hold = os.environ.get(HOLD_ENV)
    if not hold:
        return
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        try:
            if Path(hold).read_text() != entry:
                return
        except FileNotFoundError:
            return
        time.sleep(0.02)


async def wait_for_line(path: Path, line: str, timeout: float = 60.0) -> None:
    """Wait until the file ``path`` has a line equal to ``line`` (a held call logged its start)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if path.exists() and line in path.read_text().splitlines():
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"{line!r} never appeared in {path}")


async def wait_for_pending_input(handle: Any, timeout: float = 60.0) -> dict[str, Any]:
    """The prompt of a run (a ``RunHandle``) once it waits for human input.

    Polls ``handle.pending_input()``; a query no worker answers yet (none has taken the run,
    or the one that had it was just killed) counts as "not waiting yet".
    """
    from temporalio.client import WorkflowQueryFailedError
    from temporalio.service import RPCError

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            prompt = await handle.pending_input()
        except (WorkflowQueryFailedError, RPCError):
            prompt = None
        if prompt is not None:
            return prompt  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise TimeoutError(f"run {handle.run_id} never asked for input within {timeout:.0f} s")

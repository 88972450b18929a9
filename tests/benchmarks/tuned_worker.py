"""``durable-adapters worker`` with worker options changed, for benchmarks that compare settings.

    python -m tests.benchmarks.tuned_worker '{"sticky_timeout": 3}' worker TARGET...

The first argument is a JSON object of options; the rest is ``durable-adapters worker``'s command
line (``worker TARGET...``). Options: ``sticky_timeout`` (seconds, the sticky queue's schedule-to-start timeout) and any
keyword of ``temporalio.worker.Worker`` that takes a number (``max_cached_workflows``,
``max_concurrent_workflow_tasks``, ...). The library itself has no such switch: this only patches
``durable_adapters._worker.create_worker`` in this process.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any


def main() -> None:
    from durable_adapters import _cli, _worker

    options: dict[str, Any] = json.loads(sys.argv[1])
    sticky = options.pop("sticky_timeout", None)
    if sticky is not None:
        options["sticky_queue_schedule_to_start_timeout"] = timedelta(seconds=sticky)
    create = _worker.create_worker

    def create_tuned(client: Any, task_queue: str, **overrides: Any) -> Any:
        return create(client, task_queue, **{**options, **overrides})

    _worker.create_worker = create_tuned  # type: ignore[assignment]
    sys.argv = [sys.argv[0], *sys.argv[2:]]
    _cli.main()


if __name__ == "__main__":
    main()

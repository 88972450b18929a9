"""Scale on one worker: many concurrent runs of a 10-call agent, served by one worker process.

    python -m tests.benchmarks.scale --runs 500 --latency 0.1
    python -m tests.benchmarks.scale --runs 500 --sqlite-pragma none   # SQLite's own settings

Each run makes 6 model calls and 5 tool calls. All runs are started at once against one
``durable-adapters worker`` process. Prints the machine, the wall time, throughput, CPU ms per
call of the server, the worker and this process, the worker's peak memory (RSS), how many calls
needed a second attempt (a heartbeat missed under load), and checks that no model request was
sent twice.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

from temporalio.api.enums.v1 import EventType, TimeoutType

from tests.benchmarks.cost import cpu_seconds, machine

ROOT = Path(__file__).resolve().parents[2]
TOOL_TURNS = 5


def script(request):
    from durable_adapters.testing import Reply

    done = sum(1 for m in request.body.get("messages", []) if m.get("role") == "tool")
    user = next(m["content"] for m in request.body["messages"] if m.get("role") == "user")
    return Reply.tool_call("get_weather", {"city": f"{user}-{done}"}) if done < TOOL_TURNS else Reply.text("done")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main(runs: int, latency: float, pragmas: list[str] | None = None) -> None:
    from durable_adapters import durable
    from durable_adapters.testing import DevServer, ScriptedModelServer, WorkerProcess, free_port
    from tests.apps.openai_weather import build_looper

    work = Path(tempfile.mkdtemp(prefix="scale-"))
    with (
        DevServer(
            port=free_port(),
            ui_port=None,
            db_filename=work / "t.db",
            sqlite_pragmas=dict(p.split("=", 1) for p in pragmas) if pragmas is not None else None,
        ) as server,
        ScriptedModelServer(script, latency=latency) as model,
    ):
        os.environ |= {"TEMPORAL_ADDRESS": server.address, "OPENAI_BASE_URL": model.base_url}
        name = f"scale-{uuid.uuid4().hex[:6]}"
        worker = WorkerProcess(
            [f"{name}=tests.apps.openai_weather:build_looper"],
            temporal_address=server.address,
            env={"OPENAI_BASE_URL": model.base_url},
            cwd=str(ROOT),
        ).start()
        peak = [rss_mb(worker.pid)]
        idle_mb = peak[0]
        sampling = True

        def sample() -> None:
            while sampling:
                peak.append(rss_mb(worker.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        dagent = durable(build_looper(), name=name, worker=False)
        print(f"machine: {machine()}", flush=True)
        cpu_before = [cpu_seconds(server.pid), cpu_seconds(worker.pid), cpu_seconds(None)]
        started = time.perf_counter()
        handles = await asyncio.gather(*(dagent.start(f"run{i}", run_id=f"{name}-{i}") for i in range(runs)))
        results = await asyncio.gather(*(h.result() for h in handles))
        elapsed = time.perf_counter() - started
        cpu = [
            after - before
            for after, before in zip(
                [cpu_seconds(server.pid), cpu_seconds(worker.pid), cpu_seconds(None)], cpu_before, strict=True
            )
        ]
        sampling = False
        sampler.join()
        assert all(r.final_output == "done" for r in results)
        retried = 0
        task_timeouts: dict[str, int] = {}
        for handle in handles[:: max(1, runs // 50)]:  # a sample of histories
            async for event in handle.workflow_handle.fetch_history_events():
                if (
                    event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
                    and event.activity_task_started_event_attributes.attempt > 1
                ):
                    retried += 1
                elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
                    # schedule-to-start: the sticky queue was not polled within its 1 s (the task
                    # moves to the normal queue); start-to-close: a task took over its timeout.
                    kind = TimeoutType.Name(event.workflow_task_timed_out_event_attributes.timeout_type)
                    task_timeouts[kind] = task_timeouts.get(kind, 0) + 1
        worker.stop()
    calls = runs * (TOOL_TURNS * 2 + 1)
    print(
        f"{runs} concurrent runs of {TOOL_TURNS + 1} model + {TOOL_TURNS} tool calls, "
        f"model latency {latency * 1000:.0f} ms"
    )
    print(f"wall {elapsed:.1f} s, {runs / elapsed:.1f} runs/s, {calls / elapsed:.0f} calls/s")
    print(
        "CPU ms per call: server {:.1f}, worker {:.1f}, this process (client, model server) {:.1f}".format(
            *(seconds / calls * 1000 for seconds in cpu)
        )
    )
    print(f"machine after: {machine()}")
    print(f"worker RSS: idle {idle_mb:.0f} MB, peak {max(peak):.0f} MB")
    print(f"model requests {len(model.served)} (expected {runs * (TOOL_TURNS + 1)}), sent twice: {len(model.repeats)}")
    sampled = len(handles[:: max(1, runs // 50)])
    print(
        f"calls needing a second attempt in {sampled} sampled runs: {retried}; "
        f"workflow tasks timed out: {task_timeouts or 0}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument(
        "--sqlite-pragma",
        action="append",
        metavar="NAME=VALUE",
        help="the dev server's SQLite pragmas instead of its defaults; --sqlite-pragma none: SQLite's own",
    )
    a = parser.parse_args()
    pragmas = None if a.sqlite_pragma is None else [p for p in a.sqlite_pragma if p != "none"]
    asyncio.run(main(a.runs, a.latency, pragmas))

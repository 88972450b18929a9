"""Scale on one worker: many concurrent runs of a 10-call agent, served by one worker process.

    python -m tests.benchmarks.scale --runs 500 --latency 0.1
    python -m tests.benchmarks.scale --runs 500 --sqlite-pragma none   # SQLite's own settings
    python -m tests.benchmarks.scale --runs 200 --rounds 2 \
        --mode 'shipped={}' --mode 'sticky3={"worker": {"sticky_timeout": 3}}'

``--mode NAME=JSON`` names a configuration: ``worker`` (options for
:mod:`tests.benchmarks.tuned_worker`), ``workers`` (how many worker processes), ``server`` (more
arguments of ``temporal server start-dev``, e.g. ``--dynamic-config-value``), ``server_env``
(environment variables of the dev server, e.g. ``GOGC``), ``in_memory`` (true: the dev server
keeps its state in memory instead of its SQLite file). With several modes,
each round runs every mode once, in turn, each on a fresh dev server and worker.
``--profile SECONDS`` records each worker with py-spy (raw folded stacks) and the dev server with
Linux ``perf`` (if installed) for that long.

Each run makes 6 model calls and 5 tool calls. All runs are started at once against one
``durable-adapters worker`` process. Prints the machine, the wall time, throughput, CPU ms per
call of the server, the worker and this process, the worker's peak memory (RSS), how many calls
needed a second attempt (a heartbeat missed under load), and checks that no model request was
sent twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType, TimeoutType

from tests.benchmarks.cost import TICK, cpu_seconds, machine

ROOT = Path(__file__).resolve().parents[2]
TOOL_TURNS = 5
PY_SPY = os.environ.get("PY_SPY", os.path.expanduser("~/.local/bin/py-spy"))


def script(request):
    from durable_adapters.testing import Reply

    done = sum(1 for m in request.body.get("messages", []) if m.get("role") == "tool")
    user = next(m["content"] for m in request.body["messages"] if m.get("role") == "user")
    return Reply.tool_call("get_weather", {"city": f"{user}-{done}"}) if done < TOOL_TURNS else Reply.text("done")


def machine_cpu_seconds() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine so far, every process's (``/proc/stat``)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / TICK, sum(fields) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main(
    runs: int,
    latency: float,
    pragmas: list[str] | None = None,
    mode: dict[str, Any] | None = None,
    label: str = "shipped",
    profile: float = 0.0,
) -> dict[str, float]:
    from durable_adapters import durable
    from durable_adapters.testing import DevServer, ScriptedModelServer, WorkerProcess, free_port
    from tests.apps.openai_weather import build_looper

    mode = mode or {}
    work = Path(tempfile.mkdtemp(prefix="scale-"))
    saved_env = dict(os.environ)
    os.environ |= mode.get("server_env", {})  # for the dev server, which inherits it; restored below
    with (
        DevServer(
            port=free_port(),
            ui_port=None,
            db_filename=None if mode.get("in_memory") else work / "t.db",
            sqlite_pragmas=dict(p.split("=", 1) for p in pragmas) if pragmas is not None else None,
            extra_args=mode.get("server", ()),
        ) as server,
        ScriptedModelServer(script, latency=latency) as model,
    ):
        os.environ.clear()
        os.environ |= saved_env | {"TEMPORAL_ADDRESS": server.address, "OPENAI_BASE_URL": model.base_url}
        name = f"scale-{uuid.uuid4().hex[:6]}"
        target = f"{name}=tests.apps.openai_weather:build_looper"
        argv = None
        if "worker" in mode:
            argv = [sys.executable, "-m", "tests.benchmarks.tuned_worker", json.dumps(mode["worker"]), "worker", target]
        workers = [
            WorkerProcess(
                [target],
                temporal_address=server.address,
                env={"OPENAI_BASE_URL": model.base_url},
                cwd=str(ROOT),
                argv=argv,
            ).start()
            for _ in range(mode.get("workers", 1))
        ]
        worker = workers[0]
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
        print(f"[{label}] machine: {machine()}", flush=True)
        pids = [server.pid, *(w.pid for w in workers)]
        cpu_before = [cpu_seconds(pid) for pid in pids] + [cpu_seconds(None)]
        machine_before = machine_cpu_seconds()
        profilers = [
            subprocess.Popen(
                [
                    PY_SPY,
                    "record",
                    "--pid",
                    str(w.pid),
                    "-d",
                    str(round(profile)),
                    "--format",
                    "raw",
                    "--nonblocking",
                    "-o",
                    f"/tmp/scale-{label}-{w.pid}.txt",
                ],
                stdout=subprocess.DEVNULL,
                stderr=open(f"/tmp/scale-{label}-{w.pid}.log", "w"),  # noqa: SIM115 - the child owns it
            )
            for w in (workers if profile else [])
        ]
        if profile and shutil.which("perf"):
            # The dev server is Go: Linux perf samples it (call graphs, 99 per second).
            profilers.append(
                subprocess.Popen(
                    [
                        "perf",
                        "record",
                        "-F",
                        "99",
                        "-g",
                        "-p",
                        str(server.pid),
                        "-o",
                        f"/tmp/scale-{label}-server.perf",
                        "--",
                        "sleep",
                        str(round(profile)),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        started = time.perf_counter()
        handles = await asyncio.gather(*(dagent.start(f"run{i}", run_id=f"{name}-{i}") for i in range(runs)))
        results = await asyncio.gather(*(h.result() for h in handles))
        elapsed = time.perf_counter() - started
        cpu_after = [cpu_seconds(pid) for pid in pids] + [cpu_seconds(None)]
        machine_busy, machine_total = (a - b for a, b in zip(machine_cpu_seconds(), machine_before, strict=True))
        cpu = [after - before for after, before in zip(cpu_after, cpu_before, strict=True)]
        cpu = [cpu[0], sum(cpu[1:-1]), cpu[-1]]
        for profiler in profilers:
            profiler.wait()
            print(f"[{label}] profile: {profiler.args[-4] if profiler.args[0] == 'perf' else profiler.args[-1]}")
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
                    # schedule-to-start: the sticky queue was not polled within its timeout (the
                    # task moves to the normal queue and the run is replayed); start-to-close: a
                    # task took over its timeout.
                    kind = TimeoutType.Name(event.workflow_task_timed_out_event_attributes.timeout_type)
                    task_timeouts[kind] = task_timeouts.get(kind, 0) + 1
        for w in workers:
            w.stop()
    calls = runs * (TOOL_TURNS * 2 + 1)
    print(
        f"[{label}] {runs} concurrent runs of {TOOL_TURNS + 1} model + {TOOL_TURNS} tool calls, "
        f"model latency {latency * 1000:.0f} ms, {len(workers)} worker process(es), mode {json.dumps(mode)}"
    )
    print(f"[{label}] wall {elapsed:.1f} s, {runs / elapsed:.1f} runs/s, {calls / elapsed:.0f} calls/s")
    print(
        "[{}] CPU ms per call: server {:.1f}, worker(s) {:.1f}, this process (client, model server) {:.1f}".format(
            label, *(seconds / calls * 1000 for seconds in cpu)
        )
    )
    print(f"[{label}] machine after: {machine()}")
    print(
        f"[{label}] machine CPU busy {machine_busy / machine_total * 100:.0f} % of its cores, "
        f"this benchmark's processes {sum(cpu) / machine_total * 100:.0f} %"
    )
    print(f"[{label}] worker RSS: idle {idle_mb:.0f} MB, peak {max(peak):.0f} MB")
    print(
        f"[{label}] model requests {len(model.served)} (expected {runs * (TOOL_TURNS + 1)}), "
        f"sent twice: {len(model.repeats)}"
    )
    sampled = len(handles[:: max(1, runs // 50)])
    print(
        f"[{label}] calls needing a second attempt in {sampled} sampled runs: {retried}; "
        f"workflow tasks timed out: {task_timeouts or 0}",
        flush=True,
    )
    return {
        "calls/s": calls / elapsed,
        "server ms": cpu[0] / calls * 1000,
        "worker ms": cpu[1] / calls * 1000,
        "timeouts": sum(task_timeouts.values()),
        "retried": retried,
        "repeats": len(model.repeats),
    }


async def compare(a: argparse.Namespace, pragmas: list[str] | None) -> None:
    modes = dict(m.split("=", 1) for m in a.mode) if a.mode else {"shipped": "{}"}
    figures: dict[str, list[dict[str, float]]] = {label: [] for label in modes}
    for round_ in range(a.rounds):
        for label, spec in modes.items():
            print(f"--- round {round_ + 1}, mode {label}", flush=True)
            figures[label].append(await main(a.runs, a.latency, pragmas, json.loads(spec), label, a.profile))
    if a.rounds > 1 or len(modes) > 1:
        print("summary (median [min-max] over rounds):")
        for label, rows in figures.items():
            cells = []
            for key in rows[0]:
                values = sorted(r[key] for r in rows)
                cells.append(f"{key} {values[len(values) // 2]:.1f} [{values[0]:.1f}-{values[-1]:.1f}]")
            print(f"  {label}: " + ", ".join(cells))


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
    parser.add_argument("--mode", action="append", metavar="NAME=JSON", help="a configuration to compare")
    parser.add_argument("--rounds", type=int, default=1, help="how many times each mode runs, in turn")
    parser.add_argument("--profile", type=float, default=0.0, metavar="SECONDS", help="py-spy each worker")
    a = parser.parse_args()
    pragmas = None if a.sqlite_pragma is None else [p for p in a.sqlite_pragma if p != "none"]
    asyncio.run(compare(a, pragmas))

"""Failover benchmark: kill the active worker of a two-worker deployment, time the takeover.

    python -m tests.benchmarks.failover --framework openai-agents --kills 10
    python -m tests.benchmarks.failover --framework openai-agents --kills 5 --local-tools
    python -m tests.benchmarks.failover --kills 5 --sticky-timeout 3   # workers with another sticky timeout

One run checks one city per turn. For each kill: the benchmark holds the tool call of the next
city, waits until a worker starts it, SIGKILLs that worker, starts a replacement (so two workers
poll again), and measures the time from the kill to the next completed call in the run's
history (the held call, retried on the surviving worker), and the time from the kill to the
next model request: after the held call, the run's next workflow task first waits for the killed
worker's sticky queue (its schedule-to-start timeout), then replays on the survivor. Prints each
figure, the medians and the worsts. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC
from pathlib import Path

from temporalio.api.enums.v1 import EventType

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.benchmarks.failover_app"


def by_turn(cities: list[str]):
    """Chat-completions replies by turn (tool results so far): the same for every framework."""
    from durable_adapters.testing import Reply

    def reply(request):
        done = sum(1 for m in request.body.get("messages", []) if m.get("role") == "tool")
        return Reply.tool_call("get_weather", {"city": cities[done]}) if done < len(cities) else Reply.text("done")

    return reply


async def start_openai_agents(name: str, run_id: str):
    from durable_adapters import durable
    from tests.benchmarks.failover_app import build_openai_agents

    return await durable(build_openai_agents(), name=name, worker=False).start(
        "Check every city.", run_id=run_id, max_turns=100
    )


async def start_langgraph(name: str, run_id: str):
    from durable_adapters import durable
    from tests.benchmarks.failover_app import build_langgraph

    graph = durable(build_langgraph(), name=name, worker=False)
    return await graph.start({"messages": [("user", "Check every city.")]}, {"recursion_limit": 200}, run_id=run_id)


async def start_crewai(name: str, run_id: str):
    from durable_adapters import durable
    from tests.benchmarks.failover_app import build_crewai

    return await durable(build_crewai(), name=name, worker=False).start({}, run_id=run_id)


SUBJECTS = {
    # framework: (worker target factory, start a run, read the final answer from the result)
    "openai-agents": (f"{APP}:build_openai_agents", start_openai_agents, lambda result: result.final_output),
    "langgraph": (f"{APP}:build_langgraph", start_langgraph, lambda result: result["messages"][-1].content),
    "crewai": (f"{APP}:build_crewai", start_crewai, lambda result: result.raw),
}


async def wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise TimeoutError(what)


async def completions_after(handle, moment: float) -> list[float]:
    times = []
    async for event in handle.workflow_handle.fetch_history_events():
        # A local activity's completion is recorded as a marker (``--local-tools``).
        if event.event_type in (EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, EventType.EVENT_TYPE_MARKER_RECORDED):
            at = event.event_time.ToDatetime().replace(tzinfo=UTC).timestamp()
            if at > moment:
                times.append(at)
    return times


async def main(
    framework: str, kills: int, local_tools: bool = False, sticky_timeout: float | None = None
) -> list[float]:
    from durable_adapters.testing import DevServer, ScriptedModelServer, WorkerProcess, free_port

    target_factory, start, answer = SUBJECTS[framework]
    cities = [f"city-{i}" for i in range(kills)]
    script = by_turn(cities)
    work = Path(tempfile.mkdtemp(prefix="failover-"))
    log, hold = work / "tools.log", work / "hold"
    log.touch()
    with (
        DevServer(port=free_port(), ui_port=None, db_filename=work / "temporal.db") as server,
        ScriptedModelServer(script) as model,
    ):
        os.environ |= {
            "TEMPORAL_ADDRESS": server.address,
            "OPENAI_BASE_URL": model.base_url,
            "OPENAI_API_KEY": "sk-bench",
        }
        env = {
            "OPENAI_BASE_URL": model.base_url,
            "TOOL_LOG": str(log),
            "TOOL_HOLD": str(hold),
            "OPENAI_API_KEY": "sk-bench",
            "BENCH_LOCAL_TOOLS": "1" if local_tools else "0",
        }
        name = f"failover-{uuid.uuid4().hex[:6]}"
        target = f"{name}={target_factory}"

        argv = None
        if sticky_timeout is not None:
            options = json.dumps({"sticky_timeout": sticky_timeout})
            argv = [sys.executable, "-m", "tests.benchmarks.tuned_worker", options, "worker", target]

        def worker() -> WorkerProcess:
            return WorkerProcess([target], temporal_address=server.address, env=env, cwd=str(ROOT), argv=argv).start()

        # When each model request arrived, seen from a thread: starting a replacement worker
        # blocks this loop for seconds, which must not count.
        arrivals: list[float] = []
        watching = threading.Event()

        def watch() -> None:
            while not watching.is_set():
                arrivals.extend([time.time()] * (len(model.served) - len(arrivals)))
                time.sleep(0.002)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        workers = {w.pid: w for w in (worker(), worker())}
        hold.write_text(cities[0])
        handle = await start(name, name)
        figures, to_model = [], []
        for i, city in enumerate(cities):
            # The condition is awaited within this iteration, so it sees this iteration's city.
            await wait_for(
                lambda: any(line.startswith(f"{city} ") for line in log.read_text().splitlines()),  # noqa: B023
                what=city,
            )
            pid = int(next(line for line in log.read_text().splitlines() if line.startswith(f"{city} ")).split()[1])
            requests_before = len(model.served)
            killed_at = time.time()
            workers.pop(pid).kill()
            hold.write_text(cities[i + 1] if i + 1 < len(cities) else "")  # the retried call passes
            replacement = worker()
            workers[replacement.pid] = replacement
            # The next completed call after the kill: the held call, retried on the other worker.
            while not (after := await completions_after(handle, killed_at)):
                await asyncio.sleep(0.05)
            figures.append(min(after) - killed_at)
            # The next model request: the run's next workflow task, on the surviving worker.
            await wait_for(lambda: len(arrivals) > requests_before, what="the next model request")  # noqa: B023
            to_model.append(arrivals[requests_before] - killed_at)
            print(
                f"kill {i + 1}: next completed call after {figures[-1]:.2f} s, "
                f"next model request after {to_model[-1]:.2f} s",
                flush=True,
            )
        result = await handle.result()
        watching.set()
        watcher.join()
        assert answer(result) == "done", answer(result)
        assert not model.repeats, "a finished model call was sent again"
        for w in workers.values():
            w.stop()
    print(
        f"{framework}: next completed call: median {statistics.median(figures):.2f} s, worst {max(figures):.2f} s; "
        f"next model request: median {statistics.median(to_model):.2f} s, worst {max(to_model):.2f} s; "
        f"over {len(figures)} kills"
    )
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=sorted(SUBJECTS), default="openai-agents")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument(
        "--local-tools", action="store_true", help="tool calls as local activities (the experiment of local_tools)"
    )
    parser.add_argument(
        "--sticky-timeout",
        type=float,
        help="the workers' sticky-queue timeout in seconds (tests.benchmarks.tuned_worker)",
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.framework, arguments.kills, arguments.local_tools, arguments.sticky_timeout))

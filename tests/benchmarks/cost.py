"""What a durable call costs, and where: wall time and CPU per call of each process.

    python -m tests.benchmarks.cost --framework openai_agents --tool-turns 2 --latency 0.1 --repeats 7

The same agent (OpenAI Agents: the weather looper; LangGraph: a model node with one tool and a
ToolNode) makes ``tool-turns + 1`` model calls and ``tool-turns`` tool calls against the scripted
model server. It runs plainly, then durably on each dev-server setup:

* ``memory``: this project's dev server, state in memory;
* ``sqlite``: this project's dev server on a SQLite file (what ``durable-adapters dev`` and the
  embedded server use);
* ``stock``: Temporal's ``temporal server start-dev`` as it comes (no dynamic config, no pragma),
  on a SQLite file;

and on each of them with the ``embedded`` worker (the calling process serves its own run) and an
``external`` warm worker (``durable-adapters worker`` in its own process). Each mode runs once to
warm up, then ``repeats`` times in turn. For each it prints the medians and spreads of: wall time
of a run, milliseconds added per call over the plain run of the same round, and CPU milliseconds
per call of the server, of the external worker, and of this process (the client, the scripted
model server, and for ``embedded`` the worker too; for ``plain`` the framework and the model
server alone). CPU is read from ``/proc`` (10 ms ticks) for the child processes, ``process_time``
for this one. The machine's CPU model, core count and load are printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.benchmarks._compare import script

ROOT = Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")
SERVERS = ("memory", "sqlite", "stock")
# Also measurable: "sqlite-journal", this project's server on its file without its pragmas.
WORKERS = ("embedded", "external")


def machine() -> str:
    """CPU model, cores and load average, for the line printed beside every figure."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, load average {load}, Python {platform.python_version()}"


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (``/proc/<pid>/stat``); this process's own
    (finer grained) when ``pid`` is None."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Framework:
    """How to build, run plainly and name the benchmark's agent in one framework."""

    def __init__(self, name: str, tool_turns: int) -> None:
        self.name = name
        self.tool_turns = tool_turns
        self.target = {
            "openai_agents": "tests.apps.openai_weather:build_looper",
            "langgraph": "tests.benchmarks.compare_langgraph:build_looper",
        }[name]

    def build(self) -> Any:
        module, attr = self.target.split(":")
        return getattr(__import__(module, fromlist=[attr]), attr)()

    def payload(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if self.name == "openai_agents":
            return ("go",), {"max_turns": self.tool_turns + 2}
        return ({"messages": [("user", "go")]},), {"config": {"recursion_limit": 2 * self.tool_turns + 5}}

    def plain(self) -> Callable[[], Awaitable[Any]]:
        """A plain run of a freshly built agent (built here, outside the timing, as the durable one)."""
        args, kwargs = self.payload()
        agent = self.build()
        if self.name == "openai_agents":
            from agents import Runner

            return lambda: Runner.run(agent, *args, **kwargs)
        return lambda: agent.ainvoke(args[0], kwargs["config"])


async def measure(run: Callable[[], Awaitable[Any]], pids: dict[str, int | None]) -> dict[str, float]:
    """Wall seconds of one run and the CPU seconds each process spent meanwhile."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    await run()
    figures = {"wall": time.perf_counter() - started}
    figures |= {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    return figures


def server_for(kind: str, work: Path) -> Any:
    from durable_adapters.testing import DevServer, free_port

    db = None if kind == "memory" else work / f"{kind}.db"
    if kind == "stock":
        return DevServer(port=free_port(), ui_port=None, db_filename=db, low_latency=False, sqlite_pragmas={})
    if kind == "sqlite-noconfig":  # pragmas but no dynamic config
        return DevServer(port=free_port(), ui_port=None, db_filename=db, low_latency=False)
    if kind == "sqlite-journal":
        return DevServer(port=free_port(), ui_port=None, db_filename=db, sqlite_pragmas={})
    return DevServer(port=free_port(), ui_port=None, db_filename=db)


async def main(framework: str, tool_turns: int, latency: float, repeats: int, servers: list[str], workers: list[str]):
    os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
    if framework == "openai_agents":
        from agents import set_tracing_disabled

        set_tracing_disabled(True)
    from durable_adapters import durable
    from durable_adapters._embedded import stop_all
    from durable_adapters.testing import ScriptedModelServer, WorkerProcess

    fw = Framework(framework, tool_turns)
    calls = 2 * tool_turns + 1
    work = Path(tempfile.mkdtemp(prefix="cost-"))
    results: dict[str, list[dict[str, float]]] = {}
    print(f"machine: {machine()}", flush=True)
    with ScriptedModelServer(script(tool_turns), latency=latency) as model:
        os.environ |= {"OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": model.base_url}
        for kind in servers:
            with server_for(kind, work) as server:
                os.environ["TEMPORAL_ADDRESS"] = server.address
                for worker_kind in workers:
                    name = f"cost-{uuid.uuid4().hex[:6]}"
                    process = None
                    if worker_kind == "external":
                        process = WorkerProcess(
                            [f"{name}={fw.target}"],
                            temporal_address=server.address,
                            env={"OPENAI_BASE_URL": model.base_url, "OPENAI_AGENTS_DISABLE_TRACING": "1"},
                            cwd=str(ROOT),
                        ).start()
                    agent = durable(fw.build(), name=name, worker=worker_kind == "embedded")
                    args, kwargs = fw.payload()

                    async def durably(agent: Any = agent, args: Any = args, kwargs: Any = kwargs) -> None:
                        handle = await agent.start(*args, **kwargs)
                        await handle.result()

                    pids: dict[str, int | None] = {"server": server.pid, "client": None}
                    if process is not None:
                        pids["worker"] = process.pid
                    try:
                        for i in range(repeats + 1):  # round 0 warms up
                            served = len(model.requests)
                            figures = await measure(durably, pids)
                            assert len(model.requests) - served == tool_turns + 1
                            # Each durable run is paired with a plain run right after it, so a
                            # change in the machine's load touches both.
                            plain = await measure(fw.plain(), {"client": None})
                            figures["added"] = (figures["wall"] - plain["wall"]) / calls
                            if i:
                                results.setdefault(f"{kind}/{worker_kind}", []).append(figures)
                                results.setdefault("plain", []).append(plain)
                    finally:
                        await stop_all()
                        if process is not None:
                            process.stop()
    print(
        f"{framework}: {tool_turns + 1} model + {tool_turns} tool calls ({calls} durable calls) per run, "
        f"model latency {latency * 1000:.0f} ms, {repeats} repeats; medians [min-max]"
    )
    print(f"machine after: {machine()}")

    def cell(values: list[float], scale: float) -> str:
        return f"{statistics.median(values) * scale:6.1f} [{min(values) * scale:.1f}-{max(values) * scale:.1f}]"

    header = (
        "mode",
        "wall ms/run",
        "added ms/call",
        "server CPU ms/call",
        "worker CPU ms/call",
        "this process CPU ms/call",
    )
    print(" | ".join(header))
    for mode, rows in results.items():
        cols = [mode, cell([r["wall"] for r in rows], 1000)]
        cols.append(cell([r["added"] for r in rows], 1000) if mode != "plain" else "0")
        for who in ("server", "worker", "client"):
            values = [r[who] for r in rows if r.get(who) is not None and who in r]
            cols.append(cell(values, 1000 / calls) if values else "-")
        print(" | ".join(cols), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=["openai_agents", "langgraph"], default="openai_agents")
    parser.add_argument("--tool-turns", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--workers", default=",".join(WORKERS))
    a = parser.parse_args()
    asyncio.run(main(a.framework, a.tool_turns, a.latency, a.repeats, a.servers.split(","), a.workers.split(",")))

"""Would tool calls be cheaper as local activities? Measured, not shipped.

    python -m tests.benchmarks.local_tools --tool-turns 9 --latency 0.1 --repeats 7

The OpenAI Agents looper (``tool-turns`` tool calls, one more model call) runs in turn plainly,
durably as shipped (every call an activity), and durably with each *tool* call made as a local
activity instead: the workflow's call to ``execute_activity`` for the tool activity is redirected
to ``execute_local_activity`` in this process only (the experiment; the library has no such
switch). Model calls stay activities in both. Embedded worker, this project's dev server on its
SQLite file. Prints, per mode, the median and spread of the wall time, milliseconds added per
call over the plain run of the same round, and CPU ms per call of the server and of this process.

What a local activity costs in failover is not measured here: a local activity runs inside its
workflow task, so a worker that dies during one is noticed only when that workflow task times out
(10 s by default), against the 1 s heartbeat timeout of an activity; ``tests.benchmarks.failover``
measures the latter. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tests.benchmarks._compare import script
from tests.benchmarks.cost import cpu_seconds, machine

LOCAL = {"on": False}


def redirect_tools() -> None:
    """Make ``_calls`` schedule the tool activity as a local activity while ``LOCAL['on']``."""
    from temporalio import workflow as real

    from durable_adapters import _calls
    from durable_adapters._activities import tool_call

    class Workflow:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        @staticmethod
        def execute_activity(activity: Any, arg: Any, **options: Any) -> Any:
            if LOCAL["on"] and activity is tool_call:
                options.pop("heartbeat_timeout", None)
                return real.execute_local_activity(activity, arg, **options)
            return real.execute_activity(activity, arg, **options)

    _calls.workflow = Workflow()  # type: ignore[assignment]


async def main(tool_turns: int, latency: float, repeats: int) -> None:
    os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
    from agents import Runner, set_tracing_disabled

    from durable_adapters import durable
    from durable_adapters._embedded import stop_all
    from durable_adapters.testing import DevServer, ScriptedModelServer, free_port
    from tests.apps.openai_weather import build_looper

    set_tracing_disabled(True)
    redirect_tools()
    calls = 2 * tool_turns + 1
    work = Path(tempfile.mkdtemp(prefix="local-tools-"))
    print(f"machine: {machine()}", flush=True)
    rows: dict[str, list[dict[str, float]]] = {}
    with (
        DevServer(port=free_port(), ui_port=None, db_filename=work / "t.db") as server,
        ScriptedModelServer(script(tool_turns), latency=latency) as model,
    ):
        os.environ |= {
            "TEMPORAL_ADDRESS": server.address,
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": model.base_url,
        }
        agents = {
            mode: durable(build_looper(), name=f"lt-{mode}-{uuid.uuid4().hex[:6]}") for mode in ("activity", "local")
        }

        async def plain() -> None:
            await Runner.run(build_looper(), "go", max_turns=tool_turns + 2)

        def durably(mode: str) -> Any:
            async def run() -> None:
                LOCAL["on"] = mode == "local"
                handle = await agents[mode].start("go", max_turns=tool_turns + 2)
                await handle.result()

            return run

        modes = {"plain": plain, "activity": durably("activity"), "local": durably("local")}
        for i in range(repeats + 1):
            walls = {}
            for mode, run in modes.items():
                cpu = (cpu_seconds(server.pid), cpu_seconds(None))
                started = time.perf_counter()
                await run()
                walls[mode] = time.perf_counter() - started
                if i:
                    rows.setdefault(mode, []).append(
                        {
                            "wall": walls[mode],
                            "added": (walls[mode] - walls["plain"]) / calls,
                            "server": cpu_seconds(server.pid) - cpu[0],
                            "client": cpu_seconds(None) - cpu[1],
                        }
                    )
        await stop_all()
    print(
        f"{tool_turns + 1} model + {tool_turns} tool calls, model latency {latency * 1000:.0f} ms, "
        f"{repeats} repeats; medians [min-max]"
    )
    print(f"machine after: {machine()}")

    def cell(values: list[float], scale: float) -> str:
        return f"{statistics.median(values) * scale:6.1f} [{min(values) * scale:.1f}-{max(values) * scale:.1f}]"

    print("mode | wall ms/run | added ms/call | server CPU ms/call | this process CPU ms/call")
    for mode, values in rows.items():
        print(
            " | ".join(
                [
                    mode,
                    cell([v["wall"] for v in values], 1000),
                    cell([v["added"] for v in values], 1000),
                    cell([v["server"] for v in values], 1000 / calls),
                    cell([v["client"] for v in values], 1000 / calls),
                ]
            )
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool-turns", type=int, default=9)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=7)
    a = parser.parse_args()
    asyncio.run(main(a.tool_turns, a.latency, a.repeats))

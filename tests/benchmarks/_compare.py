"""What the ``compare_*`` benchmarks share: arguments, the model script, the timing rounds,
history size, the printed table."""

from __future__ import annotations

import argparse
import resource
import statistics
from collections.abc import Awaitable, Callable
from typing import Any


async def history_bytes(handle) -> int:
    """The history size the server counts against its limits (``history_size_bytes``)."""
    return (await handle.describe()).raw_description.workflow_execution_info.history_size_bytes


def script(tool_turns: int):
    """Answers by turn (the number of tool results in the request), so one model server serves
    every mode and repeat alike; the official plugin keeps its OpenAI client for the worker's life."""
    from durable_adapters.testing import Reply

    def reply(request) -> Reply:
        done = sum(1 for m in request.body.get("messages", []) if m.get("role") == "tool")
        return Reply.tool_call("get_weather", {"city": f"city-{done}"}) if done < tool_turns else Reply.text("done")

    return reply


def print_table(
    times: dict[str, list[float]],
    calls: int,
    latency: float,
    repeats: int,
    cpu: dict[str, dict[str, list[float]]] | None = None,
) -> None:
    """Median, spread, ratio to plain and added milliseconds per call (model + tool) of each mode,
    and, with ``cpu`` (see :func:`time_modes`), the server's and this process's CPU ms per call."""
    from tests.benchmarks.cost import machine

    base = statistics.median(times["plain"])
    per_call = calls + (calls - 1)
    print(f"machine: {machine()}")
    print(
        f"{calls}-call agent ({calls} model + {calls - 1} tool calls), "
        f"model latency {latency * 1000:.0f} ms, {repeats} repeats"
    )
    print(
        f"{'mode':<9} {'median s':>9} {'min':>7} {'max':>7} {'÷ plain':>8} {'added ms/call':>14}"
        + (f" {'server CPU ms/call':>19} {'process CPU ms/call':>20}" if cpu else "")
    )
    for mode, values in times.items():
        median = statistics.median(values)
        added = (median - base) / per_call * 1000
        line = f"{mode:<9} {median:>9.3f} {min(values):>7.3f} {max(values):>7.3f} {median / base:>8.2f} {added:>14.1f}"
        if cpu:
            server, process = (statistics.median(cpu[mode][who]) / per_call * 1000 for who in ("server", "process"))
            line += f" {server:>19.1f} {process:>20.1f}"
        print(line)
    if "official" in times and "durable" in times:
        official = (statistics.median(times["official"]) - base) / per_call * 1000
        ours = (statistics.median(times["durable"]) - base) / per_call * 1000
        if official > 0:
            print(f"durable added ms/call ÷ official added ms/call: {ours / official:.2f}")


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def time_modes(
    modes: dict[str, Callable[[int], Awaitable[Any]]],
    model: Any,
    calls: int,
    repeats: int,
    server_pid: int | None = None,
    cpu: dict[str, dict[str, list[float]]] | None = None,
) -> dict[str, list[float]]:
    """Run each mode ``repeats`` times after a warm-up round (imports, workers) and return its wall
    times. A mode runs a ``calls``-call agent and returns its elapsed seconds, or a tuple that
    starts with them; each must make exactly ``calls`` model requests. With ``server_pid`` and a
    ``cpu`` dict, the CPU seconds of the server and of this process in each run are added to
    ``cpu[mode]["server"]`` and ``cpu[mode]["process"]``."""
    from tests.benchmarks.cost import cpu_seconds

    times: dict[str, list[float]] = {mode: [] for mode in modes}
    for i in range(repeats + 1):  # round 0 warms up imports and workers
        for mode, run in modes.items():
            served_before = len(model.requests)
            before = (cpu_seconds(server_pid), cpu_seconds(None)) if server_pid else (0.0, 0.0)
            outcome = await run(calls - 1)
            after = (cpu_seconds(server_pid), cpu_seconds(None)) if server_pid else (0.0, 0.0)
            elapsed = outcome[0] if isinstance(outcome, tuple) else outcome
            assert len(model.requests) - served_before == calls, f"{mode} made a different number of calls"
            if i:
                times[mode].append(elapsed)
                if cpu is not None and server_pid:
                    spent = cpu.setdefault(mode, {"server": [], "process": []})
                    spent["server"].append(after[0] - before[0])
                    spent["process"].append(after[1] - before[1])
    return times


def parse_arguments(description: str) -> argparse.Namespace:
    """``--calls --latency --repeats --turns``, with the defaults every comparison uses."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--turns", type=int, default=200)
    return parser.parse_args()

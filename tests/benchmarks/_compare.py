"""What the ``compare_*`` benchmarks share: the model script, history size, the printed table."""

from __future__ import annotations

import resource
import statistics


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


def print_table(times: dict[str, list[float]], calls: int, latency: float, repeats: int) -> None:
    """Median, spread, ratio to plain and added milliseconds per call (model + tool) of each mode."""
    base = statistics.median(times["plain"])
    per_call = calls + (calls - 1)
    print(f"{calls}-call agent ({calls} model + {calls - 1} tool calls), model latency {latency * 1000:.0f} ms, {repeats} repeats")
    print(f"{'mode':<9} {'median s':>9} {'min':>7} {'max':>7} {'÷ plain':>8} {'added ms/call':>14}")
    for mode, values in times.items():
        median = statistics.median(values)
        added = (median - base) / per_call * 1000
        print(f"{mode:<9} {median:>9.3f} {min(values):>7.3f} {max(values):>7.3f} {median / base:>8.2f} {added:>14.1f}")


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

"""Cost per durable call: the same OpenAI Agents run plainly and through durable(), in one process.

    python -m tests.benchmarks.overhead --calls 10 --latency 0.1 --repeats 5

The agent makes ``calls`` model calls (each but the last asks for one tool call), against the
scripted model server with ``latency`` seconds per request. Prints the wall time of each mode,
the ratio durable / plain and the median added milliseconds per call (model and tool calls).
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


async def main(calls: int, latency: float, repeats: int) -> None:
    from agents import Runner, set_tracing_disabled

    from durable_adapters import durable
    from durable_adapters.testing import DevServer, Reply, ScriptedModelServer, free_port
    from tests.apps.openai_weather import build_looper

    set_tracing_disabled(True)
    script = [Reply.tool_call("get_weather", {"city": f"c{i}"}) for i in range(calls - 1)] + [Reply.text("done")]
    work = Path(tempfile.mkdtemp(prefix="overhead-"))
    with DevServer(port=free_port(), ui_port=None, db_filename=work / "t.db") as server:
        os.environ["TEMPORAL_ADDRESS"] = server.address
        plain, durable_times = [], []
        for i in range(repeats + 1):  # the first round warms up imports and the worker
            with ScriptedModelServer(script, latency=latency) as model:
                os.environ["OPENAI_BASE_URL"] = model.base_url
                started = time.perf_counter()
                await Runner.run(build_looper(), "go", max_turns=calls + 1)
                p = time.perf_counter() - started
            with ScriptedModelServer(script, latency=latency) as model:
                os.environ["OPENAI_BASE_URL"] = model.base_url
                dagent = durable(build_looper(), name=f"overhead-{uuid.uuid4().hex[:6]}")
                started = time.perf_counter()
                await dagent.run("go", max_turns=calls + 1)
                d = time.perf_counter() - started
            if i:
                plain.append(p)
                durable_times.append(d)
    durable_calls = calls + (calls - 1)  # model calls + tool calls
    added = [(d - p) / durable_calls * 1000 for p, d in zip(plain, durable_times, strict=True)]
    print(f"{calls} model calls, {calls - 1} tool calls, model latency {latency * 1000:.0f} ms, {repeats} repeats")
    print(f"plain   median {statistics.median(plain):.3f} s  (min {min(plain):.3f}, max {max(plain):.3f})")
    print(
        f"durable median {statistics.median(durable_times):.3f} s  "
        f"(min {min(durable_times):.3f}, max {max(durable_times):.3f})"
    )
    print(f"durable / plain: {statistics.median(durable_times) / statistics.median(plain):.2f}")
    print(f"added per call: median {statistics.median(added):.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=5)
    a = parser.parse_args()
    asyncio.run(main(a.calls, a.latency, a.repeats))

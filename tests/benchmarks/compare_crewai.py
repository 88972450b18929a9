"""Plain vs durable-adapters for a CrewAI crew, side by side in one process run.

    python -m tests.benchmarks.compare_crewai --calls 10 --latency 0.1 --repeats 5 --turns 200

The same crew (one agent, one tool; the model asks for the tool every turn) against the
scripted model server:
* plain: ``crew.akickoff``;
* durable: ``durable(crew)`` (embedded worker, ``start`` + ``result``);
* official: none (Temporal has no CrewAI integration).
Prints wall-time medians and spreads for a ``calls``-call run with ``latency`` model latency,
the ratio to plain, the median added milliseconds per call, the history bytes (as the server
counts them against its limits) of a ``turns``-turn conversation, and the process's peak RSS
(both modes and the worker share the one process). CrewAI's OpenTelemetry export is switched
off for both modes (``OTEL_SDK_DISABLED``): nothing here can reach its endpoint.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
import uuid
from pathlib import Path

from tests.benchmarks._compare import history_bytes, parse_arguments, peak_rss_mb, print_table, script, time_modes


def build_looper():
    """The crew as a user writes it for CrewAI alone (no durability code)."""
    from crewai import LLM, Agent, Crew, Task
    from crewai.tools import tool

    @tool("get_weather")
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        return f"{city}: sunny, 21C"

    agent = Agent(
        role="Looper",
        goal="Check the weather of every city",
        backstory="Thorough.",
        llm=LLM(model="gpt-4o-mini"),
        tools=[get_weather],
        max_iter=1000,
    )
    task = Task(description="Check the weather of every city.", expected_output="done", agent=agent)
    return Crew(name="looper", agents=[agent], tasks=[task])


async def main(calls: int, latency: float, repeats: int, turns: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="compare-crewai-"))
    os.environ |= {"CREWAI_STORAGE_DIR": str(work / "crewai"), "OTEL_SDK_DISABLED": "true"}
    # One warning per model call otherwise (the scripted server's usage has no native token count).
    logging.getLogger("crewai.llms.base_llm").setLevel(logging.ERROR)
    from durable_adapters import durable
    from durable_adapters.testing import DevServer, ScriptedModelServer, free_port

    with (
        DevServer(port=free_port(), ui_port=None, db_filename=work / "t.db") as server,
        ScriptedModelServer(script(calls - 1), latency=latency) as timed_model,
    ):
        os.environ |= {
            "TEMPORAL_ADDRESS": server.address,
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": timed_model.base_url,
        }

        async def plain(n: int) -> float:
            crew = build_looper()
            started = time.perf_counter()
            result = await crew.akickoff()
            elapsed = time.perf_counter() - started
            assert result.raw == "done", result.raw
            return elapsed

        async def ours(n: int) -> tuple[float, int]:
            dcrew = durable(build_looper(), name=f"compare-{uuid.uuid4().hex[:6]}")
            started = time.perf_counter()
            handle = await dcrew.start()
            result = await handle.result()
            elapsed = time.perf_counter() - started
            assert result.raw == "done", result.raw
            return elapsed, await history_bytes(handle.workflow_handle)

        times = await time_modes({"plain": plain, "durable": ours}, timed_model, calls, repeats)

        timed_model.latency = 0.0
        timed_model.script = script(turns - 1)
        timed_model.reset()  # forget cached replies of the shorter runs
        try:
            _, size = await ours(turns - 1)
            assert len(timed_model.served) == turns, f"durable made {len(timed_model.served)} calls, not {turns}"
            history = f"{size:,} bytes"
        except Exception as exc:  # report it, do not hide the timings
            history = f"failed ({type(exc).__name__}: {str(exc)[:200]})"

    print_table(times, calls, latency, repeats)
    print("official: none (Temporal has no CrewAI integration)")
    print(f"history of a {turns}-turn conversation: durable {history}")
    print(f"peak RSS of this process (both modes and the worker): {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    a = parse_arguments(__doc__.splitlines()[0])
    asyncio.run(main(a.calls, a.latency, a.repeats, a.turns))

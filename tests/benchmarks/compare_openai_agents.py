"""Plain vs durable-adapters vs Temporal's official integration, side by side in one process run.

    python -m tests.benchmarks.compare_openai_agents --calls 10 --latency 0.1 --repeats 5 --turns 200

The same agent (one tool, the model asks for it every turn) against the scripted model server:
* plain: ``Runner.run``;
* durable: ``durable(agent).run`` (embedded worker);
* official: ``temporalio.openai_agents`` (plugin, hand-written workflow, ``activity_as_tool``).
Prints wall-time medians and spreads for a ``calls``-call run with ``latency`` model latency,
the ratio to plain, the median added milliseconds per call, and the history bytes (as the server
counts them against its limits) of a ``turns``-turn conversation for both durable modes.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

from tests.benchmarks._compare import history_bytes, parse_arguments, print_table, script, time_modes


async def main(calls: int, latency: float, repeats: int, turns: int) -> None:
    # No trace export for any mode: the official plugin otherwise keeps retrying the OpenAI trace
    # endpoint in the background (unreachable here), loading the process during every timing.
    os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
    from agents import Runner, set_tracing_disabled
    from agents.models.openai_provider import OpenAIProvider
    from temporalio.client import Client
    from temporalio.openai_agents import OpenAIAgentsPlugin
    from temporalio.worker import Worker

    from durable_adapters import durable
    from durable_adapters.testing import DevServer, ScriptedModelServer, free_port
    from tests.apps.openai_weather import build_looper
    from tests.benchmarks.official_app import OfficialLooper, get_weather

    set_tracing_disabled(True)
    work = Path(tempfile.mkdtemp(prefix="compare-"))
    with (
        DevServer(port=free_port(), ui_port=None, db_filename=work / "t.db") as server,
        ScriptedModelServer(script(calls - 1), latency=latency) as timed_model,
    ):
        os.environ |= {
            "TEMPORAL_ADDRESS": server.address,
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": timed_model.base_url,
        }
        plugin = OpenAIAgentsPlugin(model_provider=OpenAIProvider(use_responses=False))
        official_client = await Client.connect(server.address, plugins=[plugin])
        async with Worker(official_client, task_queue="official", workflows=[OfficialLooper], activities=[get_weather]):

            async def plain(n: int) -> float:
                agent = build_looper()  # built outside the timing, as in the other modes
                started = time.perf_counter()
                await Runner.run(agent, "go", max_turns=n + 1)
                return time.perf_counter() - started

            async def ours(n: int) -> tuple[float, int]:
                # Wrapped anew each run: the official plugin, run in between, sets the SDK's
                # process-wide default runner, which wrapping sets back.
                dagent = durable(build_looper(), name=f"compare-{uuid.uuid4().hex[:6]}")
                started = time.perf_counter()
                handle = await dagent.start("go", max_turns=n + 1)
                await handle.result()
                return time.perf_counter() - started, await history_bytes(handle.workflow_handle)

            async def official(n: int) -> tuple[float, int]:
                started = time.perf_counter()
                handle = await official_client.start_workflow(
                    OfficialLooper.run, n, id=f"official-{uuid.uuid4().hex[:6]}", task_queue="official"
                )
                await handle.result()
                elapsed = time.perf_counter() - started
                return elapsed, await history_bytes(handle)

            cpu: dict[str, dict[str, list[float]]] = {}
            times = await time_modes(
                {"plain": plain, "durable": ours, "official": official}, timed_model, calls, repeats, server.pid, cpu
            )

            sizes = {}
            timed_model.latency = 0.0
            timed_model.script = script(turns - 1)
            for mode, run in (("durable", ours), ("official", official)):
                timed_model.reset()  # forget cached replies of the shorter runs
                _, sizes[mode] = await run(turns - 1)
                assert len(timed_model.served) == turns, f"{mode} made {len(timed_model.served)} calls, not {turns}"

    print_table(times, calls, latency, repeats, cpu)
    print(
        f"history of a {turns}-turn conversation: durable {sizes['durable']:,} bytes, "
        f"official {sizes['official']:,} bytes, ratio {sizes['durable'] / sizes['official']:.2f}"
    )


if __name__ == "__main__":
    a = parse_arguments(__doc__.splitlines()[0])
    asyncio.run(main(a.calls, a.latency, a.repeats, a.turns))

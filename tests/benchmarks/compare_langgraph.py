"""Plain vs durable-adapters vs Temporal's official LangGraph integration, side by side in one process run.

    python -m tests.benchmarks.compare_langgraph --calls 10 --latency 0.1 --repeats 5 --turns 200

The same graph (a ChatOpenAI model node with one tool bound, a ToolNode, ``tools_condition``;
the model asks for the tool every turn) against the scripted model server:
* plain: ``graph.ainvoke``;
* durable: ``durable(graph)`` (embedded worker, ``start`` + ``result``);
* official: ``temporalio.langgraph`` (``LangGraphPlugin`` on a worker in this process, both nodes
  ``metadata={"execute_in": "activity", ...}``, a hand-written workflow; see official_langgraph_app).
Prints wall-time medians and spreads for a ``calls``-call run with ``latency`` model latency,
the ratio to plain, the median added milliseconds per call, the history bytes (as the server
counts them against its limits) of a ``turns``-turn conversation for both durable modes, and
the process's peak RSS (every mode and worker share the one process).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from tests.benchmarks._compare import history_bytes, parse_arguments, peak_rss_mb, print_table, script, time_modes


def build_looper():
    """The graph as a user writes it for LangGraph alone (no durability code)."""
    from langchain_core.messages import SystemMessage
    from langchain_openai import ChatOpenAI
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode, tools_condition

    from tests.benchmarks.official_langgraph_app import get_weather

    model = ChatOpenAI(model="gpt-4o-mini", temperature=0).bind_tools([get_weather])

    async def chatbot(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke([SystemMessage("Check every city."), *state["messages"]])]}

    builder = StateGraph(MessagesState)
    builder.add_node("chatbot", chatbot)
    builder.add_node("tools", ToolNode([get_weather]))
    builder.add_edge(START, "chatbot")
    builder.add_conditional_edges("chatbot", tools_condition)
    builder.add_edge("tools", "chatbot")
    return builder.compile()


def run_config(tool_turns: int) -> dict:
    return {"recursion_limit": 2 * tool_turns + 5}  # a model step and a tool step per turn


async def main(calls: int, latency: float, repeats: int, turns: int) -> None:
    from temporalio.client import Client
    from temporalio.langgraph import LangGraphPlugin
    from temporalio.worker import Worker

    from durable_adapters import durable
    from durable_adapters.testing import DevServer, ScriptedModelServer, free_port
    from tests.benchmarks.official_langgraph_app import GRAPH, OfficialLangGraphLooper, build_official_graph

    work = Path(tempfile.mkdtemp(prefix="compare-langgraph-"))
    with (
        DevServer(port=free_port(), ui_port=None, db_filename=work / "t.db") as server,
        ScriptedModelServer(script(calls - 1), latency=latency) as timed_model,
    ):
        os.environ |= {
            "TEMPORAL_ADDRESS": server.address,
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": timed_model.base_url,
        }
        client = await Client.connect(server.address)
        plugin = LangGraphPlugin(graphs={GRAPH: build_official_graph()})
        async with Worker(client, task_queue="official", workflows=[OfficialLangGraphLooper], plugins=[plugin]):

            async def plain(n: int) -> float:
                graph = build_looper()  # built outside the timing, as in the other modes
                started = time.perf_counter()
                result = await graph.ainvoke({"messages": [("user", "go")]}, run_config(n))
                assert result["messages"][-1].content == "done"
                return time.perf_counter() - started

            async def ours(n: int) -> tuple[float, int]:
                # Wrapped anew each run: the official plugin, run in between, sets the SDK's
                # process-wide default runner, which wrapping sets back.
                dgraph = durable(build_looper(), name=f"compare-{uuid.uuid4().hex[:6]}")
                started = time.perf_counter()
                handle = await dgraph.start({"messages": [("user", "go")]}, run_config(n))
                result = await handle.result()
                elapsed = time.perf_counter() - started
                assert result["messages"][-1].content == "done"
                return elapsed, await history_bytes(handle.workflow_handle)

            async def official(n: int, limit: timedelta | None = None) -> tuple[float, int]:
                started = time.perf_counter()
                handle = await client.start_workflow(
                    OfficialLangGraphLooper.run,
                    n,
                    id=f"official-{uuid.uuid4().hex[:6]}",
                    task_queue="official",
                    execution_timeout=limit,
                )
                answer = await handle.result()
                elapsed = time.perf_counter() - started
                assert answer == "done", answer
                return elapsed, await history_bytes(handle)

            cpu: dict[str, dict[str, list[float]]] = {}
            times = await time_modes(
                {"plain": plain, "durable": ours, "official": official}, timed_model, calls, repeats, server.pid, cpu
            )

            sizes: dict[str, int | str] = {}
            timed_model.latency = 0.0
            timed_model.script = script(turns - 1)
            # A failing activity or workflow task is retried, not raised: bound the long runs.
            limit = timedelta(seconds=60 + 2 * turns)
            long_runs = (
                ("durable", lambda n: asyncio.wait_for(ours(n), limit.total_seconds())),
                ("official", lambda n: official(n, limit)),
            )
            for mode, run in long_runs:
                timed_model.reset()  # forget cached replies of the shorter runs
                try:
                    _, sizes[mode] = await run(turns - 1)
                    assert len(timed_model.served) == turns, f"{mode} made {len(timed_model.served)} calls, not {turns}"
                except Exception as exc:  # report a mode that cannot run this long, do not hide the others
                    cause = exc.__cause__ or exc
                    sizes[mode] = (
                        f"failed ({type(exc).__name__}: {exc}; cause {type(cause).__name__}: {str(cause)[:200]})"
                    )

    print_table(times, calls, latency, repeats, cpu)
    shown = {mode: f"{size:,} bytes" if isinstance(size, int) else size for mode, size in sizes.items()}
    ratio = (
        f", ratio {sizes['durable'] / sizes['official']:.2f}"
        if all(isinstance(size, int) for size in sizes.values())
        else ""
    )
    print(f"history of a {turns}-turn conversation: durable {shown['durable']}, official {shown['official']}{ratio}")
    print(f"peak RSS of this process (all modes and workers): {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    a = parse_arguments(__doc__.splitlines()[0])
    asyncio.run(main(a.calls, a.latency, a.repeats, a.turns))

"""Streaming from a durable run: first-token latency and per-token cost against a plain streamed run.

    .nox/openai_agents-newest/bin/python -m tests.benchmarks.streaming --framework openai_agents
    .nox/langgraph-newest/bin/python -m tests.benchmarks.streaming --framework langgraph
    .nox/crewai-newest/bin/python -m tests.benchmarks.streaming --framework crewai

One agent answers one question with ``--tokens`` text deltas; the scripted model server waits
``--latency`` seconds before the first byte and ``--interval`` seconds between deltas. Three modes,
interleaved round by round so that machine noise hits them alike:

* *plain*: the framework's own streaming call (``Runner.run_streamed`` / ``graph.astream`` /
  ``Crew(stream=True).akickoff``);
* *embedded*: the same call on ``durable(agent)``, its worker in this process;
* *external*: ``durable(agent, worker=False)``, served by a ``durable-adapters worker`` in another
  process, the consumer reading the chunks over the worker's stream server.

Prints, per mode, the median and spread of the first-token latency (call → first text delta),
the added first-token latency over plain, the mean gap between deltas and its excess over plain
(the per-token cost), and, for the durable modes, the history events of a streamed run next to
the same run unstreamed.
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
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def answer_text(tokens: int) -> str:
    return "".join(f"word{i} " for i in range(tokens)).rstrip()


# -- per framework: a plain stream, a durable stream, and the text deltas in each ---------------


class OpenAIAgents:
    target = "tests.benchmarks.streaming_app:build_openai_agent"

    def build(self) -> Any:
        from tests.benchmarks.streaming_app import build_openai_agent

        return build_openai_agent()

    async def plain(self, agent: Any) -> AsyncIterator[str]:
        from agents import Runner

        async for delta in self._deltas(Runner.run_streamed(agent, "Tell me.")):
            yield delta

    async def durable(self, dagent: Any, run_id: str) -> AsyncIterator[str]:
        async for delta in self._deltas(dagent.run_streamed("Tell me.", run_id=run_id)):
            yield delta

    async def unstreamed(self, dagent: Any, run_id: str) -> None:
        await dagent.run("Tell me.", run_id=run_id)

    @staticmethod
    async def _deltas(result: Any) -> AsyncIterator[str]:
        async for event in result.stream_events():
            if event.type == "raw_response_event" and getattr(event.data, "type", "") in (
                "response.output_text.delta",
            ):
                yield event.data.delta


class LangGraph:
    target = "tests.benchmarks.streaming_app:build_langgraph_agent"

    def build(self) -> Any:
        from tests.benchmarks.streaming_app import build_langgraph_agent

        return build_langgraph_agent()

    async def plain(self, graph: Any) -> AsyncIterator[str]:
        async for delta in self._deltas(graph.astream({"messages": [("user", "Tell me.")]}, stream_mode="messages")):
            yield delta

    async def durable(self, dgraph: Any, run_id: str) -> AsyncIterator[str]:
        chunks = dgraph.astream({"messages": [("user", "Tell me.")]}, stream_mode="messages", run_id=run_id)
        async for delta in self._deltas(chunks):
            yield delta

    async def unstreamed(self, dgraph: Any, run_id: str) -> None:
        handle = await dgraph.start({"messages": [("user", "Tell me.")]}, run_id=run_id)
        await handle.result()

    @staticmethod
    async def _deltas(chunks: AsyncIterator[Any]) -> AsyncIterator[str]:
        async for message, _metadata in chunks:
            if isinstance(message.content, str) and message.content:
                yield message.content


class CrewAI:
    target = "tests.benchmarks.streaming_app:build_crewai_crew"

    def build(self) -> Any:
        from tests.benchmarks.streaming_app import build_crewai_crew

        return build_crewai_crew()

    async def plain(self, crew: Any) -> AsyncIterator[str]:
        async for delta in self._deltas(await crew.akickoff()):
            yield delta

    async def durable(self, dcrew: Any, run_id: str) -> AsyncIterator[str]:
        async for delta in self._deltas(await dcrew.akickoff(run_id=run_id)):
            yield delta

    async def unstreamed(self, dcrew: Any, run_id: str) -> None:
        from durable_adapters import durable
        from tests.benchmarks.streaming_app import build_crewai_crew

        await durable(build_crewai_crew(stream=False), name=f"{dcrew.name}-unstreamed").akickoff(run_id=run_id)

    @staticmethod
    async def _deltas(streaming: Any) -> AsyncIterator[str]:
        from crewai.types.streaming import StreamChunkType

        async for chunk in streaming:
            if chunk.chunk_type == StreamChunkType.TEXT and chunk.content:
                yield chunk.content


FRAMEWORKS: dict[str, Callable[[], Any]] = {"openai_agents": OpenAIAgents, "langgraph": LangGraph, "crewai": CrewAI}


async def measure(deltas: AsyncIterator[str], arrivals: list[float]) -> tuple[float, float, list[float], str]:
    """(seconds to the first delta, seconds until the model request arrived, arrival times of
    every delta, the text)."""
    started = time.perf_counter()
    arrived = len(arrivals)
    times: list[float] = []
    text = ""
    async for delta in deltas:
        times.append(time.perf_counter() - started)
        text += delta
    if not times or len(arrivals) <= arrived:
        raise RuntimeError("the stream yielded no text delta, or no new model request was made")
    return times[0], arrivals[arrived] - started, times, text


def gaps(times: list[float]) -> float:
    return (times[-1] - times[0]) / max(len(times) - 1, 1)


async def history_events(run_id: str) -> int:
    from temporalio.client import Client

    client = await Client.connect(os.environ["TEMPORAL_ADDRESS"])
    return len([event async for event in client.get_workflow_handle(run_id).fetch_history_events()])


async def main(framework_name: str, tokens: int, latency: float, interval: float, repeats: int) -> None:
    from durable_adapters import durable
    from durable_adapters.testing import DevServer, Reply, ScriptedModelServer, WorkerProcess, free_port

    framework = FRAMEWORKS[framework_name]()
    text = answer_text(tokens)
    arrivals: list[float] = []

    def reply(request: Any) -> Reply:
        arrivals.append(time.perf_counter())  # the script runs when a new request arrives
        return Reply.text(text)

    work = Path(tempfile.mkdtemp(prefix="streaming-"))
    with (
        DevServer(port=free_port(), ui_port=None, db_filename=work / "t.db") as server,
        ScriptedModelServer(reply, latency=latency, stream_interval=interval) as model,
    ):
        os.environ |= {"TEMPORAL_ADDRESS": server.address, "OPENAI_BASE_URL": model.base_url}
        os.environ.setdefault("OPENAI_API_KEY", "sk-benchmark")
        # No trace export (it would try to reach OpenAI), in this process and in the worker.
        os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
        name = f"streaming-{uuid.uuid4().hex[:6]}"
        worker = WorkerProcess(
            [f"{name}-ext={framework.target}"],
            temporal_address=server.address,
            env={"OPENAI_BASE_URL": model.base_url, "OPENAI_AGENTS_DISABLE_TRACING": "1"},
            cwd=str(ROOT),
        ).start()
        try:
            embedded = durable(framework.build(), name=f"{name}-emb")
            external = durable(framework.build(), name=f"{name}-ext", worker=False)
            plain_agent = framework.build()
            first: dict[str, list[float]] = {"plain": [], "embedded": [], "external": []}
            to_request: dict[str, list[float]] = {"plain": [], "embedded": [], "external": []}
            per_token: dict[str, list[float]] = {"plain": [], "embedded": [], "external": []}
            for round_ in range(repeats + 1):  # round 0 warms imports, workers and connections
                for mode, deltas in (
                    ("plain", framework.plain(plain_agent)),
                    ("embedded", framework.durable(embedded, f"{name}-e{round_}")),
                    ("external", framework.durable(external, f"{name}-x{round_}")),
                ):
                    model.reset()  # every request is a new one: answered by the script, timed
                    t_first, t_request, times, got = await measure(deltas, arrivals)
                    if got.strip() != text:
                        raise RuntimeError(f"{mode}: the deltas joined are not the answer: {got[:80]!r}")
                    if round_:
                        first[mode].append(t_first)
                        to_request[mode].append(t_request)
                        per_token[mode].append(gaps(times))
            streamed_id, unstreamed_id = f"{name}-hist-s", f"{name}-hist-u"
            model.reset()
            await measure(framework.durable(embedded, streamed_id), arrivals)
            await framework.unstreamed(embedded, unstreamed_id)
            events = {"streamed": await history_events(streamed_id), "unstreamed": await history_events(unstreamed_id)}
        finally:
            worker.stop()

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; {framework_name}")
    print(
        f"one answer of {tokens} deltas; model: {latency * 1000:.0f} ms to first byte, "
        f"{interval * 1000:.0f} ms between deltas; {repeats} repeats"
    )
    plain_first = statistics.median(first["plain"])
    plain_gap = statistics.median(per_token["plain"])
    print(
        "| mode | first token, median ms (min–max) | added vs plain ms | of which before the model request ms "
        "| ms between tokens | added per token ms |"
    )
    print("|---|---|---|---|---|---|")
    plain_request = statistics.median(to_request["plain"])
    for mode in first:
        f = [x * 1000 for x in first[mode]]
        g = statistics.median(per_token[mode]) * 1000
        print(
            f"| {mode} | {statistics.median(f):.1f} ({min(f):.1f}–{max(f):.1f}) | "
            f"{statistics.median(f) - plain_first * 1000:+.1f} | "
            f"{(statistics.median(to_request[mode]) - plain_request) * 1000:+.1f} | "
            f"{g:.2f} | {g - plain_gap * 1000:+.2f} |"
        )
    print(
        f"history events of the one-call durable run: streamed {events['streamed']}, "
        f"unstreamed {events['unstreamed']} (added by streaming: {events['streamed'] - events['unstreamed']})"
    )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--framework", choices=sorted(FRAMEWORKS), default="openai_agents")
    parser.add_argument("--tokens", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--interval", type=float, default=0.01)
    parser.add_argument("--repeats", type=int, default=7)
    return parser.parse_args()


if __name__ == "__main__":
    args = parse()
    asyncio.run(main(args.framework, args.tokens, args.latency, args.interval, args.repeats))
    from durable_adapters.testing import exit_now

    exit_now(0)

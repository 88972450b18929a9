"""A run's stream: events in order, streamed calls' chunks live while the call runs, never in history."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap

import pytest

from durable_adapters import RunHandle, StreamEvent, _live

from ._fake_adapter import event_types, gate, host_fake, serving, start_program


def run_handle(handle) -> RunHandle:
    return RunHandle(handle, ui_url=None, decode=lambda payload: payload)


def shape(events: list[StreamEvent]) -> list[tuple]:
    """What a consumer sees, without indexes: kinds with their content."""
    out: list[tuple] = []
    for ev in events:
        if ev.kind == "event":
            out.append(("event", ev.event["name"]))
        elif ev.kind == "chunk":
            out.append(("chunk", ev.chunk["text"]))
        elif ev.kind == "call_finished":
            out.append(("call_finished", ev.streamed, ev.failed))
        elif ev.kind == "call_restarted":
            out.append(("call_restarted", ev.attempt))
        else:
            out.append((ev.kind,))
    return out


def program(name: str, *, stream: bool = True) -> list[dict]:
    op = "stream_model" if stream else "model"
    return [
        {"op": "emit", "event": {"name": "begin"}},
        {
            "op": "model" if not stream else op,
            "key": "first",
            "request": {"chunks": ["Hel", "lo", " wor", "ld"], "gate": name, "gate_after": 2},
        },
        {"op": "emit", "event": {"name": "middle"}},
        {"op": op, "key": "second", "request": {"chunks": ["a", "b"]}},
        {"op": "model", "key": "plain"},
        {"op": "emit", "event": {"name": "end"}},
    ]


async def consume(handle: RunHandle, into: list[StreamEvent], after: int = -1) -> None:
    async for event in handle.stream(after=after):
        into.append(event)


async def test_chunks_arrive_while_the_call_runs_in_the_runs_order(temporal_client, unique):
    hosted = host_fake(f"stream-{unique}")
    held = f"stream-{unique}"
    async with serving(temporal_client, f"core-stream-{unique}") as queue:
        handle = run_handle(await start_program(temporal_client, queue, hosted.name, program(held), run_id=held))
        seen: list[StreamEvent] = []
        consumer = asyncio.ensure_future(consume(handle, seen))
        # The first call is held after two chunks: the consumer has them while the call runs.
        await asyncio.wait_for(gate(f"{held}/1").entered.wait(), timeout=30)
        while len([e for e in seen if e.kind == "chunk"]) < 2:
            await asyncio.sleep(0.01)
        assert shape(seen) == [("event", "begin"), ("call_started",), ("chunk", "Hel"), ("chunk", "lo")]
        gate(f"{held}/1").release.set()
        result = await asyncio.wait_for(handle.result(), timeout=30)
        await asyncio.wait_for(consumer, timeout=30)
    assert result["results"][1]["text"] == "Hello world"
    assert shape(seen) == [
        ("event", "begin"),
        ("call_started",),
        *[("chunk", c) for c in ["Hel", "lo", " wor", "ld"]],
        ("call_finished", True, False),
        ("event", "middle"),
        ("call_started",),
        ("chunk", "a"),
        ("chunk", "b"),
        ("call_finished", True, False),
        ("event", "end"),
    ]
    # Indexes are positions in the run's stream: a call's chunks carry its start's index.
    starts = [e.index for e in seen if e.kind == "call_started"]
    assert {e.index for e in seen if e.kind == "chunk"} == set(starts)
    # Resuming after an index yields exactly what followed it.
    middle = next(e.index for e in seen if e.kind == "event" and e.event["name"] == "middle")
    async with serving(temporal_client, queue):  # a finished run answers queries through a worker
        resumed: list[StreamEvent] = []
        await consume(handle, resumed, after=middle)
    assert shape(resumed) == shape(seen)[shape(seen).index(("event", "middle")) + 1 :]


async def test_streaming_adds_no_history_events(temporal_client, unique):
    """History grows by the call, not by its chunks: a streamed run records exactly what the same
    run records unstreamed."""
    counts = []
    for stream in (False, True):
        hosted = host_fake(f"hist-{stream}-{unique}")
        steps = program(f"hist-{stream}-{unique}", stream=stream)
        steps[1]["request"].pop("gate")
        async with serving(temporal_client, f"core-hist-{stream}-{unique}") as queue:
            handle = await start_program(temporal_client, queue, hosted.name, steps, run_id=f"hist-{stream}-{unique}")
            await asyncio.wait_for(handle.result(), timeout=30)
            counts.append(await event_types(handle))
    assert counts[0] == counts[1]


async def test_a_restarted_call_is_announced_then_streamed_again(temporal_client, unique):
    hosted = host_fake(f"restart-{unique}")
    held = f"restart-{unique}"
    steps = [
        {
            "op": "stream_model",
            "key": "flaky",
            "request": {"chunks": ["x", "y", "z"], "gate": held, "gate_after": 2, "fail_attempt": 1},
        }
    ]
    async with serving(temporal_client, f"core-restart-{unique}") as queue:
        handle = run_handle(await start_program(temporal_client, queue, hosted.name, steps, run_id=held))
        seen: list[StreamEvent] = []
        consumer = asyncio.ensure_future(consume(handle, seen))
        await asyncio.wait_for(gate(f"{held}/2").entered.wait(), timeout=30)
        gate(f"{held}/2").release.set()
        result = await asyncio.wait_for(handle.result(), timeout=30)
        await asyncio.wait_for(consumer, timeout=30)
    assert result["results"][0]["text"] == "xyz"
    # The first attempt's chunks may or may not have been read before it failed; after the
    # restart event comes the whole second attempt, once.
    kinds = shape(seen)
    restart = kinds.index(("call_restarted", 2))
    assert kinds[restart + 1 :] == [("chunk", "x"), ("chunk", "y"), ("chunk", "z"), ("call_finished", True, False)]
    assert all(k in (("call_started",), ("chunk", "x"), ("chunk", "y")) for k in kinds[:restart])


CONSUMER = textwrap.dedent(
    """
    import asyncio, json, sys
    from durable_adapters import attach

    async def main():
        handle = await attach(sys.argv[1])
        async for event in handle.stream():
            print(json.dumps(event.model_dump()), flush=True)

    asyncio.run(main())
    from durable_adapters.testing import exit_now
    exit_now(0)
    """
)


async def test_a_consumer_in_another_process_reads_the_live_chunks(temporal_client, unique, tmp_path):
    """No shared memory: the consumer finds the call's stream in its heartbeat details and reads
    it from this worker's stream server; after the run, it reads the run from its queries."""
    hosted = host_fake(f"remote-{unique}")
    held = f"remote-{unique}"
    script = tmp_path / "consumer.py"
    script.write_text(CONSUMER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    async with serving(temporal_client, f"core-remote-{unique}") as queue:
        handle = run_handle(await start_program(temporal_client, queue, hosted.name, program(held), run_id=held))
        consumer = await asyncio.create_subprocess_exec(
            sys.executable, str(script), held, stdout=subprocess.PIPE, env=env
        )
        assert consumer.stdout is not None
        lines: list[dict] = []
        await asyncio.wait_for(gate(f"{held}/1").entered.wait(), timeout=30)
        # The call is held after two chunks: the other process reads both while it runs.
        while len([line for line in lines if line["kind"] == "chunk"]) < 2:
            line = await asyncio.wait_for(consumer.stdout.readline(), timeout=30)
            assert line, "the consumer ended early"
            lines.append(json.loads(line))
        gate(f"{held}/1").release.set()
        await asyncio.wait_for(handle.result(), timeout=30)
        rest, _ = await asyncio.wait_for(consumer.communicate(), timeout=60)
        assert consumer.returncode == 0
        lines += [json.loads(line) for line in rest.splitlines()]
    seen = [StreamEvent.model_validate(line) for line in lines]
    assert [c for c in shape(seen) if c[0] == "chunk"][:4] == [("chunk", c) for c in ["Hel", "lo", " wor", "ld"]]
    assert shape(seen)[:8] == [
        ("event", "begin"),
        ("call_started",),
        *[("chunk", c) for c in ["Hel", "lo", " wor", "ld"]],
        ("call_finished", True, False),
        ("event", "middle"),
    ]
    assert shape(seen)[-1] == ("event", "end")


@pytest.mark.parametrize("kept", [True, False], ids=["chunks-kept", "chunks-gone"])
async def test_a_late_consumer_in_another_process(kept, temporal_client, unique, tmp_path):
    """After the run finished: each call's chunks, read from the worker that made it while it
    keeps them (the call's result says where); once they are gone, each call's start and end
    with ``streamed=False`` (its content is in the run's events and result)."""
    hosted = host_fake(f"late-{kept}-{unique}")
    steps = program(f"late-{kept}-{unique}")
    steps[1]["request"].pop("gate")
    script = tmp_path / "consumer.py"
    script.write_text(CONSUMER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    async with serving(temporal_client, f"core-late-{kept}-{unique}") as queue:
        run_id = f"late-{kept}-{unique}"
        handle = await start_program(temporal_client, queue, hosted.name, steps, run_id=run_id)
        await asyncio.wait_for(handle.result(), timeout=30)
        if not kept:
            for call in ("1 model first", "2 model second"):
                live = _live.find_call(run_id, call)
                assert live is not None and live.ended == "finished"
                _live._calls.pop(live.key)
        out = await asyncio.wait_for(
            asyncio.to_thread(
                subprocess.run, [sys.executable, str(script), run_id], capture_output=True, env=env, timeout=60
            ),
            timeout=90,
        )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    seen = [StreamEvent.model_validate(json.loads(line)) for line in out.stdout.splitlines()]
    first = [("chunk", c) for c in ["Hel", "lo", " wor", "ld"]] if kept else []
    second = [("chunk", "a"), ("chunk", "b")] if kept else []
    assert shape(seen) == [
        ("event", "begin"),
        ("call_started",),
        *first,
        ("call_finished", kept, False),
        ("event", "middle"),
        ("call_started",),
        *second,
        ("call_finished", kept, False),
        ("event", "end"),
    ]


@pytest.mark.faults
async def test_a_hundred_concurrent_streams_on_one_worker(temporal_client, unique):
    """100 runs streaming at once through one worker: every consumer gets its own chunks, in order."""
    count = 100
    hosted = host_fake(f"many-{unique}")
    chunks = [f"t{i} " for i in range(10)]
    async with serving(temporal_client, f"core-many-{unique}") as queue:

        async def one(i: int) -> list[StreamEvent]:
            steps = [{"op": "stream_model", "key": f"k{i}", "request": {"chunks": [f"{i}:"] + chunks}}]
            handle = run_handle(
                await start_program(temporal_client, queue, hosted.name, steps, run_id=f"many-{i}-{unique}")
            )
            seen: list[StreamEvent] = []
            await consume(handle, seen)
            await handle.result()
            return seen

        results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(count))), timeout=240)
    for i, seen in enumerate(results):
        assert [e.chunk["text"] for e in seen if e.kind == "chunk"] == [f"{i}:"] + chunks
        assert shape(seen)[-1] == ("call_finished", True, False)

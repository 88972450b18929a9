"""CrewAI's own streaming (``Crew(stream=True)``) through durable runs: the plain run's chunks, live.

The crew is model (tool call) → tool → model (text), streamed. A plain ``crew.kickoff()`` returns
a ``CrewStreamingOutput``; so does ``durable(crew).kickoff()``, with the same chunks in the same
order, the same request bodies (``"stream": true``) and the same ``.result``.
"""

from __future__ import annotations

import asyncio

import openai
import pytest
from crewai.types.streaming import CrewStreamingOutput, StreamChunk, StreamChunkType

from durable_adapters import RunFailedError, durable
from durable_adapters.adapter import StreamEvent
from durable_adapters.testing import Reply
from durable_adapters_crewai import CallRestarted
from durable_adapters_crewai._stream import ChunkReader
from tests.apps.crewai_crews import build_hierarchical_crew, build_streaming_crew, build_structured_crew, llm
from tests.crewai.test_run import HIERARCHICAL_SCRIPT

ANSWER = "Paris is sunny at 21C today."
SCRIPT = [Reply.tool_call("get_weather", {"city": "Paris"}), Reply.text(ANSWER)]
INPUTS = {"cities": "Paris"}
TARGET = "tests.apps.crewai_crews:build_streaming_crew"


def shape(chunks):
    """What a consumer of the chunks sees, but the agent id (each crew object has its own)."""
    return [(type(c), c.chunk_type, c.content, c.agent_role, c.task_index, c.task_name, c.tool_call) for c in chunks]


async def plain_stream(scripted_model, monkeypatch):
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    crew = build_streaming_crew()
    streaming = await crew.akickoff(inputs=INPUTS)
    chunks = [chunk async for chunk in streaming]
    assert {c.agent_id for c in chunks} == {str(crew.agents[0].id)}
    return chunks, streaming.result, server


async def iterate(streaming, sync):
    if sync:  # a sync consumer, as after crew.kickoff(): its own thread, like CrewAI's
        return await asyncio.to_thread(list, streaming)
    return [chunk async for chunk in streaming]


@pytest.mark.parametrize("sync", [False, True], ids=["akickoff", "kickoff"])
async def test_streamed_run_yields_the_plain_runs_chunks(scripted_model, monkeypatch, unique, sync):
    plain_chunks, plain_result, plain_server = await plain_stream(scripted_model, monkeypatch)
    kinds = [c.chunk_type for c in plain_chunks]
    assert kinds[:2] == [StreamChunkType.TOOL_CALL] * 2 and set(kinds[2:]) == {StreamChunkType.TEXT}

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dcrew = durable(build_streaming_crew(), name=f"streaming-{unique}")
    streaming = dcrew.kickoff(inputs=INPUTS) if sync else await dcrew.akickoff(inputs=INPUTS)
    assert isinstance(streaming, CrewStreamingOutput)
    chunks = await asyncio.wait_for(iterate(streaming, sync), timeout=60)

    assert shape(chunks) == shape(plain_chunks)
    assert "".join(c.content for c in chunks) == "".join(c.content for c in plain_chunks)
    assert {c.agent_id for c in chunks} == {str(dcrew.crew.agents[0].id)}  # the client's crew, as plainly
    assert streaming.get_full_text() == ANSWER
    assert streaming.result.raw == plain_result.raw == ANSWER
    assert streaming.result.token_usage == plain_result.token_usage
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert all(r.body["stream"] is True for r in server.served)


def structured_streaming_crew():
    crew = build_structured_crew()
    crew.stream = True
    return crew


def hierarchical_streaming_crew():
    manager = llm()
    manager.stream = True  # the manager streams only if made to: CrewAI turns it on for agents only
    crew = build_hierarchical_crew(manager_llm=manager)
    crew.stream = True
    return crew


STRUCTURED_SCRIPT = [Reply.tool_call("get_weather", {"city": "Rome"}), Reply.json({"city": "Rome", "summary": "sunny"})]


@pytest.mark.parametrize(
    ("build", "script"),
    [(structured_streaming_crew, STRUCTURED_SCRIPT), (hierarchical_streaming_crew, HIERARCHICAL_SCRIPT)],
    ids=["output_pydantic", "hierarchical"],
)
async def test_structured_and_hierarchical_crews_stream_as_plainly(scripted_model, monkeypatch, unique, build, script):
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await build().akickoff(inputs={"city": "Rome"})
    plain_chunks = [chunk async for chunk in plain]

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    streaming = await durable(build(), name=f"streaming-{build.__name__}-{unique}").akickoff(inputs={"city": "Rome"})
    chunks = [chunk async for chunk in streaming]

    assert shape(chunks) == shape(plain_chunks)  # the manager's and the coworker's chunks, each by role
    assert streaming.result.raw == plain.result.raw
    assert streaming.result.pydantic == plain.result.pydantic
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]


async def test_tokens_reach_a_remote_consumer_before_the_call_completes_and_a_late_one_reads_them_again(
    scripted_model, worker_process, monkeypatch, unique
):
    plain_chunks, _, _ = await plain_stream(scripted_model, monkeypatch)
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.hold_after(1, after_events=3)  # the answer: its role, "Paris ", "is ", then held
    name = f"streaming-remote-{unique}"
    worker_process(f"{name}={TARGET}", env={"OPENAI_BASE_URL": server.base_url})

    dcrew = durable(build_streaming_crew(), name=name, worker=False)
    streaming = await dcrew.akickoff(inputs=INPUTS, run_id=name)
    chunks = []
    async for chunk in streaming:
        chunks.append(chunk)
        if [c.content for c in chunks if c.chunk_type == StreamChunkType.TEXT] == ["Paris ", "is "]:
            # Two tokens arrived while the model server still holds the rest of the answer.
            assert [r.body for r in server.held] == [server.served[1].body]
            server.release()

    assert shape(chunks) == shape(plain_chunks)
    assert streaming.result.raw == ANSWER
    assert server.repeats == []

    # A consumer that comes late (the run finished) reads each call's chunks from the worker that
    # made it, which keeps them a while (the call's result says where): the same chunks again.
    late = await dcrew.akickoff(inputs=INPUTS, run_id=name)
    late_chunks = [chunk async for chunk in late]
    assert shape(late_chunks) == shape(plain_chunks)
    assert {(c.agent_role, c.agent_id) for c in late_chunks} == {("Looper", str(dcrew.crew.agents[0].id))}
    assert late.result.raw == ANSWER
    assert len(server.served) == len(SCRIPT)  # nothing was sent again


async def test_worker_killed_mid_stream_restarts_the_call_and_streams_it_again(
    scripted_model, worker_process, monkeypatch, unique
):
    plain_chunks, _, _ = await plain_stream(scripted_model, monkeypatch)
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.hold_after(1, after_events=3)
    name = f"streaming-kill-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url}
    first = worker_process(f"{name}={TARGET}", env=env)

    streaming = await durable(build_streaming_crew(), name=name, worker=False).akickoff(inputs=INPUTS)
    chunks = []
    async for chunk in streaming:
        chunks.append(chunk)
        if len(chunks) == 4 and first.running:  # two tool-call chunks, then "Paris ", "is "
            first.kill()  # SIGKILL while the answer is mid-stream
            assert first.returncode == -9
            server.release()  # the killed request is answered into the void
            server.stream_interval = 0.2  # the retried answer takes a while: its tokens stream live
            worker_process(f"{name}={TARGET}", env=env)

    restarts = [i for i, c in enumerate(chunks) if isinstance(c, CallRestarted)]
    assert len(restarts) == 1
    restart = chunks[restarts[0]]
    assert restart.attempt >= 2 and restart.retracted == 2 and restart.content == ""
    assert [c.content for c in chunks[2:4]] == ["Paris ", "is "]  # the interrupted attempt
    kept = chunks[:2] + chunks[restarts[0] + 1 :]  # the retracted chunks dropped, as the marker says
    assert shape(kept) == shape(plain_chunks)
    assert streaming.result.raw == ANSWER
    # Only the call in flight at the kill was sent again; the finished tool-call request was not.
    assert server.repeats and all(r.body == server.served[1].body for r in server.repeats)


async def test_a_failed_streamed_run_raises_from_the_iteration_as_plainly(scripted_model, monkeypatch, unique):
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.fail_next(401, times=10)
    plain = await build_streaming_crew().akickoff(inputs=INPUTS)
    with pytest.raises(openai.AuthenticationError):
        [chunk async for chunk in plain]
    with pytest.raises(openai.AuthenticationError):
        _ = plain.result

    streaming = await durable(build_streaming_crew(), name=f"streaming-fail-{unique}").akickoff(inputs=INPUTS)
    with pytest.raises(RunFailedError) as failure:
        [chunk async for chunk in streaming]
    assert failure.value.type == "openai.AuthenticationError"
    with pytest.raises(RunFailedError):
        _ = streaming.result


def for_each_reply(request):
    """A tool call first, the answer once the tool's result is in (runs interleave)."""
    if any(message.get("role") == "tool" for message in request.body["messages"]):
        return Reply.text(ANSWER)
    return Reply.tool_call("get_weather", {"city": "Paris"})


async def test_akickoff_for_each_merges_the_runs_chunks_as_plainly(scripted_model, monkeypatch, unique):
    each = [{"cities": "Paris"}, {"cities": "Rome"}]
    server = scripted_model(for_each_reply)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain = await build_streaming_crew().akickoff_for_each(each)
    plain_chunks = [chunk async for chunk in plain]

    streaming = await durable(build_streaming_crew(), name=f"streaming-each-{unique}").akickoff_for_each(each)
    chunks = [chunk async for chunk in streaming]

    # The runs' chunks interleave as they come; each run's own are in order.
    def contents(chunks):
        return sorted((c.chunk_type.value, c.content) for c in chunks)

    # CrewAI yields every chunk of a streamed akickoff_for_each twice (its merged stream's handler
    # and each run's own stream both get it); the durable merged stream yields each once.
    assert contents(plain_chunks) == sorted(contents(chunks) * 2)
    assert len(chunks) == 2 * 8  # each run: two tool-call chunks, six text tokens
    assert [r.raw for r in streaming.results] == [r.raw for r in plain.results] == [ANSWER, ANSWER]


def test_a_lost_stream_is_retracted_and_the_answer_given_whole():
    # What the client makes of the run's stream when a call's live stream broke off and the call
    # finished before a new attempt could be followed (no call_restarted came): the chunks already
    # yielded are retracted, then the call's answer comes whole from the run's record.
    started = {"kind": "crewai.llm_stream_started", "agent_role": "Looper", "agent_id": "wf-id", "agent": "agents[0]"}
    completed = {"kind": "crewai.llm_stream_completed", "chunks": [{"chunk": ANSWER}]}
    call = "3 model agents[0].llm"
    items = [
        StreamEvent(index=0, kind="event", event=started),
        StreamEvent(index=1, kind="call_started", call=call),
        StreamEvent(index=1, kind="chunk", call=call, chunk={"chunk": "Paris ", "call_id": "c"}),
        StreamEvent(index=2, kind="call_finished", call=call, streamed=False, failed=False),
        StreamEvent(index=3, kind="event", event=completed),
    ]
    reader = ChunkReader({"agents[0]": "client-id"})
    chunks = [chunk for item in items for chunk in reader.feed(item)]

    assert [(type(c), c.content, c.agent_role, c.agent_id) for c in chunks] == [
        (StreamChunk, "Paris ", "Looper", "client-id"),
        (CallRestarted, "", "Looper", "client-id"),
        (StreamChunk, ANSWER, "Looper", "client-id"),
    ]
    assert (chunks[1].call, chunks[1].attempt, chunks[1].retracted) == (call, 0, 1)

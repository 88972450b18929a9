"""Streamed durable runs: ``durable(agent).run_streamed`` yields a plain ``Runner.run_streamed``'s events, live."""

from __future__ import annotations

import asyncio

import pytest
from agents import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunItemStreamEvent,
    Runner,
    RunResultStreaming,
    set_tracing_disabled,
)

from durable_adapters import RunFailedError, durable
from durable_adapters.testing import Reply, run_histories
from durable_adapters_openai_agents import ModelCallRestarted
from tests.apps.openai_weather import build_by_name, build_looper, build_triage

TRIAGE_SCRIPT = [
    Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_local_time", {"city": "Paris"})]),
    Reply.tool_call("translate", {"input": "Paris: sunny, 21C"}),
    Reply.text("Paris : ensoleillé, 21C"),
    Reply.tool_call("transfer_to_reporter", {}),
    Reply.text("Report: Paris is sunny, 21C, at 12:00 (ensoleillé)."),
]
LOOPER_SCRIPT = [Reply.tool_call("get_weather", {"city": "Oslo"}), Reply.text("Oslo is sunny and mild today.")]


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)  # the plain reference runs must not try to export traces


def kind(event) -> tuple[str, ...]:
    if isinstance(event, RawResponsesStreamEvent):
        return ("raw", event.data.type)
    if isinstance(event, RunItemStreamEvent):
        return ("item", event.name, type(event.item).__name__)
    if isinstance(event, AgentUpdatedStreamEvent):
        return ("agent", event.new_agent.name)
    if isinstance(event, ModelCallRestarted):
        return ("restarted",)
    raise AssertionError(f"unexpected stream event {event!r}")


def deltas(events) -> str:
    return "".join(
        e.data.delta
        for e in events
        if isinstance(e, RawResponsesStreamEvent) and e.data.type == "response.output_text.delta"
    )


# A stream that stops short fails its test instead of hanging the session.
STREAM_TIMEOUT = 120


async def drain(result: RunResultStreaming) -> list:
    async with asyncio.timeout(STREAM_TIMEOUT):
        return [event async for event in result.stream_events()]


async def plain_streamed(scripted_model, monkeypatch, build, script, text):
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = Runner.run_streamed(build(), text)
    return result, await drain(result), server


@pytest.mark.parametrize(
    ("build", "script"),
    [(build_triage, TRIAGE_SCRIPT), (build_by_name, LOOPER_SCRIPT)],
    ids=["chat-completions-handoff-agent-tool", "responses-api"],
)
async def test_streamed_run_yields_the_plain_streamed_runs_events(build, script, scripted_model, monkeypatch, unique):
    plain, plain_events, plain_server = await plain_streamed(scripted_model, monkeypatch, build, script, "Weather?")

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = durable(build(), name=f"stream-{unique}").run_streamed("Weather?")
    assert isinstance(result, RunResultStreaming)
    events = await drain(result)

    assert [kind(e) for e in events] == [kind(e) for e in plain_events]
    assert deltas(events) == deltas(plain_events) != ""
    # Each raw event is the provider's, as a plain run yields it (ids, text, items...).
    plain_raw = [e.data for e in plain_events if isinstance(e, RawResponsesStreamEvent)]
    raw = [e.data for e in events if isinstance(e, RawResponsesStreamEvent)]
    skip = {"created_at", "response"}  # a Chat Completions stream stamps the wall clock
    assert [r.model_dump(exclude=skip) for r in raw] == [r.model_dump(exclude=skip) for r in plain_raw]
    # The model got the same streamed requests ("stream": true) as in the plain streamed run.
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert all(r.stream for r in server.served if r.body.get("stream")) and server.served[0].stream
    assert not server.repeats
    assert result.is_complete
    assert result.final_output == plain.final_output
    assert result.last_agent.name == plain.last_agent.name
    assert [type(i).__name__ for i in result.new_items] == [type(i).__name__ for i in plain.new_items]
    assert result.to_input_list() == plain.to_input_list()
    assert result.context_wrapper.usage.requests == plain.context_wrapper.usage.requests


async def test_tokens_arrive_while_the_model_call_is_still_answering(scripted_model, monkeypatch, unique):
    server = scripted_model(LOOPER_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.hold_after(1, after_events=4)  # the answer: role, "Oslo ", "is ", "sunny " ... then held

    result = durable(build_looper(), name=f"stream-live-{unique}").run_streamed("Oslo?")
    events = result.stream_events()
    first_delta = None
    while first_delta is None:
        event = await asyncio.wait_for(anext(events), timeout=STREAM_TIMEOUT)
        if isinstance(event, RawResponsesStreamEvent) and event.data.type == "response.output_text.delta":
            first_delta = event.data.delta
    # The model's answer is still being held by the server: the token came from the call in flight.
    assert [r.body for r in server.held] and first_delta == "Oslo "
    server.release()
    async with asyncio.timeout(STREAM_TIMEOUT):
        rest = [event async for event in events]

    assert first_delta + deltas(rest) == "Oslo is sunny and mild today."
    assert result.final_output == "Oslo is sunny and mild today."


async def test_a_failed_streamed_run_raises_from_stream_events(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.tool_call("get_weather", {"city": "Paris"})] * 3)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    result = durable(build_looper(), name=f"stream-fail-{unique}").run_streamed("Paris?", max_turns=1)
    with pytest.raises(RunFailedError) as failure:
        await drain(result)
    assert failure.value.type == "agents.exceptions.MaxTurnsExceeded"


async def test_a_late_consumer_gets_each_finished_call_as_its_completed_event(
    scripted_model, worker_process, monkeypatch, unique
):
    _, plain_events, _ = await plain_streamed(scripted_model, monkeypatch, build_looper, LOOPER_SCRIPT, "Oslo?")
    monkeypatch.delenv("OPENAI_BASE_URL")
    server = scripted_model(LOOPER_SCRIPT)
    name = f"stream-late-{unique}"
    target, env = f"{name}=tests.apps.openai_weather:build_looper", {"OPENAI_BASE_URL": server.base_url}
    streamer = worker_process(target, env=env)
    dagent = durable(build_looper(), name=name, worker=False)
    first = dagent.run_streamed("Oslo?", run_id=f"late-{unique}")
    await drain(first)
    streamer.kill()  # the calls' token events were only ever in this worker's memory
    worker_process(target, env=env)

    again = dagent.run_streamed("Oslo?", run_id=f"late-{unique}")  # the finished run, from its start
    events = await drain(again)

    # Each finished call comes as its completed response (from history), the rest as in the plain run.
    finished_only = [k for k in map(kind, plain_events) if k[0] != "raw" or k[1] == "response.completed"]
    assert [kind(e) for e in events] == finished_only
    completed = [e.data.response.output for e in events if isinstance(e, RawResponsesStreamEvent)]
    plain_completed = [e.data.response.output for e in plain_events if kind(e) == ("raw", "response.completed")]
    assert completed == plain_completed
    assert again.final_output == first.final_output == "Oslo is sunny and mild today."
    assert len(server.served) == 2 and not server.repeats  # nothing was sent again


async def drain_each_call_held(result: RunResultStreaming, server) -> list:
    """Drain ``result``, each model answer held after its first event until that event has arrived.

    A consumer in another process than the worker reads a call's events from that worker while
    the call runs; one that reaches a call only after it finished gets its completed event alone
    (see the late consumer test). Holding each call until it is followed makes that certain.
    """
    server.hold_after(len(server.served), after_events=1)
    events = []
    async with asyncio.timeout(STREAM_TIMEOUT):
        async for event in result.stream_events():
            events.append(event)
            if isinstance(event, RawResponsesStreamEvent) and server.held:
                server.release()
                server.hold_after(len(server.served), after_events=1)
    server.release()
    return events


async def test_streamed_run_on_a_worker_in_another_process(scripted_model, worker_process, monkeypatch, unique):
    _, plain_events, plain_server = await plain_streamed(
        scripted_model, monkeypatch, build_looper, LOOPER_SCRIPT, "Oslo?"
    )
    monkeypatch.delenv("OPENAI_BASE_URL")
    server = scripted_model(LOOPER_SCRIPT)
    name = f"stream-remote-{unique}"
    worker_process(f"{name}=tests.apps.openai_weather:build_looper", env={"OPENAI_BASE_URL": server.base_url})

    result = durable(build_looper(), name=name, worker=False).run_streamed("Oslo?")
    events = await drain_each_call_held(result, server)  # each call's first event crossed processes mid-call

    assert [kind(e) for e in events] == [kind(e) for e in plain_events]
    assert deltas(events) == deltas(plain_events) == "Oslo is sunny and mild today."
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert result.final_output == "Oslo is sunny and mild today."


async def test_worker_killed_mid_stream_restarts_the_call_for_the_consumer(
    scripted_model, worker_process, monkeypatch, unique
):
    _, plain_events, _ = await plain_streamed(scripted_model, monkeypatch, build_looper, LOOPER_SCRIPT, "Oslo?")
    monkeypatch.delenv("OPENAI_BASE_URL")
    server = scripted_model(LOOPER_SCRIPT)
    name = f"stream-kill-{unique}"
    target, env = f"{name}=tests.apps.openai_weather:build_looper", {"OPENAI_BASE_URL": server.base_url}
    first = worker_process(target, env=env)

    result = durable(build_looper(), name=name, worker=False).run_streamed("Oslo?")
    events = result.stream_events()
    before: list = []

    async def until(predicate) -> None:
        while not before or not predicate(before[-1]):
            before.append(await asyncio.wait_for(anext(events), timeout=STREAM_TIMEOUT))

    server.hold_after(0, after_events=1)  # the tool call, until its first event has arrived
    await until(lambda e: isinstance(e, RawResponsesStreamEvent))
    server.release()
    server.hold_after(1, after_events=4)  # the answer stops after "Oslo is sunny "
    await until(lambda e: kind(e) == ("raw", "response.output_text.delta"))
    (held,) = server.held
    first.kill()  # SIGKILL while the model is mid-answer
    assert first.returncode == -9
    server.release()  # the killed worker's request is answered into the void
    server.hold_after(2, after_events=1)  # the retried answer, until the consumer follows it
    worker_process(target, env=env)
    after = []
    async with asyncio.timeout(STREAM_TIMEOUT):
        async for event in events:
            after.append(event)
            if isinstance(event, RawResponsesStreamEvent) and server.held:
                server.release()

    restarts = [e for e in after if isinstance(e, ModelCallRestarted)]
    assert len(restarts) == 1 and restarts[0].call == "3 model looper" and restarts[0].attempt >= 2
    cut = after.index(restarts[0])
    plain_kinds = [kind(e) for e in plain_events]
    second_call = [i for i, k in enumerate(plain_kinds) if k == ("raw", "response.created")][1]
    # Up to the kill: the plain run's events, the answer's first tokens included; then the
    # restart, and the retried call's events from its first, as in the plain run.
    assert [kind(e) for e in before + after[:cut]] == plain_kinds[: len(before) + cut]
    assert [kind(e) for e in after[cut + 1 :]] == plain_kinds[second_call:]
    assert deltas(before + after[:cut]) == "Oslo is sunny "
    assert deltas(after[cut + 1 :]) == "Oslo is sunny and mild today."
    assert result.final_output == "Oslo is sunny and mild today."
    # The finished first call was not sent again; only the killed in-flight one was (once).
    assert [r.body for r in server.repeats] == [held.body]


def test_the_rebuilt_completed_event_gives_the_sdk_loop_the_recorded_response():
    """The workflow's streamed loop takes each turn's response from ActivityModel's completed event."""
    from agents import ModelResponse, Usage
    from agents.usage import _response_usage_to_usage
    from openai.types.responses.response_usage import OutputTokensDetails

    from durable_adapters_openai_agents._model import completed_event, encode_response

    one = Usage(requests=1, input_tokens=10, output_tokens=5, total_tokens=15)
    # (openai 3 adds cache_write_tokens to the details: copied from the SDK's default, not built)
    one.input_tokens_details = one.input_tokens_details.model_copy(update={"cached_tokens": 3})
    one.output_tokens_details = OutputTokensDetails(reasoning_tokens=2)
    two = Usage()
    two.add(one)
    two.add(one)
    for usage in (one, two, Usage()):
        recorded = encode_response(ModelResponse(output=[], usage=usage, response_id="resp_1", request_id="req_1"))
        response = completed_event(recorded).response
        assert _response_usage_to_usage(response.usage) == usage  # as the SDK's streamed loop converts it
        assert (response.id, response._request_id) == ("resp_1", "req_1")


async def test_cancel_stops_the_durable_run(scripted_model, temporal_client, monkeypatch, unique):
    from temporalio.client import WorkflowExecutionStatus

    server = scripted_model(LOOPER_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.hold_after(1, after_events=4)
    result = durable(build_looper(), name=f"stream-cancel-{unique}").run_streamed("Oslo?", run_id=f"cancel-{unique}")
    events = []
    async with asyncio.timeout(STREAM_TIMEOUT):
        async for event in result.stream_events():
            events.append(event)
            if kind(event) == ("raw", "response.output_text.delta"):
                result.cancel()  # as with a plain streamed run: stop now
    server.release()

    assert deltas(events) == "Oslo "  # nothing after the cancel
    description = await temporal_client.get_workflow_handle(f"cancel-{unique}").describe()
    assert description.status == WorkflowExecutionStatus.CANCELED


async def test_a_streamed_runs_history_replays(scripted_model, temporal_client, monkeypatch, unique):
    from durable_adapters._replay import replay_histories

    server = scripted_model(TRIAGE_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    await drain(durable(build_triage(), name=f"stream-replay-{unique}").run_streamed("Hi", run_id=f"replay-{unique}"))

    history = await temporal_client.get_workflow_handle(f"replay-{unique}").fetch_history()
    (replayed,) = await replay_histories([history])
    assert replayed.replay_failure is None  # the streamed loop makes the same calls on replay


async def test_a_streamed_run_spread_over_several_temporal_runs_streams_as_one(
    scripted_model, temporal_client, monkeypatch, unique
):
    _, plain_events, plain_server = await plain_streamed(
        scripted_model, monkeypatch, build_triage, TRIAGE_SCRIPT, "Weather?"
    )
    server = scripted_model(TRIAGE_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dagent = durable(build_triage(), name=f"stream-can-{unique}", continue_as_new_after_events=20)
    result = dagent.run_streamed("Weather?", run_id=f"can-{unique}")
    events = await drain(result)

    # Each call streamed once, in the run's order, across the continuations; none was sent twice.
    assert [kind(e) for e in events] == [kind(e) for e in plain_events]
    assert deltas(events) == deltas(plain_events)
    assert [r.body for r in server.served] == [r.body for r in plain_server.served] and not server.repeats
    assert len(await run_histories(temporal_client.get_workflow_handle(f"can-{unique}"))) >= 2

"""An unchanged OpenAI Agents agent, run durably: same result as Runner.run, one activity per call."""

from __future__ import annotations

import pytest
from agents import Agent, GuardrailFunctionOutput, Runner, input_guardrail, set_tracing_disabled

from durable_adapters import RunFailedError, UnsupportedError, durable
from durable_adapters.testing import Reply, recorded_calls
from tests.apps.openai_weather import WeatherReport, build_by_name, build_looper, build_structured, build_triage

TRIAGE_SCRIPT = [
    Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_local_time", {"city": "Paris"})]),
    Reply.tool_call("translate", {"input": "Paris: sunny, 21C"}),
    Reply.text("Paris : ensoleillé, 21C"),
    Reply.tool_call("transfer_to_reporter", {}),
    Reply.text("Report: Paris is sunny, 21C, at 12:00 (ensoleillé)."),
]


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)  # the plain reference runs must not try to export traces


async def plain_run(scripted_model, monkeypatch, build, script, input: str, **kwargs):
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    return await Runner.run(build(), input, **kwargs), server


async def test_unchanged_agent_matches_plain_run_with_one_activity_per_call(scripted_model, monkeypatch, unique):
    plain, plain_server = await plain_run(scripted_model, monkeypatch, build_triage, TRIAGE_SCRIPT, "Weather in Paris?")

    server = scripted_model(TRIAGE_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dagent = durable(build_triage(), name=f"triage-{unique}")
    handle = await dagent.start("Weather in Paris?")
    result = await handle.result()

    assert result.final_output == plain.final_output
    assert result.last_agent.name == plain.last_agent.name == "reporter"
    assert [type(item).__name__ for item in result.new_items] == [type(item).__name__ for item in plain.new_items]
    assert result.to_input_list() == plain.to_input_list()
    assert result.context_wrapper.usage.requests == plain.context_wrapper.usage.requests == 5

    calls = await recorded_calls(handle)
    models = [call.key for call in calls if call.kind == "model"]
    tools = [call.key for call in calls if call.kind == "tool"]
    # One model activity per request the model server served, in order; the agent tool's nested
    # translator call is an activity of its own; the two parallel tools are one activity each.
    assert models == ["triage", "triage", "translator", "triage", "reporter"]
    assert len(server.served) == 5 and not server.repeats
    # The model saw exactly what it sees in a plain run, request by request.
    assert [request.body for request in server.served] == [request.body for request in plain_server.served]
    assert sorted(tools) == ["triage/get_local_time", "triage/get_weather"]
    assert all(call.completed_at is not None for call in calls)


async def test_structured_output_comes_back_as_the_output_type(scripted_model, monkeypatch, unique):
    script = [Reply.json({"city": "Rome", "summary": "warm"})]
    plain, _ = await plain_run(scripted_model, monkeypatch, build_structured, script, "Rome?")
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    result = await durable(build_structured(), name=f"structured-{unique}").run("Rome?")

    assert isinstance(result.final_output, WeatherReport)
    assert result.final_output == plain.final_output == WeatherReport(city="Rome", summary="warm")
    # The output schema reached the model as in a plain run.
    assert server.served[0].body["response_format"]["json_schema"]["schema"]["properties"].keys() == {"city", "summary"}


async def test_model_name_uses_the_default_provider_in_the_worker(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.tool_call("get_weather", {"city": "Oslo"}), Reply.text("Oslo is sunny.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    result = await durable(build_by_name(), name=f"by-name-{unique}").run("Oslo?")

    assert result.final_output == "Oslo is sunny."
    assert [request.api for request in server.served] == ["responses", "responses"]
    assert server.served[0].model == "gpt-4o-mini"


async def test_max_turns_fails_the_run_like_the_sdk(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.tool_call("get_weather", {"city": "Paris"})] * 3)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    with pytest.raises(RunFailedError) as failure:
        await durable(build_looper(), name=f"looper-{unique}").run("Paris?", max_turns=1)

    assert failure.value.type == "agents.exceptions.MaxTurnsExceeded"
    assert "Max turns (1) exceeded" in str(failure.value)


@input_guardrail
async def no_secrets(ctx, agent, input) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(output_info="checked", tripwire_triggered="password" in str(input))


async def test_input_guardrail_trips_in_the_durable_run(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.text("ok")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    agent = build_looper().clone(name=f"guarded-{unique}", input_guardrails=[no_secrets])
    dagent = durable(agent)

    assert (await dagent.run("weather?")).final_output == "ok"
    with pytest.raises(RunFailedError) as failure:
        await dagent.run("my password is hunter2")
    assert failure.value.type == "agents.exceptions.InputGuardrailTripwireTriggered"


@pytest.mark.faults
async def test_unserialisable_input_is_refused_before_any_run(unique):
    dagent = durable(build_looper(), name=f"looper-{unique}")
    with pytest.raises(UnsupportedError, match="cannot be written as JSON"):
        await dagent.run([object()])
    with pytest.raises(UnsupportedError, match="context"):
        await dagent.run("hi", context=object())


def test_run_sync_works_from_sync_code(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.text("sync ok")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = durable(build_looper(), name=f"looper-sync-{unique}").run_sync("hi")
    assert result.final_output == "sync ok"
    assert len(server.served) == 1


def test_two_definitions_under_one_name_each_keep_their_own_agent(unique):
    """Since the core hosts a different definition beside the first (test_definition runs them)."""
    looper = durable(build_looper(), name=f"dup-{unique}")
    durable(build_looper(), name=f"dup-{unique}")  # the same definition built again (test_definition)
    structured = durable(build_structured(), name=f"dup-{unique}")
    assert looper.name == structured.name == f"dup-{unique}"
    assert looper.agent.name == "looper" and structured.agent.name == "structured"


async def test_a_streamed_agent_tool_fails_the_run_instead_of_telling_the_model(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.tool_call("translate", {"input": "hi"}), Reply.text("never reached")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    from tests.apps.openai_weather import model

    translator = Agent(name="translator", instructions="Translate.", model=model())
    agent = Agent(
        name=f"streamer-{unique}",
        tools=[translator.as_tool("translate", "Translate.", on_stream=lambda event: None)],
        model=model(),
    )
    with pytest.raises(RunFailedError) as failure:
        await durable(agent).run("hi")
    assert failure.value.type == "durable_adapters._errors.UnsupportedError"
    assert "on_stream" in str(failure.value)
    assert len(server.served) == 1  # the model never got the refusal as a tool result

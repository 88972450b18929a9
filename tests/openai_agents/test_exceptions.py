"""A durable run raises the SDK's own exceptions, as the plain run of the same agent does.

Each test runs the agent plainly, then durably, against the same script, and compares what a
user's ``except`` clause sees: the exception's class, message and key attributes (a guardrail's
result, ``run_data``), and the requests the model received. The durable exception is also a
``RunFailedError`` carrying the run's id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    ModelBehaviorError,
    OutputGuardrailTripwireTriggered,
    Runner,
    ToolTimeoutError,
    UserError,
    function_tool,
    input_guardrail,
    output_guardrail,
    set_tracing_disabled,
)
from pydantic import BaseModel
from temporalio.service import RPCError

from durable_adapters import RunFailedError, durable
from durable_adapters.testing import Reply
from tests.apps.openai_weather import WeatherReport, get_weather, model


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


class Screening(BaseModel):
    """What the guardrails below found (a pydantic ``output_info``, rebuilt as its type)."""

    reason: str
    flagged: bool


@input_guardrail(run_in_parallel=False)
async def no_passwords(ctx: Any, agent: Agent, input: Any) -> GuardrailFunctionOutput:
    flagged = "password" in str(input)
    screening = Screening(reason="password", flagged=flagged)
    return GuardrailFunctionOutput(output_info=screening, tripwire_triggered=flagged)


@output_guardrail
async def no_cold_reports(ctx: Any, agent: Agent, output: WeatherReport) -> GuardrailFunctionOutput:
    cold = "cold" in output.summary
    return GuardrailFunctionOutput(output_info=Screening(reason="cold", flagged=cold), tripwire_triggered=cold)


@function_tool(failure_error_function=None)
def strict_lookup(city: str) -> str:
    """The weather in a city; fails loudly for unknown cities."""
    raise LookupError(f"no station in {city}")


@function_tool(timeout=0.5, timeout_behavior="raise_exception")
async def slow_lookup(city: str) -> str:
    """The weather in a city, from a station that takes its time."""
    await asyncio.sleep(3)
    return f"{city}: sunny"


class Loose(BaseModel):
    """An output type the SDK's strict JSON schema refuses (free-form values)."""

    data: dict[str, Any]


@dataclass
class Outcome:
    error: BaseException
    bodies: list[dict[str, Any]]


async def plain_then_durable(
    build: Callable[[], Agent],
    script: list[Reply],
    input: str,
    scripted_model: Any,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    **kwargs: Any,
) -> tuple[Outcome, Outcome]:
    """The exception and request bodies of a plain run, then of a durable run, of ``build()``."""
    outcomes = []
    for durably in (False, True):
        server = scripted_model(list(script))
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        with pytest.raises(Exception) as raised:
            if durably:
                await durable(build(), name=name).run(input, **kwargs)
            else:
                await Runner.run(build(), input, **kwargs)
        outcomes.append(Outcome(raised.value, [request.body for request in server.served]))
    return outcomes[0], outcomes[1]


def assert_same_exception(plain: Outcome, durable_: Outcome, sdk_class: type[BaseException]) -> None:
    assert type(plain.error) is sdk_class
    assert isinstance(durable_.error, sdk_class)
    assert type(durable_.error).__name__ == sdk_class.__name__
    assert str(durable_.error) == str(plain.error)
    assert durable_.error.args == plain.error.args
    assert durable_.bodies == plain.bodies
    # Also the core's error: the run it came from can be found again.
    assert isinstance(durable_.error, RunFailedError) and durable_.error.run_id


async def test_max_turns_exceeded(scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str) -> None:
    def build() -> Agent:
        return Agent(name="turns", instructions="Check the weather.", tools=[get_weather], model=model())

    script = [Reply.tool_call("get_weather", {"city": "Oslo"})] * 3
    plain, durable_ = await plain_then_durable(
        build, script, "Oslo?", scripted_model, monkeypatch, f"turns-{unique}", max_turns=1
    )

    assert_same_exception(plain, durable_, MaxTurnsExceeded)
    assert isinstance(durable_.error, MaxTurnsExceeded)
    assert durable_.error.message == plain.error.message == "Max turns (1) exceeded"
    assert durable_.bodies and len(durable_.bodies) == 1
    # run_data: the run so far, as the plain exception has it.
    plain_data, durable_data = plain.error.run_data, durable_.error.run_data
    assert plain_data is not None and durable_data is not None
    assert durable_data.last_agent.name == plain_data.last_agent.name == "turns"
    assert [type(item).__name__ for item in durable_data.new_items] == [
        type(item).__name__ for item in plain_data.new_items
    ]
    assert len(durable_data.raw_responses) == len(plain_data.raw_responses) == 1


async def test_input_guardrail_tripwire_with_its_result(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    def build() -> Agent:
        return Agent(name="screened", instructions="Answer.", input_guardrails=[no_passwords], model=model())

    plain, durable_ = await plain_then_durable(
        build, [Reply.text("never")], "my password is hunter2", scripted_model, monkeypatch, f"screened-{unique}"
    )

    assert_same_exception(plain, durable_, InputGuardrailTripwireTriggered)
    assert durable_.bodies == []  # the guardrail ran before the model: nothing was sent, as plainly
    try:
        raise durable_.error
    except InputGuardrailTripwireTriggered as error:  # what users write
        result = error.guardrail_result
    assert isinstance(plain.error, InputGuardrailTripwireTriggered)
    assert result.guardrail is no_passwords
    assert result.output.tripwire_triggered is True
    assert result.output.output_info == plain.error.guardrail_result.output.output_info
    assert type(result.output.output_info) is Screening


async def test_output_guardrail_tripwire_with_its_result(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    def build() -> Agent:
        return Agent(
            name="reporter",
            instructions="Report the weather.",
            output_type=WeatherReport,
            output_guardrails=[no_cold_reports],
            model=model(),
        )

    script = [Reply.json({"city": "Oslo", "summary": "cold and grey"})]
    plain, durable_ = await plain_then_durable(build, script, "Oslo?", scripted_model, monkeypatch, f"rep-{unique}")

    assert_same_exception(plain, durable_, OutputGuardrailTripwireTriggered)
    try:
        raise durable_.error
    except OutputGuardrailTripwireTriggered as error:
        result = error.guardrail_result
    assert isinstance(plain.error, OutputGuardrailTripwireTriggered)
    expected = plain.error.guardrail_result
    assert result.guardrail is no_cold_reports
    assert result.agent_output == expected.agent_output == WeatherReport(city="Oslo", summary="cold and grey")
    assert type(result.agent_output) is WeatherReport
    assert result.agent.name == expected.agent.name == "reporter"
    assert result.output.output_info == expected.output.output_info
    assert result.output.tripwire_triggered is expected.output.tripwire_triggered is True


async def test_model_calling_a_missing_tool(scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str) -> None:
    def build() -> Agent:
        return Agent(name="confused", instructions="Answer.", tools=[get_weather], model=model())

    script = [Reply.tool_call("get_forecast", {"city": "Oslo"}), Reply.text("never")]
    plain, durable_ = await plain_then_durable(build, script, "Oslo?", scripted_model, monkeypatch, f"cf-{unique}")

    assert_same_exception(plain, durable_, ModelBehaviorError)
    assert "get_forecast" in str(durable_.error)


async def test_a_tool_error_the_sdk_lets_through(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """``failure_error_function=None``: the SDK raises UserError naming the tool and its exception."""

    def build() -> Agent:
        return Agent(name="loud", instructions="Answer.", tools=[strict_lookup], model=model())

    script = [Reply.tool_call("strict_lookup", {"city": "Atlantis"}), Reply.text("never")]
    plain, durable_ = await plain_then_durable(build, script, "Atlantis?", scripted_model, monkeypatch, f"l-{unique}")

    assert_same_exception(plain, durable_, UserError)
    assert str(durable_.error) == "Error running tool strict_lookup: no station in Atlantis"


async def test_an_output_type_the_sdk_refuses_fails_before_a_workflow_starts(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, temporal_client: Any, unique: str
) -> None:
    def build() -> Agent:
        return Agent(name="loose", instructions="Answer.", output_type=Loose, model=model())

    server = scripted_model([Reply.json({"data": {}})])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    with pytest.raises(UserError) as plain:
        await Runner.run(build(), "hi")
    run_id = f"loose-run-{unique}"
    with pytest.raises(UserError) as durable_error:
        await durable(build(), name=f"loose-{unique}").run("hi", run_id=run_id)

    assert str(durable_error.value) == str(plain.value)
    assert server.served == []
    with pytest.raises(RPCError):  # no workflow was started for it
        await temporal_client.get_workflow_handle(run_id).describe()


async def test_a_streamed_run_raises_the_sdk_exception_from_stream_events(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    def build() -> Agent:
        return Agent(name="streamed-turns", instructions="Check.", tools=[get_weather], model=model())

    script = [Reply.tool_call("get_weather", {"city": "Oslo"})] * 3
    errors = []
    for durably in (False, True):
        server = scripted_model(list(script))
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        agent = build()
        streamed = (
            durable(agent, name=f"st-turns-{unique}").run_streamed("Oslo?", max_turns=1)
            if durably
            else Runner.run_streamed(agent, "Oslo?", max_turns=1)
        )
        with pytest.raises(MaxTurnsExceeded) as raised:
            async for _ in streamed.stream_events():
                pass
        errors.append(raised.value)

    assert str(errors[1]) == str(errors[0]) == "Max turns (1) exceeded"


async def test_a_tool_timeout_raises_tool_timeout_error(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """The SDK times the tool in the workflow (a durable timer) and cancels its activity."""

    def build() -> Agent:
        return Agent(name="patient", instructions="Answer.", tools=[slow_lookup], model=model())

    script = [Reply.tool_call("slow_lookup", {"city": "Oslo"}), Reply.text("never")]
    plain, durable_ = await plain_then_durable(build, script, "Oslo?", scripted_model, monkeypatch, f"slow-{unique}")

    assert_same_exception(plain, durable_, ToolTimeoutError)
    assert isinstance(durable_.error, ToolTimeoutError)
    assert (durable_.error.tool_name, durable_.error.timeout_seconds) == ("slow_lookup", 0.5)
    assert len(durable_.bodies) == 1  # the run stopped at the timeout, as plainly


async def test_a_handle_from_start_raises_the_sdk_exception_too(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    server = scripted_model([Reply.tool_call("get_weather", {"city": "Oslo"})] * 3)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    agent = Agent(name="handled", instructions="Check the weather.", tools=[get_weather], model=model())
    handle = await durable(agent, name=f"handled-{unique}").start("Oslo?", max_turns=1)

    with pytest.raises(MaxTurnsExceeded, match=r"Max turns \(1\) exceeded") as raised:
        await handle.result()
    assert isinstance(raised.value, RunFailedError) and raised.value.run_id == handle.run_id

"""``Runner.run`` / ``Runner.run_sync`` called by code the SDK runs in a durable run.

A guardrail that asks a guardrail agent (the SDK's standard pattern), an instructions function
that asks another agent first, a sync helper that calls ``Runner.run_sync`` from a thread
(``asyncio.to_thread``): each nested run's model calls are activities of the durable run, one
per call, and the model receives the plain run's requests. The agents are written as users
write them: module-level agents named by the functions, or agents a factory's closure holds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    RunContextWrapper,
    Runner,
    function_tool,
    input_guardrail,
    output_guardrail,
    set_tracing_disabled,
)
from pydantic import BaseModel

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls

# Model names, not model objects: the SDK's provider (and the worker's) builds a client per run,
# which reads OPENAI_BASE_URL then, so module-level agents reach each test's scripted server.
MODEL = "gpt-4o-mini"


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


# -- an input guardrail that runs a guardrail agent (in parallel with the agent, the default) --

homework_check = Agent(name="Homework check", instructions="Does the user ask for homework help?", model=MODEL)


@input_guardrail
async def homework_guardrail(ctx: RunContextWrapper[Any], agent: Agent, input: Any) -> GuardrailFunctionOutput:
    result = await Runner.run(homework_check, input, context=ctx.context)
    return GuardrailFunctionOutput(
        output_info=result.final_output, tripwire_triggered="homework" in result.final_output.lower()
    )


def build_tutor() -> Agent:
    return Agent(name="Tutor", instructions="Help the user.", input_guardrails=[homework_guardrail], model=MODEL)


# -- a blocking guardrail whose agent a factory's closure holds, with a structured verdict ------


class Verdict(BaseModel):
    is_homework: bool
    reasoning: str


def build_strict_tutor() -> Agent:
    checker = Agent(name="Strict check", instructions="Classify the request.", output_type=Verdict, model=MODEL)

    @input_guardrail(run_in_parallel=False)
    async def strict_guardrail(ctx: RunContextWrapper[Any], agent: Agent, input: Any) -> GuardrailFunctionOutput:
        verdict = (await Runner.run(checker, input, context=ctx.context)).final_output_as(Verdict)
        return GuardrailFunctionOutput(output_info=verdict, tripwire_triggered=verdict.is_homework)

    return Agent(name="Strict tutor", instructions="Help.", input_guardrails=[strict_guardrail], model=MODEL)


# -- instructions that ask another agent first -----------------------------------------------

tone_picker = Agent(name="Tone picker", instructions="Answer with one word: a tone.", model=MODEL)


async def toned_instructions(ctx: RunContextWrapper[Any], agent: Agent) -> str:
    tone = (await Runner.run(tone_picker, "Which tone suits a weather report?")).final_output
    return f"Report the weather in a {tone} tone."


def build_reporter() -> Agent:
    return Agent(name="Toned reporter", instructions=toned_instructions, model=MODEL)


# -- an output guardrail whose sync helper calls Runner.run_sync in a thread ------------------

politeness_judge = Agent(name="Politeness judge", instructions="Answer 'polite' or 'rude'.", model=MODEL)


def judge_politeness(text: str) -> str:
    return str(Runner.run_sync(politeness_judge, f"Is this polite? {text}").final_output)


@output_guardrail
async def politeness_guardrail(ctx: RunContextWrapper[Any], agent: Agent, output: str) -> GuardrailFunctionOutput:
    verdict = await asyncio.to_thread(judge_politeness, output)
    return GuardrailFunctionOutput(output_info=verdict, tripwire_triggered=verdict != "polite")


def build_polite() -> Agent:
    return Agent(name="Polite", instructions="Answer kindly.", output_guardrails=[politeness_guardrail], model=MODEL)


def canonical(bodies: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(body, sort_keys=True) for body in bodies)


@pytest.mark.parametrize(
    ("build", "script", "nested", "ordered"),
    [
        # The guardrail's run and the agent's call go out together: compared as a set.
        (build_tutor, [Reply.text("Nothing to flag."), Reply.text("Nothing to flag.")], "Homework check", False),
        (build_reporter, [Reply.text("cheerful"), Reply.text("Sunny, enjoy!")], "Tone picker", True),
    ],
    ids=["input-guardrail-agent", "instructions-agent"],
)
async def test_a_nested_run_is_durable_call_by_call_with_the_plain_requests(
    build: Callable[[], Agent],
    script: list[Reply],
    nested: str,
    ordered: bool,
    scripted_model: Any,
    monkeypatch: pytest.MonkeyPatch,
    unique: str,
) -> None:
    plain_server = scripted_model(list(script))
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(build(), "What is the weather like?")

    server = scripted_model(list(script))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build(), name=f"{build.__name__}-{unique}").start("What is the weather like?")
    result = await handle.result()

    assert result.final_output == plain.final_output
    bodies, plain_bodies = [r.body for r in server.served], [r.body for r in plain_server.served]
    if ordered:
        assert bodies == plain_bodies
    else:
        assert canonical(bodies) == canonical(plain_bodies)
    # Each model request, the nested run's included, is one model activity of the run.
    model_calls = [call.key for call in await recorded_calls(handle) if call.kind == "model"]
    assert len(model_calls) == len(server.served) == len(script)
    assert nested in model_calls
    assert not server.repeats


async def test_a_guardrail_agent_trips_the_wire_as_in_a_plain_run(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    script = [Reply.json({"is_homework": True, "reasoning": "an equation to solve"}), Reply.text("never")]
    errors, requests = [], []
    for durably in (False, True):
        server = scripted_model(list(script))
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        with pytest.raises(InputGuardrailTripwireTriggered) as raised:
            if durably:
                await durable(build_strict_tutor(), name=f"strict-tutor-{unique}").run("Solve 2x + 3 = 11")
            else:
                await Runner.run(build_strict_tutor(), "Solve 2x + 3 = 11")
        errors.append(raised.value)
        requests.append([r.body for r in server.served])

    plain, durable_ = errors
    assert requests[1] == requests[0] and len(requests[0]) == 1  # only the guardrail agent was asked
    assert durable_.guardrail_result.output.output_info == plain.guardrail_result.output.output_info
    assert durable_.guardrail_result.output.output_info == Verdict(is_homework=True, reasoning="an equation to solve")
    assert str(durable_) == str(plain)


async def test_an_agent_built_inside_a_guardrail_runs_by_its_model_name_as_in_a_plain_run(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """An agent built anew on each call, with a model name and no tools: the worker makes its
    model calls from the request (see ``_inline``), and the requests are the plain run's."""

    @input_guardrail
    async def improvised(ctx: RunContextWrapper[Any], agent: Agent, input: Any) -> GuardrailFunctionOutput:
        checker = Agent(name="Improvised check", instructions="Check.", model=MODEL)
        result = await Runner.run(checker, input)
        return GuardrailFunctionOutput(output_info=result.final_output, tripwire_triggered=False)

    def build() -> Agent:
        return Agent(name="Improviser", instructions="Help.", input_guardrails=[improvised], model=MODEL)

    plain_server = scripted_model([Reply.text("fine"), Reply.text("fine")])
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(build(), "hi")

    server = scripted_model([Reply.text("fine"), Reply.text("fine")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build(), name=f"improviser-{unique}").start("hi")
    result = await asyncio.wait_for(handle.result(), 30)

    assert result.final_output == plain.final_output == "fine"
    # The guardrail runs beside the agent (the SDK's default): the two requests go out together.
    assert sorted(json.dumps(r.body) for r in server.served) == sorted(json.dumps(r.body) for r in plain_server.served)
    keys = sorted(call.key for call in await recorded_calls(handle) if call.kind == "model")
    assert keys == ["Improviser", "inline:Improvised check"]


async def test_an_agent_with_tools_built_inside_a_guardrail_fails_at_once_naming_it(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """Its tools are not known to any worker: refused before its call is made."""

    @function_tool
    def lookup(term: str) -> str:
        """Look a term up."""
        return term

    @input_guardrail(run_in_parallel=False)
    async def improvised(ctx: RunContextWrapper[Any], agent: Agent, input: Any) -> GuardrailFunctionOutput:
        checker = Agent(name="Improvised check", instructions="Check.", tools=[lookup], model=MODEL)
        result = await Runner.run(checker, input)
        return GuardrailFunctionOutput(output_info=result.final_output, tripwire_triggered=False)

    server = scripted_model([Reply.text("fine"), Reply.text("fine")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    agent = Agent(name="Improviser", instructions="Help.", input_guardrails=[improvised], model=MODEL)

    with pytest.raises(Exception, match="'Improvised check' was created during the run") as raised:
        await asyncio.wait_for(durable(agent, name=f"improviser-tools-{unique}").run("hi"), 30)
    assert "module-level variable" in str(raised.value)
    assert server.served == []  # the blocking guardrail refused before any request


async def test_run_sync_from_a_thread_of_the_run_waits_on_its_calls_as_activities(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """``asyncio.to_thread(helper)`` whose helper calls ``Runner.run_sync``: in the workflow the thread
    is the sync bridge, and the nested run's call is an activity like any other.

    Not compared with a plain run: there, the nested run's own event loop meets the HTTP
    connections of the caller's loop and the model call fails (``... is bound to a different
    event loop``) on the SDK releases tested here.
    """
    server = scripted_model([Reply.text("Glad to help!"), Reply.text("polite")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_polite(), name=f"polite-{unique}").start("Thanks!")
    result = await asyncio.wait_for(handle.result(), 60)

    assert result.final_output == "Glad to help!"
    assert server.served[1].last_user_text() == "Is this polite? Glad to help!"
    model_calls = [call.key for call in await recorded_calls(handle) if call.kind == "model"]
    assert model_calls == ["Polite", "Politeness judge"]


# -- a nested run given a model object in its run_config -----------------------------------------


def build_tutor_with_a_model_object_for_its_check() -> Agent:
    from agents import OpenAIChatCompletionsModel, RunConfig
    from openai import AsyncOpenAI

    checker = Agent(name="Object check", instructions="Is it homework?", model=MODEL)

    @input_guardrail(run_in_parallel=False)
    async def object_guardrail(ctx: RunContextWrapper[Any], agent: Agent, input: Any) -> GuardrailFunctionOutput:
        model = OpenAIChatCompletionsModel(model=MODEL, openai_client=AsyncOpenAI())
        result = await Runner.run(checker, input, run_config=RunConfig(model=model))
        return GuardrailFunctionOutput(output_info=result.final_output, tripwire_triggered=False)

    return Agent(name="Object tutor", instructions="Help.", input_guardrails=[object_guardrail], model=MODEL)


async def test_a_nested_run_given_a_model_object_fails_the_run_before_sending_anything(
    scripted_model, monkeypatch, unique
):
    """That model would be called from the workflow: the run fails naming it, and nothing is sent."""
    from durable_adapters import RunFailedError
    from durable_adapters.adapter import UnsupportedError

    server = scripted_model([Reply.text("never")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dagent = durable(build_tutor_with_a_model_object_for_its_check(), name=f"object-tutor-{unique}")
    handle = await dagent.start("Solve 2x = 4 for me.")
    with pytest.raises(RunFailedError) as failure:
        await asyncio.wait_for(handle.result(), timeout=60)

    assert isinstance(failure.value, UnsupportedError)  # the refusal's own class (see the core's rebuild)
    assert "run_config.model=OpenAIChatCompletionsModel(...)" in str(failure.value)
    assert "Agent(model=...)" in str(failure.value)
    assert server.requests == []  # the blocking guardrail refused before the agent's first call
    assert await recorded_calls(handle) == []

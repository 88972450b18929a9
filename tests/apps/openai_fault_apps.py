"""OpenAI Agents apps for the fault suite, written as a user writes them (no durability code).

Each one does something a durable run cannot record, or is an edited version of another app;
``tests/openai_agents/test_faults.py`` checks that the run fails at once with a clear message,
or behaves as a plain run does, and that a changed call order is caught by ``replay``.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from agents import (
    Agent,
    GuardrailFunctionOutput,
    RunContextWrapper,
    Runner,
    function_tool,
    input_guardrail,
    output_guardrail,
)

from tests.apps.openai_weather import model


class WeatherService:
    """A live object (a client, a connection...): no JSON form, but a stable ``str()``."""

    def __str__(self) -> str:
        return "<WeatherService eu-west>"


# -- unserialisable state mid-run ---------------------------------------------------------


@dataclass
class Session:
    """A run context that is plain data, until a tool puts a live object into it."""

    user: str = "ann"
    service: Any = None


@function_tool
def connect(ctx: RunContextWrapper[Any], city: str) -> str:
    """Connect to the weather service of a city (and keep the connection in the context)."""
    if isinstance(ctx.context, dict):
        ctx.context["service"] = WeatherService()
    else:
        ctx.context.service = WeatherService()
    return f"connected to {city}"


@function_tool
def open_service(city: str) -> WeatherService:
    """Open the weather service of a city."""
    return WeatherService()


def build_connector() -> Agent:
    """A tool that stores a live object in the run context."""
    return Agent(name="connector", instructions="Connect first.", tools=[connect], model=model())


def build_service_opener() -> Agent:
    """A tool that returns a live object (the SDK sends the model its ``str()``)."""
    return Agent(name="opener", instructions="Open the service.", tools=[open_service], model=model())


# -- a sync model call with no bridge -----------------------------------------------------


def build_sync_caller(how: str) -> Agent:
    """An agent whose (sync) instructions function asks another agent of the graph first.

    ``how`` is the way it makes that model call from sync code, none of which can be an
    activity: ``run_sync`` (``Runner.run_sync`` in the workflow), ``pool`` (``Runner.run_sync`` in
    a thread pool), ``thread`` (``asyncio.run(Runner.run(...))`` in a ``threading.Thread`` whose
    error is swallowed), ``asyncio_run`` (``asyncio.run`` in the workflow).
    """
    helper = Agent(name="helper", instructions="Suggest a tone.", model=model())

    def instructions(ctx: RunContextWrapper[Any], agent: Agent) -> str:
        if how == "run_sync":
            tone = Runner.run_sync(helper, "tone?").final_output
        elif how == "pool":
            with ThreadPoolExecutor(max_workers=1) as pool:
                tone = pool.submit(lambda: Runner.run_sync(helper, "tone?").final_output).result()
        elif how == "thread":
            answers: list[str] = []

            def ask() -> None:
                try:
                    answers.append(asyncio.run(Runner.run(helper, "tone?")).final_output)
                except BaseException:
                    pass  # everything swallowed, as careless code does

            thread = threading.Thread(target=ask)
            thread.start()
            thread.join()
            tone = answers[0] if answers else "neutral"
        elif how == "asyncio_run":
            tone = asyncio.run(Runner.run(helper, "tone?")).final_output
        else:
            raise ValueError(how)
        return f"Answer in a {tone} tone."

    return Agent(name=f"sync-caller-{how}", instructions=instructions, handoffs=[helper], model=model())


# -- nondeterminism: the same calls in another order ---------------------------------------


def _checker() -> Agent:
    return Agent(name="checker", instructions="Reply SAFE or UNSAFE.", model=model())


async def _check(checker: Agent, ctx: RunContextWrapper[Any], text: Any) -> GuardrailFunctionOutput:
    verdict = (await Runner.run(checker, str(text), context=ctx.context)).final_output
    return GuardrailFunctionOutput(output_info=verdict, tripwire_triggered="UNSAFE" in verdict)


def build_checked() -> Agent:
    """The question is checked by the ``checker`` agent before the answer is written:
    calls ``1 model checker``, ``2 model answerer``."""
    checker = _checker()

    @input_guardrail(run_in_parallel=False)
    async def checked_first(ctx: RunContextWrapper[Any], agent: Agent, input: Any) -> GuardrailFunctionOutput:
        return await _check(checker, ctx, input)

    return Agent(
        name="answerer",
        instructions="Answer.",
        input_guardrails=[checked_first],
        tools=[checker.as_tool("check_safety", "Check that a text is safe.")],
        model=model(),
    )


def build_checked_edited() -> Agent:
    """``build_checked`` after a deliberate edit: the check moved to an output guardrail, so the
    same two calls come in the other order (``1 model answerer``, ``2 model checker``)."""
    checker = _checker()

    @output_guardrail
    async def checked_last(ctx: RunContextWrapper[Any], agent: Agent, output: Any) -> GuardrailFunctionOutput:
        return await _check(checker, ctx, output)

    return Agent(
        name="answerer",
        instructions="Answer.",
        output_guardrails=[checked_last],
        tools=[checker.as_tool("check_safety", "Check that a text is safe.")],
        model=model(),
    )

"""Agents and programs written the way the OpenAI Agents SDK's own examples write them.

One program per pattern of the SDK's ``basic/`` and ``agent_patterns/`` examples (written for
this suite, in their style, not copied). Nothing here knows about durability: each program gets
a ``runner`` with the two calls the examples make, ``run`` and ``run_streamed``, taking the same
arguments as ``Runner.run`` / ``Runner.run_streamed``. ``tests/openai_agents/test_conformance.py``
hands it the SDK's ``Runner`` for the plain run and ``durable(agent).run`` for the durable one,
and compares the two runs' requests and results. Agents leave ``model`` unset, as the examples
do: the SDK's default model and its settings apply.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from agents import (
    Agent,
    AgentHooks,
    FunctionToolResult,
    GuardrailFunctionOutput,
    HandoffInputData,
    InputGuardrailTripwireTriggered,
    ModelSettings,
    OutputGuardrailTripwireTriggered,
    RunConfig,
    RunContextWrapper,
    RunResult,
    RunResultStreaming,
    ToolsToFinalOutputResult,
    TResponseInputItem,
    function_tool,
    handoff,
    input_guardrail,
    output_guardrail,
)
from agents.extensions import handoff_filters
from openai.types.responses import ResponseTextDeltaEvent
from pydantic import BaseModel


class AgentRunner(Protocol):
    """What a program calls: ``Runner.run`` / ``Runner.run_streamed``, or their durable forms."""

    async def run(self, agent: Agent[Any], input: str | list[TResponseInputItem], **kwargs: Any) -> RunResult: ...

    def run_streamed(
        self, agent: Agent[Any], input: str | list[TResponseInputItem], **kwargs: Any
    ) -> RunResultStreaming: ...


# -- basic/hello world -----------------------------------------------------------------------


async def hello_world(runner: AgentRunner) -> Any:
    agent = Agent(name="Assistant", instructions="You only respond in haikus.")
    result = await runner.run(agent, "Tell me about recursion in programming.")
    return result.final_output


# -- basic/dynamic system prompt -------------------------------------------------------------


@dataclass
class CustomContext:
    style: Literal["haiku", "pirate", "robot"]


def custom_instructions(run_context: RunContextWrapper[CustomContext], agent: Agent[CustomContext]) -> str:
    context = run_context.context
    if context.style == "haiku":
        return "Only respond in haikus."
    elif context.style == "pirate":
        return "Respond as a pirate."
    return "Respond as a robot and say 'beep boop' a lot."


async def dynamic_instructions(runner: AgentRunner) -> Any:
    agent = Agent(name="Chat agent", instructions=custom_instructions)
    result = await runner.run(agent, "Tell me a joke.", context=CustomContext(style="pirate"))
    return result.final_output


# -- basic/tools -----------------------------------------------------------------------------


class Weather(BaseModel):
    city: str
    temperature_range: str
    conditions: str


@function_tool
def get_weather(city: str) -> Weather:
    """Get the current weather information for a specified city."""
    return Weather(city=city, temperature_range="14-20C", conditions="Sunny with wind.")


async def tools(runner: AgentRunner) -> Any:
    agent = Agent(name="Hello world", instructions="You are a helpful agent.", tools=[get_weather])
    result = await runner.run(agent, input="What's the weather in Tokyo?")
    return result.final_output


# -- basic/non-strict output type (structured output) ----------------------------------------


class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


async def structured_output(runner: AgentRunner) -> Any:
    agent = Agent(
        name="Calendar extractor", instructions="Extract calendar events from text", output_type=CalendarEvent
    )
    result = await runner.run(agent, "Alice and Bob are going to a science fair on Friday.")
    return result.final_output.model_dump()


# -- basic/agent lifecycle -------------------------------------------------------------------


class CustomAgentHooks(AgentHooks[Any]):
    def __init__(self, display_name: str) -> None:
        self.events: list[str] = []
        self.display_name = display_name

    async def on_start(self, context: RunContextWrapper[Any], agent: Agent[Any]) -> None:
        self.events.append(f"{self.display_name}: agent {agent.name} started")

    async def on_end(self, context: RunContextWrapper[Any], agent: Agent[Any], output: Any) -> None:
        self.events.append(f"{self.display_name}: agent {agent.name} ended with output {output}")

    async def on_tool_start(self, context: RunContextWrapper[Any], agent: Agent[Any], tool: Any) -> None:
        self.events.append(f"{self.display_name}: agent {agent.name} started tool {tool.name}")

    async def on_tool_end(self, context: RunContextWrapper[Any], agent: Agent[Any], tool: Any, result: str) -> None:
        self.events.append(f"{self.display_name}: agent {agent.name} ended tool {tool.name} with result {result}")


@function_tool
def random_number(max: int) -> int:
    """Generate a random number up to the provided maximum."""
    return max // 2  # chosen, not random: the two runs must see the same number


async def lifecycle_hooks(runner: AgentRunner) -> Any:
    hooks = CustomAgentHooks(display_name="Start Agent")
    agent = Agent(
        name="Start Agent",
        instructions="Generate a random number.",
        tools=[random_number],
        hooks=hooks,
    )
    result = await runner.run(agent, input="Generate a random number between 0 and 10.")
    return [result.final_output, hooks.events]


# -- agent_patterns/routing (handoffs) -------------------------------------------------------

french_agent = Agent(name="french_agent", instructions="You only speak French")
spanish_agent = Agent(name="spanish_agent", instructions="You only speak Spanish")
english_agent = Agent(name="english_agent", instructions="You only speak English")

triage_agent = Agent(
    name="triage_agent",
    instructions="Handoff to the appropriate agent based on the language of the request.",
    handoffs=[french_agent, spanish_agent, english_agent],
)


async def routing(runner: AgentRunner) -> Any:
    result = await runner.run(triage_agent, "Hola, ¿cómo estás?")
    return [result.final_output, result.last_agent.name]


# -- handoffs/message filter -----------------------------------------------------------------


def spanish_handoff_message_filter(handoff_message_data: HandoffInputData) -> HandoffInputData:
    # Remove all tool-related messages from the history the Spanish agent sees.
    return handoff_filters.remove_all_tools(handoff_message_data)


filtered_spanish_agent = Agent(
    name="Spanish Assistant",
    instructions="You only speak Spanish and are extremely concise.",
    handoff_description="A Spanish-speaking assistant.",
)
first_agent = Agent(
    name="Assistant",
    instructions="Be extremely concise.",
    tools=[random_number],
    handoffs=[handoff(filtered_spanish_agent, input_filter=spanish_handoff_message_filter)],
)


async def handoff_message_filter(runner: AgentRunner) -> Any:
    result = await runner.run(first_agent, input="Hi, my name is Sora. Give me a number up to 100.")
    result = await runner.run(
        first_agent, input=result.to_input_list() + [{"content": "Por favor, habla en español.", "role": "user"}]
    )
    return [result.final_output, result.last_agent.name]


# -- agent_patterns/deterministic ------------------------------------------------------------

story_outline_agent = Agent(name="story_outline_agent", instructions="Generate a very short story outline.")


class OutlineCheckerOutput(BaseModel):
    good_quality: bool
    is_scifi: bool


outline_checker_agent = Agent(
    name="outline_checker_agent",
    instructions="Read the given story outline, and judge the quality. Also, determine if it is a scifi story.",
    output_type=OutlineCheckerOutput,
)
story_agent = Agent(name="story_agent", instructions="Write a short story based on the given outline.")


async def deterministic(runner: AgentRunner) -> Any:
    outline_result = await runner.run(story_outline_agent, "A robot learns to paint.")
    outline_checker_result = await runner.run(outline_checker_agent, outline_result.final_output)
    assert isinstance(outline_checker_result.final_output, OutlineCheckerOutput)
    if not outline_checker_result.final_output.good_quality:
        return "Outline is not good quality, so we stop here."
    if not outline_checker_result.final_output.is_scifi:
        return "Outline is not a scifi story, so we stop here."
    story_result = await runner.run(story_agent, outline_result.final_output)
    return story_result.final_output


# -- agent_patterns/agents as tools ----------------------------------------------------------

spanish_translator = Agent(name="spanish_translator", instructions="You translate the user's message to Spanish")
french_translator = Agent(name="french_translator", instructions="You translate the user's message to French")
orchestrator_agent = Agent(
    name="orchestrator_agent",
    instructions="You are a translation agent. You use the tools given to you to translate.",
    tools=[
        spanish_translator.as_tool(tool_name="translate_to_spanish", tool_description="Translate to Spanish"),
        french_translator.as_tool(tool_name="translate_to_french", tool_description="Translate to French"),
    ],
)


async def agents_as_tools(runner: AgentRunner) -> Any:
    result = await runner.run(orchestrator_agent, "Say 'Good morning' in Spanish and French.")
    return result.final_output


# -- agent_patterns/parallelization ----------------------------------------------------------

italian_agent = Agent(name="italian_agent", instructions="You translate the user's message to Italian")
translation_picker = Agent(name="translation_picker", instructions="You pick the best Italian translation.")


async def parallelization(runner: AgentRunner) -> Any:
    msg = "Good evening, friends."
    res_1, res_2, res_3 = await asyncio.gather(
        runner.run(italian_agent, msg), runner.run(italian_agent, msg), runner.run(italian_agent, msg)
    )
    outputs = [res_1.final_output, res_2.final_output, res_3.final_output]
    translations = "\n\n".join(outputs)
    best = await runner.run(translation_picker, f"Input: {msg}\n\nTranslations:\n{translations}")
    return [outputs, best.final_output]


# -- agent_patterns/LLM as a judge -----------------------------------------------------------

story_generator = Agent(
    name="story_generator",
    instructions="You generate a very short story outline. If there is any feedback, use it to improve.",
)


@dataclass
class EvaluationFeedback:
    feedback: str
    score: Literal["pass", "needs_improvement", "fail"]


evaluator = Agent[None](
    name="evaluator",
    instructions="You evaluate a story outline. Never give it a pass on the first try.",
    output_type=EvaluationFeedback,
)


async def llm_as_a_judge(runner: AgentRunner) -> Any:
    input_items: list[TResponseInputItem] = [{"content": "A story about a lighthouse.", "role": "user"}]
    latest_outline: str | None = None
    rounds = 0
    while rounds < 3:
        rounds += 1
        story_outline_result = await runner.run(story_generator, input_items)
        input_items = story_outline_result.to_input_list()
        latest_outline = story_outline_result.final_output
        evaluator_result = await runner.run(evaluator, input_items)
        result: EvaluationFeedback = evaluator_result.final_output
        if result.score == "pass":
            break
        input_items.append({"content": f"Feedback: {result.feedback}", "role": "user"})
    return [latest_outline, rounds]


# -- agent_patterns/input guardrails (a guardrail agent) -------------------------------------


class MathHomeworkOutput(BaseModel):
    reasoning: str
    is_math_homework: bool


guardrail_agent = Agent(
    name="Guardrail check",
    instructions="Check if the user is asking you to do their math homework.",
    output_type=MathHomeworkOutput,
)


# Blocking (run_in_parallel=False): the agent's own call is made only if the guardrail passes,
# so the requests of a tripped run do not depend on timing.
@input_guardrail(run_in_parallel=False)
async def math_guardrail(
    context: RunContextWrapper[None], agent: Agent, input: str | list[TResponseInputItem]
) -> GuardrailFunctionOutput:
    result = await runner_of_guardrails.run(guardrail_agent, input, context=context.context)
    final_output = result.final_output_as(MathHomeworkOutput)
    return GuardrailFunctionOutput(output_info=final_output, tripwire_triggered=final_output.is_math_homework)


class _SDKRunner:
    """Inside a guardrail the examples call ``Runner.run`` directly, as this does."""

    async def run(self, agent: Agent[Any], input: Any, **kwargs: Any) -> RunResult:
        from agents import Runner

        return await Runner.run(agent, input, **kwargs)


runner_of_guardrails = _SDKRunner()

customer_support_agent = Agent(
    name="Customer support agent",
    instructions="You are a customer support agent. You help customers with their questions.",
    input_guardrails=[math_guardrail],
)


async def input_guardrails(runner: AgentRunner) -> Any:
    answers: list[Any] = []
    for question in ("What is the capital of France?", "Can you solve for x: 2x + 5 = 11?"):
        try:
            result = await runner.run(customer_support_agent, question)
            answers.append(result.final_output)
        except InputGuardrailTripwireTriggered as e:
            answers.append(["Sorry, I can't help you with your math homework.", e.guardrail_result.output.output_info])
    return answers


# -- agent_patterns/output guardrails --------------------------------------------------------


class MessageOutput(BaseModel):
    reasoning: str
    response: str
    user_name: str | None


@output_guardrail
async def sensitive_data_check(
    context: RunContextWrapper, agent: Agent, output: MessageOutput
) -> GuardrailFunctionOutput:
    phone_number_in_response = "650" in output.response
    phone_number_in_reasoning = "650" in output.reasoning
    return GuardrailFunctionOutput(
        output_info={
            "phone_number_in_response": phone_number_in_response,
            "phone_number_in_reasoning": phone_number_in_reasoning,
        },
        tripwire_triggered=phone_number_in_response or phone_number_in_reasoning,
    )


guarded_assistant = Agent(
    name="Assistant",
    instructions="You are a helpful assistant.",
    output_type=MessageOutput,
    output_guardrails=[sensitive_data_check],
)


async def output_guardrails(runner: AgentRunner) -> Any:
    answers: list[Any] = []
    for question in (
        "What's the capital of California?",
        "My phone number is 650-123-4567. Where do you think I live?",
    ):
        try:
            result = await runner.run(guarded_assistant, question)
            answers.append(result.final_output.response)
        except OutputGuardrailTripwireTriggered as e:
            answers.append(["Guardrail tripped", e.guardrail_result.output.output_info])
    return answers


# -- agent_patterns/forcing tool use ---------------------------------------------------------


async def forcing_tool_use_stop_on_first_tool(runner: AgentRunner) -> Any:
    agent = Agent(
        name="Weather agent",
        instructions="You are a helpful agent.",
        tools=[get_weather],
        tool_use_behavior="stop_on_first_tool",
        model_settings=ModelSettings(tool_choice="required"),
    )
    result = await runner.run(agent, input="What's the weather in Tokyo?")
    return str(result.final_output)


async def custom_tool_use_behavior(
    context: RunContextWrapper[Any], results: list[FunctionToolResult]
) -> ToolsToFinalOutputResult:
    weather: Weather = results[0].output
    return ToolsToFinalOutputResult(is_final_output=True, final_output=f"{weather.city} is {weather.conditions}.")


async def forcing_tool_use_custom_behavior(runner: AgentRunner) -> Any:
    agent = Agent(
        name="Weather agent",
        instructions="You are a helpful agent.",
        tools=[get_weather],
        tool_use_behavior=custom_tool_use_behavior,
        model_settings=ModelSettings(tool_choice="required"),
    )
    result = await runner.run(agent, input="What's the weather in Tokyo?")
    return result.final_output


# -- basic/conversation continued with to_input_list -----------------------------------------


async def conversation(runner: AgentRunner) -> Any:
    agent = Agent(name="Assistant", instructions="Reply very concisely.")
    result = await runner.run(agent, "What city is the Golden Gate Bridge in?")
    new_input = result.to_input_list() + [{"role": "user", "content": "What state is it in?"}]
    result = await runner.run(agent, new_input)
    return result.final_output


# -- basic/previous_response_id --------------------------------------------------------------


async def previous_response_id(runner: AgentRunner) -> Any:
    agent = Agent(name="Assistant", instructions="You are a helpful assistant. Be VERY concise.")
    result = await runner.run(agent, "What is the largest country in South America?")
    result = await runner.run(
        agent, "What is the capital of that country?", previous_response_id=result.last_response_id
    )
    return result.final_output


# -- basic/stream text -----------------------------------------------------------------------


async def stream_text(runner: AgentRunner) -> Any:
    agent = Agent(name="Joker", instructions="You are a helpful assistant.")
    result = runner.run_streamed(agent, input="Please tell me 5 jokes.")
    deltas = []
    async for event in result.stream_events():
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            deltas.append(event.data.delta)
    return ["".join(deltas), result.final_output]


# -- run_config: settings for one run --------------------------------------------------------


async def run_config_settings(runner: AgentRunner) -> Any:
    agent = Agent(name="Assistant", instructions="Be concise.")
    config = RunConfig(model_settings=ModelSettings(temperature=0.2), workflow_name="Conformance")
    result = await runner.run(agent, "Name a prime number.", run_config=config)
    return result.final_output


def dumps(value: Any) -> str:
    """A program's result as comparable text (pydantic models and dataclasses included)."""
    from pydantic_core import to_jsonable_python

    return json.dumps(to_jsonable_python(value), sort_keys=True)


# -- agent_patterns/agents as tools, custom logic: a function tool that runs an agent --------

spanish_agent_for_tool = Agent(name="spanish_agent", instructions="You translate the user's message to Spanish")


@function_tool
async def translate_to_spanish_counted(text: str) -> str:
    """Translate a message to Spanish and count the words of the translation."""
    from agents import Runner

    result = await Runner.run(spanish_agent_for_tool, text)
    translation = str(result.final_output)
    return f"{translation} ({len(translation.split())} words)"


custom_tool_orchestrator = Agent(
    name="custom_tool_orchestrator",
    instructions="You are a translation agent. Use your tool, then report the translation and its length.",
    tools=[translate_to_spanish_counted],
)


async def function_tool_running_an_agent(runner: AgentRunner) -> Any:
    result = await runner.run(custom_tool_orchestrator, "Say 'Good morning' in Spanish.")
    return [result.final_output, [item.type for item in result.new_items]]


# == mcp/ (MCP servers) =======================================================================
# The SDK's mcp examples connect a server with ``async with``, hand it to an agent in
# ``mcp_servers`` and run the agent; the server here is tests/apps/openai_mcp_server.py (a
# forecast tool, an adder and a tool a filter keeps away), over stdio or streamable HTTP.

import socket  # noqa: E402  (this block is added on its own, after the examples above)
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from agents.mcp import MCPServerStdio, MCPServerStreamableHttp, create_static_tool_filter  # noqa: E402

_MCP_ROOT = Path(__file__).resolve().parents[2]


def _mcp_stdio_params() -> Any:
    return {"command": sys.executable, "args": ["-m", "tests.apps.openai_mcp_server", "stdio"], "cwd": str(_MCP_ROOT)}


async def mcp_stdio(runner: AgentRunner) -> Any:
    async with MCPServerStdio(name="Forecasts server, via python", params=_mcp_stdio_params()) as server:
        agent = Agent(
            name="Assistant",
            instructions="Use the tools to answer the user's questions.",
            mcp_servers=[server],
        )
        result = await runner.run(agent, "What is tomorrow's forecast for Oslo?")
        return result.final_output


async def mcp_tool_filter(runner: AgentRunner) -> Any:
    async with MCPServerStdio(
        name="Forecasts server, filtered",
        params=_mcp_stdio_params(),
        tool_filter=create_static_tool_filter(allowed_tool_names=["get_forecast", "add"]),
    ) as server:
        agent = Agent(
            name="Assistant", instructions="Use the tools to answer the user's questions.", mcp_servers=[server]
        )
        result = await runner.run(agent, "Add 7 and 22.")
        return result.final_output


async def mcp_cached_tools(runner: AgentRunner) -> Any:
    async with MCPServerStdio(
        name="Forecasts server, cached", params=_mcp_stdio_params(), cache_tools_list=True
    ) as server:
        agent = Agent(
            name="Assistant", instructions="Use the tools to answer the user's questions.", mcp_servers=[server]
        )
        first = await runner.run(agent, "What is tomorrow's forecast for Oslo?")
        second = await runner.run(agent, "And for Bergen?")
        server.invalidate_tools_cache()
        third = await runner.run(agent, "Add 1 and 2.")
        return [first.final_output, second.final_output, third.final_output]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def mcp_streamable_http(runner: AgentRunner) -> Any:
    # As the example does: start the server in a subprocess, then connect to it over HTTP.
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.apps.openai_mcp_server", "http", str(port)],
        cwd=_MCP_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the MCP server did not start") from None
                await asyncio.sleep(0.05)
        async with MCPServerStreamableHttp(
            name="Streamable HTTP Python Server", params={"url": f"http://127.0.0.1:{port}/mcp"}
        ) as server:
            agent = Agent(
                name="Assistant",
                instructions="Use the tools to answer the questions.",
                mcp_servers=[server],
                model_settings=ModelSettings(tool_choice="required"),
            )
            result = await runner.run(agent, "What is tomorrow's forecast for Tromsø?")
            return result.final_output
    finally:
        process.terminate()
        process.wait(10)

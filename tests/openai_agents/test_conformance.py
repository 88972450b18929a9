"""Conformance: programs written as the SDK's own examples write them run durably as they run plainly.

Each pattern of ``PATTERNS`` is a program of ``tests/apps/openai_conformance.py`` and the model's
script. The program runs once with the SDK's ``Runner`` and once with every ``run`` /
``run_streamed`` made durable (``durable(agent).run(...)``), each against its own scripted model
server; the durable run must send the plain run's requests (same bodies; as a set where a program
runs agents concurrently) and return the same result. A pattern a durable run does not support
says so in ``unsupported`` (the message expected): it must fail with ``UnsupportedError`` at once,
before the unsupported call sends anything, and ``docs/openai_agents.md`` lists it.

Add a pattern by adding a row (approvals, sessions and MCP patterns come with their features).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from agents import Agent, Runner, set_tracing_disabled

from durable_adapters import UnsupportedError, durable
from durable_adapters.testing import Reply
from tests.apps import openai_conformance as apps
from tests.apps import openai_io_apps as io_apps

PROGRAM_TIMEOUT = 120  # seconds; a few model calls each, on a loaded machine


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


@dataclass(frozen=True)
class Pattern:
    id: str
    program: Callable[[Any], Awaitable[Any]]
    script: list[Reply]
    ordered: bool = True
    """False when the program runs agents concurrently: requests are compared as a set."""
    unsupported: str | None = None
    """For a pattern durable runs refuse: a regex of the ``UnsupportedError`` it must raise."""


PATTERNS = [
    Pattern(
        "hello-world",
        apps.hello_world,
        [Reply.text("Code calls itself / a mirror in a mirror / ends at the base case")],
    ),
    Pattern(
        "dynamic-instructions",
        apps.dynamic_instructions,
        [Reply.text("Arr, why did the parrot sail? To get to the other tide!")],
    ),
    Pattern(
        "tools",
        apps.tools,
        [Reply.tool_call("get_weather", {"city": "Tokyo"}), Reply.text("Tokyo is sunny with wind, 14-20C.")],
    ),
    Pattern(
        "structured-output",
        apps.structured_output,
        [Reply.json({"name": "Science fair", "date": "Friday", "participants": ["Alice", "Bob"]})],
    ),
    Pattern(
        "lifecycle-hooks",
        apps.lifecycle_hooks,
        [Reply.tool_call("random_number", {"max": 10}), Reply.text("Your number is 5.")],
    ),
    Pattern(
        "handoff-routing",
        apps.routing,
        [Reply.tool_call("transfer_to_spanish_agent", {}), Reply.text("¡Hola! Estoy muy bien, gracias.")],
    ),
    Pattern(
        "handoff-message-filter",
        apps.handoff_message_filter,
        [
            Reply.tool_call("random_number", {"max": 100}),
            Reply.text("Sora, your number is 50."),
            Reply.tool_call("transfer_to_spanish_assistant", {}),
            Reply.text("¡Claro, Sora!"),
        ],
    ),
    Pattern(
        "deterministic-chain",
        apps.deterministic,
        [
            Reply.text("A robot in a dusty workshop discovers paint."),
            Reply.json({"good_quality": True, "is_scifi": True}),
            Reply.text("Unit 7 dipped its gripper in blue and, for the first time, hesitated."),
        ],
    ),
    Pattern(
        "agents-as-tools",
        apps.agents_as_tools,
        [
            Reply.tool_call("translate_to_spanish", {"input": "Good morning"}),
            Reply.text("Buenos días"),
            Reply.tool_call("translate_to_french", {"input": "Good morning"}),
            Reply.text("Bonjour"),
            Reply.text("Spanish: Buenos días. French: Bonjour."),
        ],
    ),
    Pattern(
        "parallelization",
        apps.parallelization,
        # The three translations are the same request: one reply, two repeats of it, as plainly.
        [Reply.text("Buonasera, amici."), Reply.text("Buonasera, amici.")],
        ordered=False,
    ),
    Pattern(
        "llm-as-a-judge",
        apps.llm_as_a_judge,
        [
            Reply.text("A keeper tends a lighthouse."),
            # A dataclass output type: the SDK wraps it as {"response": ...} for the model.
            Reply.json({"response": {"feedback": "Add a conflict.", "score": "needs_improvement"}}),
            Reply.text("A keeper tends a lighthouse as a storm cuts the power."),
            Reply.json({"response": {"feedback": "Good.", "score": "pass"}}),
        ],
    ),
    Pattern(
        "input-guardrail-agent",
        apps.input_guardrails,
        [
            Reply.json({"reasoning": "A geography question.", "is_math_homework": False}),
            Reply.text("Paris."),
            Reply.json({"reasoning": "An equation to solve.", "is_math_homework": True}),
        ],
    ),
    Pattern(
        "output-guardrail",
        apps.output_guardrails,
        [
            Reply.json({"reasoning": "Known fact.", "response": "Sacramento.", "user_name": None}),
            Reply.json({"reasoning": "650 is a Bay Area code.", "response": "Near Palo Alto.", "user_name": None}),
        ],
    ),
    Pattern(
        "forcing-tool-use",
        apps.forcing_tool_use_stop_on_first_tool,
        [Reply.tool_call("get_weather", {"city": "Tokyo"})],
    ),
    Pattern(
        "custom-tool-use-behavior",
        apps.forcing_tool_use_custom_behavior,
        [Reply.tool_call("get_weather", {"city": "Tokyo"})],
    ),
    Pattern(
        "conversation-to-input-list",
        apps.conversation,
        [Reply.text("San Francisco."), Reply.text("California.")],
    ),
    Pattern("stream-text", apps.stream_text, [Reply.text("Why do programmers prefer dark mode? Fewer bugs.")]),
    Pattern("run-config", apps.run_config_settings, [Reply.text("7.")]),
    Pattern(
        "human-in-the-loop",
        io_apps.human_in_the_loop,
        [Reply.tool_call("cancel_order", {"order_id": "42"}), Reply.text("Order 42 is cancelled.")],
    ),
    Pattern(
        "sqlite-session",
        io_apps.sqlite_memory,
        [Reply.text("San Francisco."), Reply.text("California.")],
    ),
    Pattern(
        "previous-response-id",
        apps.previous_response_id,
        [Reply.text("Brazil."), Reply.text("Brasília.")],
        unsupported=r"previous_response_id",
    ),
]

# A function tool that runs an agent (the SDK's agents as tools with custom logic): its nested run
# is durable call by call (tests/openai_agents/test_tool_runs.py).
PATTERNS += [
    Pattern(
        "function-tool-running-an-agent",
        apps.function_tool_running_an_agent,
        [
            Reply.tool_call("translate_to_spanish_counted", {"text": "Good morning"}),
            Reply.text("Buenos días"),
            Reply.text("Buenos días (2 words)."),
        ],
    ),
]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


class PlainRunner:
    """The SDK's ``Runner``, as the examples call it."""

    async def run(self, agent: Agent[Any], input: Any, **kwargs: Any) -> Any:
        return await Runner.run(agent, input, **kwargs)

    def run_streamed(self, agent: Agent[Any], input: Any, **kwargs: Any) -> Any:
        return Runner.run_streamed(agent, input, **kwargs)


class DurableRunner:
    """The same calls, each made durable: ``durable(agent).run(...)`` / ``.run_streamed(...)``."""

    def __init__(self, pattern: str, unique: str) -> None:
        self._prefix = f"{pattern}-{unique}"

    def _durable(self, agent: Agent[Any]) -> Any:
        return durable(agent, name=f"{self._prefix}-{_slug(agent.name)}")

    async def run(self, agent: Agent[Any], input: Any, **kwargs: Any) -> Any:
        return await self._durable(agent).run(input, **kwargs)

    def run_streamed(self, agent: Agent[Any], input: Any, **kwargs: Any) -> Any:
        return self._durable(agent).run_streamed(input, **kwargs)


def bodies(server: Any, ordered: bool) -> list[Any]:
    found = [request.body for request in server.requests]
    return found if ordered else sorted(json.dumps(body, sort_keys=True) for body in found)


@pytest.mark.parametrize("pattern", PATTERNS, ids=[pattern.id for pattern in PATTERNS])
async def test_pattern_runs_durably_as_it_runs_plainly(
    pattern: Pattern, scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    plain_server = scripted_model(list(pattern.script))
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await asyncio.wait_for(pattern.program(PlainRunner()), PROGRAM_TIMEOUT)

    server = scripted_model(list(pattern.script))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    runner = DurableRunner(pattern.id, unique)
    if pattern.unsupported is not None:
        with pytest.raises(UnsupportedError, match=pattern.unsupported):
            await asyncio.wait_for(pattern.program(runner), PROGRAM_TIMEOUT)
        # Refused before the unsupported call: what was sent is a prefix of the plain run's requests.
        sent = bodies(server, ordered=True)
        assert len(sent) < len(plain_server.requests)
        assert sent == bodies(plain_server, ordered=True)[: len(sent)]
        return

    result = await asyncio.wait_for(pattern.program(runner), PROGRAM_TIMEOUT)

    assert apps.dumps(result) == apps.dumps(plain)
    assert bodies(server, pattern.ordered) == bodies(plain_server, pattern.ordered)
    assert len(server.repeats) == len(plain_server.repeats)  # nothing sent twice that plainly was not


# == MCP patterns (the SDK's mcp/ examples) ===================================================
# A block of its own: the same check as above, for programs with MCP servers. The server's
# answers reach the model through the tool activity, so equal requests show equal tool results.

MCP_PATTERNS = [
    Pattern(
        "mcp-stdio",
        apps.mcp_stdio,
        [Reply.tool_call("get_forecast", {"city": "Oslo"}), Reply.text("Rain in Oslo, 14C.")],
    ),
    Pattern(
        "mcp-streamable-http",
        apps.mcp_streamable_http,
        # tool_choice="required" holds for the first call only: the SDK resets it after a tool use.
        [Reply.tool_call("get_forecast", {"city": "Tromsø"}), Reply.text("Rain in Tromsø, 14C.")],
    ),
    Pattern(
        "mcp-static-tool-filter",
        apps.mcp_tool_filter,
        [Reply.tool_call("add", {"a": 7, "b": 22}), Reply.text("29.")],
    ),
    Pattern(
        "mcp-cached-tools-list",
        apps.mcp_cached_tools,
        [
            Reply.tool_call("get_forecast", {"city": "Oslo"}),
            Reply.text("Rain in Oslo."),
            Reply.tool_call("get_forecast", {"city": "Bergen"}),
            Reply.text("Rain in Bergen."),
            Reply.tool_call("add", {"a": 1, "b": 2}),
            Reply.text("3."),
        ],
    ),
]


@pytest.mark.parametrize("pattern", MCP_PATTERNS, ids=[pattern.id for pattern in MCP_PATTERNS])
async def test_mcp_pattern_runs_durably_as_it_runs_plainly(
    pattern: Pattern, scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    await test_pattern_runs_durably_as_it_runs_plainly(pattern, scripted_model, monkeypatch, unique)

"""The conformance suite: LangGraph and LangChain apps as their docs write them, plain vs durable.

Each pattern of :data:`PATTERNS` is an app of ``tests/apps`` written the way LangGraph's
tutorials and how-tos and LangChain's agent docs write theirs (no durability code), with the
scripted model's replies and the input. It runs plainly, then durably (``durable(app)``, the
same calls), each against its own scripted server; the test compares what a user would compare:
every result (paused ones included; messages by type, name, content and tool calls; interrupts
by value), or every streamed chunk, and the requests the model received, body for body (as a set
where branches run in parallel). :data:`REFUSED` lists what is not supported: each must fail at
once, before any model request, naming the construct.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command, Interrupt

from durable_adapters import durable
from durable_adapters.testing import Reply
from tests.apps import langgraph_apps as lg
from tests.apps import langgraph_conformance as apps
from tests.apps import langgraph_pause_apps as pause
from tests.langgraph._compare import bodies, message_view, sorted_bodies

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

Answer = Callable[[list[Interrupt]], Any]


@dataclass(frozen=True)
class Pattern:
    build: Callable[[], Any]
    script: Any
    """The scripted replies (or a function of the request, where branches ask in any order)."""
    input: Any
    answers: tuple[Any, ...] = ()
    """Resume values, one ``Command(resume=...)`` each (a callable gets the pending interrupts)."""
    turns: tuple[Any, ...] = ()
    """Further inputs, each invoked on the same thread after the first."""
    stream_mode: Any = None
    """Run with ``astream(..., stream_mode=...)`` and compare the chunks."""
    parallel: bool = False
    """Model calls run concurrently: compare the requests as a set."""
    failures: tuple[int, int] | None = None
    """``(status, times)``: the server fails the first requests so."""
    env: Callable[[Path], dict[str, str]] | None = None
    """Environment a run needs (set again before each run)."""
    langchain: bool = False
    """Needs ``langchain`` (create_agent)."""


ASK = {"messages": [HumanMessage("What is the weather in Lima?")]}
WEATHER = [Reply.tool_call("get_weather", {"city": "Lima"}), Reply.text("It is sunny in Lima.")]
TWO_TOOLS = [
    Reply.tool_calls([("get_weather", {"city": "Lima"}), ("get_local_time", {"city": "Lima"})]),
    Reply.text("Sunny in Lima at noon."),
]
STRUCTURED = {"city": "Lima", "sunny": True}


def _by_request(request: Any) -> Reply:
    """Replies chosen by the question, for branches that ask in any order."""
    text = request.last_user_text()
    if text.startswith("One line about "):
        return Reply.text(f"{text.removeprefix('One line about ').rstrip('.')} is wonderful")
    if text.startswith(("Weather in ", "Sights in ")):
        return Reply.text(f"About {text}")
    return Reply.text("Everything is wonderful.")


def _flaky(tmp: Path) -> dict[str, str]:
    counter = tmp / "flaky"
    counter.write_text("2")
    return {"FLAKY_FAILURES": str(counter)}


APPROVE = {"decisions": [{"type": "approve"}]}

PATTERNS: dict[str, Pattern] = {
    # prebuilt agents
    "prebuilt create_react_agent, parallel tool calls": Pattern(lg.build_react_agent, TWO_TOOLS, ASK),
    "create_agent with tools": Pattern(lg.build_create_agent, TWO_TOOLS, ASK, langchain=True),
    # create_agent with each built-in middleware
    "create_agent + SummarizationMiddleware": Pattern(
        apps.build_agent_summarizing,
        [WEATHER[0], Reply.text("The user asked about Lima's weather."), WEATHER[1]],
        ASK,
        langchain=True,
    ),
    "create_agent + HumanInTheLoopMiddleware": Pattern(
        lg.build_create_agent_with_approval, WEATHER, ASK, answers=(APPROVE,), langchain=True
    ),
    "create_agent + ModelRetryMiddleware (429s)": Pattern(
        apps.build_agent_with_model_retry, WEATHER, ASK, failures=(429, 3), langchain=True
    ),
    "create_agent + ToolRetryMiddleware": Pattern(
        apps.build_agent_with_tool_retry,
        [Reply.tool_call("flaky_forecast", {"city": "Lima"}), Reply.text("Rain tomorrow.")],
        ASK,
        env=_flaky,
        langchain=True,
    ),
    "create_agent + ModelCallLimitMiddleware": Pattern(
        apps.build_agent_with_model_call_limit, WEATHER, ASK, langchain=True
    ),
    "create_agent + ToolCallLimitMiddleware": Pattern(
        apps.build_agent_with_tool_call_limit,
        [
            Reply.tool_calls([("get_weather", {"city": "Lima"}), ("get_weather", {"city": "Quito"})]),
            Reply.text("Lima is sunny."),
        ],
        ASK,
        langchain=True,
    ),
    "create_agent + ModelFallbackMiddleware (primary fails)": Pattern(
        apps.build_agent_with_fallback,
        [Reply.text("Sunny, says the fallback.")],
        ASK,
        failures=(400, 1),
        langchain=True,
    ),
    "create_agent + ModelFallbackMiddleware (primary 500s past its client's retries)": Pattern(
        apps.build_agent_with_fallback,
        [Reply.text("Sunny, says the fallback.")],
        ASK,
        failures=(500, 3),
        langchain=True,
    ),
    "create_agent + TodoListMiddleware": Pattern(
        apps.build_agent_with_todos,
        [
            Reply.tool_call("write_todos", {"todos": [{"content": "Check Lima", "status": "in_progress"}]}),
            Reply.text("Planned."),
        ],
        ASK,
        langchain=True,
    ),
    "create_agent + PIIMiddleware": Pattern(
        apps.build_agent_with_pii_redaction,
        [Reply.text("Sunny.")],
        {"messages": [HumanMessage("I am ada@example.com; weather in Lima?")]},
        langchain=True,
    ),
    "create_agent + ContextEditingMiddleware": Pattern(
        apps.build_agent_with_context_editing, WEATHER, ASK, langchain=True
    ),
    # structured output
    "create_agent response_format=ToolStrategy": Pattern(
        lambda: apps.build_agent_with_response_format("tool"),
        [WEATHER[0], Reply.tool_call("Weather", STRUCTURED)],
        ASK,
        langchain=True,
    ),
    "create_agent response_format=ProviderStrategy": Pattern(
        lambda: apps.build_agent_with_response_format("provider"),
        [WEATHER[0], Reply.json(STRUCTURED)],
        ASK,
        langchain=True,
    ),
    "with_structured_output(Model) (json_schema)": Pattern(
        lambda: apps.build_structured_output("pydantic", "json_schema"), [Reply.json(STRUCTURED)], {"question": "Lima?"}
    ),
    # hand-written graphs
    "StateGraph chatbot + ToolNode + tools_condition (sync node)": Pattern(lg.build_sync_graph, TWO_TOOLS, ASK),
    "conditional edges (router)": Pattern(
        apps.build_router,
        [Reply.text("weather"), Reply.text("Sunny tomorrow.")],
        {"question": "Will it rain in Lima?", "topic": "", "answer": ""},
    ),
    "Send map-reduce": Pattern(lg.build_map_reduce, _by_request, {"topics": ["cats", "owls", "bees"]}, parallel=True),
    "parallel branches (fan-out, fan-in)": Pattern(
        apps.build_parallel_branches, _by_request, {"city": "Lima", "notes": []}, parallel=True
    ),
    "subgraph (an agent as a node)": Pattern(
        lg.build_subgraph_parent,
        [Reply.tool_call("get_weather", {"city": "Oslo"}), Reply.text("Oslo is sunny."), Reply.text("Sunny Oslo.")],
        {"messages": [HumanMessage("Oslo?")]},
    ),
    "supervisor handoffs with Command(goto=...)": Pattern(
        apps.build_handoffs,
        [Reply.text("weather_expert"), Reply.text("Sunny in Lima."), Reply.text("done")],
        ASK,
    ),
    "interrupt() in a node, Command(resume=...)": Pattern(
        lg.build_approval,
        [Reply.text("Draft: sunny."), Reply.text("Final: sunny.")],
        ASK,
        answers=("yes, send it",),
    ),
    # interrupt() in tools, subgraphs and @tasks (lg-pause's apps: tests/apps/langgraph_pause_apps.py)
    "interrupt() in a ToolNode tool (get-started tutorial), resumed by id": Pattern(
        pause.build_tool_interrupt_graph,
        [
            Reply.tool_call("human_assistance", {"query": "Which city is sunnier?"}),
            Reply.text("Lisbon, says the expert."),
        ],
        {"messages": [HumanMessage("Ask an expert: which city is sunnier?")]},
        answers=(lambda interrupts: {interrupts[0].id: {"data": "Lisbon"}},),
    ),
    "interrupt() in parallel create_agent tools, one asking twice": Pattern(
        pause.build_agent_with_asking_tools,
        [
            Reply.tool_calls([("book_flight", {"city": "Lisbon"}), ("book_hotel", {"city": "Lisbon", "nights": 3})]),
            Reply.text("Booked."),
        ],
        {"messages": [HumanMessage("Book Lisbon: flight and hotel, 3 nights.")]},
        answers=(lambda interrupts: {i.id: "approved" for i in interrupts}, "yes"),
        langchain=True,
    ),
    "interrupt() in a subgraph node": Pattern(
        pause.build_subgraph_interrupt,
        [Reply.text("Draft: Lisbon."), Reply.text("Final: Lisbon.")],
        {"messages": [HumanMessage("Sunniest city?")]},
        answers=("approved",),
    ),
    "interrupt() in a Functional API @task": Pattern(
        pause.build_task_interrupt,
        [Reply.text("Draft: Lisbon.")],
        [HumanMessage("Sunniest city?")],
        answers=("approved",),
    ),
    # the Functional API
    "Functional API, sync @task": Pattern(lg.build_functional, WEATHER, [HumanMessage("Lima?")]),
    "Functional API, async @task, entrypoint.final": Pattern(
        apps.build_functional_async, WEATHER, [HumanMessage("Lima?")]
    ),
    "Functional API, sync @entrypoint blocking on task(...).result() (ReAct how-to)": Pattern(
        pause.build_sync_functional_agent,
        [
            Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Lisbon"})]),
            Reply.tool_call("get_weather", {"city": "Rome"}),
            Reply.text("All sunny."),
        ],
        [HumanMessage("Weather in Paris and Lisbon, then Rome?")],
    ),
    "Functional API, sync, previous + entrypoint.final on a thread": Pattern(
        pause.build_sync_functional_memory,
        [Reply.text("Hello Ana."), Reply.text("You are Ana.")],
        [HumanMessage("I am Ana.")],
        turns=([HumanMessage("Who am I?")],),
    ),
    "Functional API, sync, a failing task caught from .result()": Pattern(
        pause.build_sync_functional_fallback, [Reply.text("Sunny in Oslo.")], "Oslo"
    ),
    # stores
    "store: runtime.store writes, get_store() reads (InMemoryStore)": Pattern(
        pause.build_store_graph, [Reply.text("Ana likes the sea.")], {"messages": [HumanMessage("I like the sea.")]}
    ),
    "create_agent(store=...): ToolRuntime.store and InjectedStore in tools": Pattern(
        pause.build_store_agent,
        [
            Reply.tool_call("save_memory", {"fact": "likes the sea"}),
            Reply.tool_call("recall_memories", {}),
            Reply.text("You like the sea."),
        ],
        {"messages": [HumanMessage("I like the sea.")]},
        langchain=True,
    ),
    # streaming
    "stream_mode='updates' (react agent)": Pattern(lg.build_react_agent, WEATHER, ASK, stream_mode="updates"),
    "stream_mode=['values', 'updates'] (router)": Pattern(
        apps.build_router,
        [Reply.text("other"), Reply.text("Hello.")],
        {"question": "Hi?", "topic": "", "answer": ""},
        stream_mode=["values", "updates"],
    ),
}


def view(value: Any) -> Any:
    """What the user compares: messages as :func:`message_view`, interrupts by value (their ids
    come from LangGraph's task ids, random in any run), everything else as it is."""
    if isinstance(value, BaseMessage):
        return message_view(value)
    if isinstance(value, Interrupt):
        return ("Interrupt", view(value.value))
    if isinstance(value, dict):
        shown = {key: view(item) for key, item in value.items()}
        if "__interrupt__" in shown:  # interrupts of parallel tasks come in any order
            shown["__interrupt__"] = sorted(shown["__interrupt__"], key=repr)
        return shown
    if isinstance(value, (list, tuple)):
        return [view(item) for item in value]
    return value


async def _run(graph: Any, pattern: Pattern, thread: dict[str, Any]) -> list[Any]:
    if pattern.stream_mode is not None:
        return [chunk async for chunk in graph.astream(pattern.input, stream_mode=pattern.stream_mode)]
    if not pattern.answers and not pattern.turns:
        return [await graph.ainvoke(pattern.input)]
    results = [await graph.ainvoke(pattern.input, thread)]
    for turn in pattern.turns:
        results.append(await graph.ainvoke(turn, thread))
    for answer in pattern.answers:
        value = answer(results[-1]["__interrupt__"]) if callable(answer) else answer
        results.append(await graph.ainvoke(Command(resume=value), thread))
    return results


async def _plain_and_durable(pattern: Pattern, name: str, scripted_model, monkeypatch, tmp_path: Path):
    runs = []
    for kind in ("plain", "durable"):
        for key, value in (pattern.env(tmp_path) if pattern.env else {}).items():
            monkeypatch.setenv(key, value)
        server = scripted_model(pattern.script)
        if pattern.failures is not None:
            status, times = pattern.failures
            server.fail_next(status, times=times, retry_after=0.01)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        build = pattern.build()
        graph: Any = build
        if kind == "plain" and (pattern.answers or pattern.turns):
            graph = build.copy({"checkpointer": InMemorySaver()})
        elif kind == "durable":
            graph = durable(build, name=name)
        results = await _run(graph, pattern, {"configurable": {"thread_id": f"{kind}-{name}"}})
        runs.append((server, results))
    return runs


@pytest.mark.parametrize("pattern_id", list(PATTERNS))
async def test_pattern_runs_durably_as_it_runs_plainly(pattern_id, scripted_model, monkeypatch, tmp_path, unique):
    pattern = PATTERNS[pattern_id]
    if pattern.langchain:
        pytest.importorskip("langchain.agents", reason="langchain (create_agent) is not installed")
    name = f"conformance-{list(PATTERNS).index(pattern_id)}-{unique}"
    (plain_server, plain), (server, mine) = await _plain_and_durable(
        pattern, name, scripted_model, monkeypatch, tmp_path
    )

    assert view(mine) == view(plain)
    assert len(mine) == len(plain) >= 1
    if pattern.parallel:
        assert sorted_bodies(server) == sorted_bodies(plain_server)
    else:
        assert bodies(server) == bodies(plain_server)
    assert [r.status for r in sorted(server.requests, key=lambda r: r.status)] == [
        r.status for r in sorted(plain_server.requests, key=lambda r: r.status)
    ]
    assert server.repeats == []


REFUSED: dict[str, tuple[Callable[[Any], Any], str]] = {
    "astream_events": (
        lambda graph: graph.astream_events(ASK, version="v2"),
        "astream_events is not supported on durable graphs",
    ),
    "ainvoke(..., interrupt_before=[...])": (
        lambda graph: graph.ainvoke(ASK, interrupt_before=["tools"]),
        r"durable graph runs do not take \['interrupt_before'\].*use interrupt\(\) in a node",
    ),
}
"""What is not supported (docs/langgraph.md, 'What is not supported'), and the message it fails with."""


@pytest.mark.parametrize("refused_id", list(REFUSED))
async def test_an_unsupported_pattern_fails_at_once_naming_it(refused_id, scripted_model, monkeypatch, unique):
    from durable_adapters import UnsupportedError

    call, message = REFUSED[refused_id]
    server = scripted_model(WEATHER)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    graph = durable(lg.build_react_agent(), name=f"conformance-refused-{unique}")
    with pytest.raises(UnsupportedError, match=message):
        outcome = call(graph)
        if hasattr(outcome, "__aiter__"):
            async for _ in outcome:
                pass
        else:
            await outcome
    assert server.requests == []  # before any model call


def test_the_suite_covers_at_least_twenty_patterns():
    assert len(PATTERNS) >= 20

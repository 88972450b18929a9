"""Tools as LangGraph uses them: injected state, ToolRuntime, tool call ids, Command returns, errors."""

from __future__ import annotations

import os
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import BaseTool
from temporalio import activity

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls
from tests.apps.langgraph_apps import build_tool_showcase
from tests.langgraph._compare import bodies, messages_view

SCRIPT = [
    Reply.tool_calls(
        [
            ("count_messages", {}),
            ("remember_city", {"city": "Lima"}),
            ("echo_call_id", {}),
            ("broken", {"city": "Quito"}),
        ]
    ),
    Reply.text("Done."),
]
INPUT = {"messages": [HumanMessage("Go.")]}
CONTEXT = {"user": "ada"}


async def test_injected_arguments_commands_and_tool_errors_behave_as_in_a_plain_run(
    scripted_model, monkeypatch, unique
):
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await build_tool_showcase().ainvoke(INPUT, context=CONTEXT)

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_tool_showcase(), name=f"showcase-{unique}").start(INPUT, context=CONTEXT)
    result = await handle.result()

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    tool_texts = [m.content for m in result["messages"] if m.type == "tool"]
    assert tool_texts[:3] == ["2 messages so far", "remembered Lima (user ada)", "I am call_1_2"]
    # The tool's ValueError became ToolNode's error message, exactly as in the plain run.
    assert tool_texts[3] == "Error: ValueError('no data for Quito')\n Please fix your mistakes."
    assert result["messages"][-2].status == "error"
    assert result["visited"] == plain["visited"] == ["Lima"]  # the Command's state update was applied
    assert bodies(server) == bodies(plain_server)
    calls = await recorded_calls(handle)
    assert sorted(c.key for c in calls if c.kind == "tool") == [
        "broken",
        "count_messages",
        "echo_call_id",
        "remember_city",
    ]


def build_sync_tool_node_graph():
    """A sync node that calls a tool directly with .invoke() (the tool is found in the node's globals)."""
    from langgraph.graph import START, StateGraph
    from typing_extensions import TypedDict

    from tests.apps.langgraph_apps import get_weather

    class State(TypedDict):
        city: str
        report: str

    def lookup(state: State) -> dict:
        return {"report": get_weather.invoke({"city": state["city"]})}

    return StateGraph(State).add_node("lookup", lookup).add_edge(START, "lookup").compile()


async def test_a_sync_node_calling_tool_invoke_runs_it_as_an_activity(unique, tmp_path, monkeypatch):
    log = tmp_path / "tools.log"
    monkeypatch.setenv("TOOL_LOG", str(log))
    handle = await durable(build_sync_tool_node_graph(), name=f"sync-tool-{unique}").start({"city": "Lima"})
    assert await handle.result() == {"city": "Lima", "report": "Lima: sunny, 21C"}
    assert [(c.kind, c.key) for c in await recorded_calls(handle)] == [("tool", "get_weather")]
    assert log.read_text().splitlines() == ["get_weather Lima"]


def _structured_graph(method: str):
    from langgraph.graph import START, StateGraph
    from pydantic import BaseModel
    from typing_extensions import TypedDict

    from tests.apps.langgraph_apps import llm

    class Weather(BaseModel):
        city: str
        sunny: bool

    class State(TypedDict):
        question: str
        answer: dict

    model = llm().with_structured_output(Weather, method=method)

    async def ask(state: State) -> dict:
        return {"answer": (await model.ainvoke(state["question"])).model_dump()}

    return StateGraph(State).add_node("ask", ask).add_edge(START, "ask").compile()


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
async def test_structured_output_with_a_schema_defined_in_the_builder(scripted_model, monkeypatch, unique, method):
    # The schema class is local to the builder: the worker that runs the workflow saw it (more
    # methods and schema kinds: test_structured_output.py).
    reply = Reply.tool_call("Weather", {"city": "Lima", "sunny": True})
    if method == "json_schema":
        reply = Reply.json({"city": "Lima", "sunny": True})
    server = scripted_model([reply])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await durable(_structured_graph(method), name=f"structured-{method}-{unique}".replace("_", "-")).ainvoke(
        {"question": "Lima?"}
    )
    assert result["answer"] == {"city": "Lima", "sunny": True}
    assert len(server.requests) == 1


async def test_invalid_tool_arguments_give_the_model_the_same_error_as_a_plain_run(scripted_model, monkeypatch, unique):
    from tests.apps.langgraph_apps import build_react_agent

    script = [Reply.tool_call("get_weather", {"town": "Lima"}), Reply.text("Sorry.")]
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await build_react_agent().ainvoke(INPUT)

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await durable(build_react_agent(), name=f"bad-args-{unique}").ainvoke(INPUT)

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert result["messages"][2].status == "error" and "city" in result["messages"][2].content
    assert bodies(server) == bodies(plain_server)


class ShoutTool(BaseTool):
    """A tool class with an ainvoke of its own (as some integrations' tools have)."""

    name: str = "shout"
    description: str = "Shout a word."

    def _run(self, word: str) -> str:
        return word.upper()

    async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        # The override is part of the tool: it must run where the tool runs, in the activity.
        with open(os.environ["TOOL_LOG"], "a") as log:
            log.write(f"shout override, in an activity: {activity.in_activity()}\n")
        return await super().ainvoke(input, config, **kwargs)


SHOUT = ShoutTool()


def build_shout_graph():
    from langgraph.graph import START, StateGraph
    from typing_extensions import TypedDict

    class State(TypedDict):
        word: str
        loud: str

    async def shout(state: State) -> dict:
        return {"loud": await SHOUT.ainvoke({"word": state["word"]})}

    return StateGraph(State).add_node("shout", shout).add_edge(START, "shout").compile()


async def test_a_tool_class_overriding_ainvoke_runs_its_override_in_the_activity(unique, tmp_path, monkeypatch):
    log = tmp_path / "tools.log"
    monkeypatch.setenv("TOOL_LOG", str(log))
    assert await build_shout_graph().ainvoke({"word": "hi"}) == {"word": "hi", "loud": "HI"}
    assert log.read_text().splitlines() == ["shout override, in an activity: False"]  # the plain run
    log.unlink()

    handle = await durable(build_shout_graph(), name=f"shout-{unique}").start({"word": "hi"})

    assert await handle.result() == {"word": "hi", "loud": "HI"}
    assert [(c.kind, c.key) for c in await recorded_calls(handle)] == [("tool", "shout")]
    assert log.read_text().splitlines() == ["shout override, in an activity: True"]
    assert vars(ShoutTool)["ainvoke"].__wrapped__.__qualname__ == "ShoutTool.ainvoke"  # the original, kept

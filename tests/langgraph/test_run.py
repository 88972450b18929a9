"""Unchanged LangGraph graphs, run durably: same output as the plain run, one activity per call.

Each test runs the graph plainly against a scripted model server, then durably against a fresh
server with the same script, and compares what a user would look at: the output messages, the
requests the model received (body for body), and the calls in the run's history.
"""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from durable_adapters import durable
from durable_adapters.testing import Reply, history_json, recorded_calls
from tests.apps.langgraph_apps import (
    SECRET_KEY,
    build_functional,
    build_map_reduce,
    build_react_agent,
    build_subgraph_parent,
    build_sync_graph,
)
from tests.langgraph._compare import bodies, decoded_history, messages_view, sorted_bodies

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MODEL = "ChatOpenAI/gpt-4o-mini"

TWO_TOOLS = [
    Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_local_time", {"city": "Paris"})]),
    Reply.text("Paris is sunny at noon."),
]


async def plain_and_durable(scripted_model, monkeypatch, build, script, graph_input, name, **options):
    """The plain run's output and server, then the durable run's output, server and handle
    (``options`` go to ``durable()``)."""
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await build().ainvoke(graph_input)

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build(), name=name, **options).start(graph_input)
    result = await handle.result()
    return plain, plain_server, result, server, handle


async def test_prebuilt_react_agent_with_two_tools(scripted_model, monkeypatch, unique):
    plain, plain_server, result, server, handle = await plain_and_durable(
        scripted_model,
        monkeypatch,
        build_react_agent,
        TWO_TOOLS,
        {"messages": [HumanMessage("Paris?")]},
        f"react-{unique}",
    )

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert isinstance(result["messages"][1], AIMessage) and len(result["messages"][1].tool_calls) == 2
    assert isinstance(result["messages"][2], ToolMessage)
    assert result["messages"][-1].text == "Paris is sunny at noon."
    assert bodies(server) == bodies(plain_server)  # the model saw exactly what it sees in a plain run
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [
        ("model", MODEL),
        ("tool", "get_weather"),
        ("tool", "get_local_time"),
        ("model", MODEL),
    ]
    assert server.repeats == []


async def test_state_graph_with_sync_node_tool_node_and_tools_condition(scripted_model, monkeypatch, unique):
    plain, plain_server, result, server, handle = await plain_and_durable(
        scripted_model,
        monkeypatch,
        build_sync_graph,
        TWO_TOOLS,
        {"messages": [HumanMessage("Paris?")]},
        f"sync-{unique}",
    )

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert bodies(server) == bodies(plain_server)
    calls = await recorded_calls(handle)
    assert [c.kind for c in calls] == ["model", "tool", "tool", "model"]
    assert {c.key for c in calls if c.kind == "tool"} == {"get_weather", "get_local_time"}


def _essay_script(request):
    text = request.last_user_text()
    if text.startswith("One line about "):
        topic = text.removeprefix("One line about ").rstrip(".")
        return Reply.text(f"{topic} is wonderful")
    return Reply.text("Everything is wonderful.")


TOPICS = ["cats", "dogs", "owls", "bees", "frogs"]


async def test_send_map_reduce(scripted_model, monkeypatch, unique):
    plain, plain_server, result, server, handle = await plain_and_durable(
        scripted_model, monkeypatch, build_map_reduce, _essay_script, {"topics": TOPICS}, f"essay-{unique}"
    )

    assert result == plain
    assert sorted(result["drafts"]) == sorted(f"{t}: {t} is wonderful" for t in TOPICS)
    assert result["summary"] == "Everything is wonderful."
    assert sorted_bodies(server) == sorted_bodies(plain_server)
    calls = await recorded_calls(handle)
    assert [c.kind for c in calls] == ["model"] * 6


SUBGRAPH_SCRIPT = [
    Reply.tool_call("get_weather", {"city": "Oslo"}),
    Reply.text("Oslo is sunny."),
    Reply.text("Report: Oslo, sunny, 21C."),
]


async def test_subgraph_as_a_node(scripted_model, monkeypatch, unique):
    plain, plain_server, result, server, handle = await plain_and_durable(
        scripted_model,
        monkeypatch,
        build_subgraph_parent,
        SUBGRAPH_SCRIPT,
        {"messages": [HumanMessage("Oslo?")]},
        f"parent-{unique}",
    )

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert result["report"] == plain["report"] == "Report: Oslo, sunny, 21C."
    assert bodies(server) == bodies(plain_server)
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [
        ("model", MODEL),
        ("tool", "get_weather"),
        ("model", MODEL),
        ("model", MODEL),
    ]


FUNCTIONAL_SCRIPT = [Reply.tool_call("get_weather", {"city": "Rome"}), Reply.text("Rome is sunny.")]


async def test_functional_api_entrypoint(scripted_model, monkeypatch, unique):
    plain, plain_server, result, server, handle = await plain_and_durable(
        scripted_model,
        monkeypatch,
        build_functional,
        FUNCTIONAL_SCRIPT,
        [HumanMessage("Rome?")],
        f"functional-{unique}",
    )

    assert messages_view(result) == messages_view(plain)
    assert result[-1].text == "Rome is sunny."
    assert bodies(server) == bodies(plain_server)
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [("model", MODEL), ("tool", "get_weather"), ("model", MODEL)]


async def test_no_api_key_reaches_the_history(scripted_model, monkeypatch, unique):
    server = scripted_model(TWO_TOOLS)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_react_agent(), name=f"secret-{unique}").start({"messages": [HumanMessage("Paris?")]})
    await handle.result()

    raw = await history_json(handle)
    history = decoded_history(raw)
    assert SECRET_KEY not in history and SECRET_KEY not in raw
    assert '{"lc":1,"type":"secret","id":["OPENAI_API_KEY"]}' in history.replace(" ", "")  # a reference, not the key
    assert "Paris?" in history  # (the payloads were decoded: the conversation is there)
    assert server.served[0].headers["authorization"] == f"Bearer {SECRET_KEY}"  # ...and the call still used it

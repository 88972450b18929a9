"""LangChain's ``create_agent`` (``langchain.agents``, langchain 1.3 to 1.5), run durably: what
LangChain now recommends instead of ``create_react_agent``. Its graph is LangGraph's (a model node, LangGraph's
``ToolNode``, middleware nodes), so it runs unchanged in the workflow; the test checks what a
user would look at against the plain run: the messages, the structured answer, the requests the
model received (body for body) and one activity per call.

Skipped where ``langchain`` is not installed (it is optional for a LangGraph user).
"""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls
from tests.apps.langgraph_apps import (
    Forecast,
    build_create_agent,
    build_create_agent_native_structured,
    build_create_agent_structured,
    build_create_agent_with_approval,
)
from tests.langgraph._compare import bodies, messages_view
from tests.langgraph.test_run import MODEL, TWO_TOOLS, plain_and_durable

pytest.importorskip("langchain.agents", reason="langchain (create_agent) is not installed")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_create_agent_with_two_tools(scripted_model, monkeypatch, unique):
    plain, plain_server, result, server, handle = await plain_and_durable(
        scripted_model,
        monkeypatch,
        build_create_agent,
        TWO_TOOLS,
        {"messages": [HumanMessage("Paris?")]},
        f"create-agent-{unique}",
    )

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert [type(m) for m in result["messages"]] == [HumanMessage, AIMessage, ToolMessage, ToolMessage, AIMessage]
    assert {m.content for m in result["messages"][2:4]} == {"Paris: sunny, 21C", "Paris: 12:00"}
    assert result["messages"][-1].text == "Paris is sunny at noon."
    assert bodies(server) == bodies(plain_server)  # system prompt, tools, messages: as in the plain run
    assert server.served[0].body["messages"][0] == {"role": "system", "content": "Answer with the tools."}
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [
        ("model", MODEL),
        ("tool", "get_weather"),
        ("tool", "get_local_time"),
        ("model", MODEL),
    ]
    assert server.repeats == []


FORECAST_SCRIPT = [
    Reply.tool_call("get_weather", {"city": "Oslo"}),
    Reply.tool_call("Forecast", {"city": "Oslo", "summary": "sunny, 21C"}),
]


async def test_create_agent_with_middleware_and_structured_output(scripted_model, monkeypatch, unique):
    plain, plain_server, result, server, handle = await plain_and_durable(
        scripted_model,
        monkeypatch,
        build_create_agent_structured,
        FORECAST_SCRIPT,
        {"messages": [HumanMessage("Oslo?")]},
        f"forecast-{unique}",
    )

    assert result["structured_response"] == plain["structured_response"] == Forecast(city="Oslo", summary="sunny, 21C")
    assert type(result["structured_response"]) is Forecast
    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert HumanMessage("(turn 2)").content in [m.content for m in result["messages"]]  # the middleware ran
    assert bodies(server) == bodies(plain_server)
    assert "Forecast" in server.requests[0].tool_names()  # the answer's schema went as a tool
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [("model", MODEL), ("tool", "get_weather"), ("model", MODEL)]


NATIVE_SCRIPT = [
    Reply.tool_call("get_weather", {"city": "Oslo"}),
    Reply.text('{"city": "Oslo", "summary": "sunny, 21C"}'),
]


async def test_create_agent_with_the_providers_native_structured_output(scripted_model, monkeypatch, unique):
    plain, plain_server, result, server, handle = await plain_and_durable(
        scripted_model,
        monkeypatch,
        build_create_agent_native_structured,
        NATIVE_SCRIPT,
        {"messages": [HumanMessage("Oslo?")]},
        f"native-forecast-{unique}",
    )

    assert result["structured_response"] == plain["structured_response"] == Forecast(city="Oslo", summary="sunny, 21C")
    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert bodies(server) == bodies(plain_server)
    assert server.served[0].body["response_format"]["type"] == "json_schema"  # bound as data, sent as in a plain run
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [("model", MODEL), ("tool", "get_weather"), ("model", MODEL)]


APPROVAL_SCRIPT = [Reply.tool_call("get_weather", {"city": "Rome"}), Reply.text("Rome is sunny.")]


async def test_create_agent_human_in_the_loop_waits_durably_and_resumes_like_command_resume(
    scripted_model, monkeypatch, unique
):
    approve = {"decisions": [{"type": "approve"}]}
    plain_server = scripted_model(APPROVAL_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_graph = build_create_agent_with_approval().copy({"checkpointer": InMemorySaver()})
    thread = {"configurable": {"thread_id": "plain"}}
    plain_paused = await plain_graph.ainvoke({"messages": [HumanMessage("Rome?")]}, thread)
    plain = await plain_graph.ainvoke(Command(resume=approve), thread)

    server = scripted_model(APPROVAL_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(build_create_agent_with_approval(), name=f"approved-{unique}")
    thread = {"configurable": {"thread_id": f"approval-{unique}"}}
    paused = await dgraph.ainvoke({"messages": [HumanMessage("Rome?")]}, thread)

    assert messages_view(paused["messages"]) == messages_view(plain_paused["messages"])
    assert [i.value for i in paused["__interrupt__"]] == [i.value for i in plain_paused["__interrupt__"]]
    assert len(server.served) == 1  # the tool waits for the decision; the run waits in Temporal
    result = await dgraph.ainvoke(Command(resume=approve), thread)

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert result["messages"][2].content == "Rome: sunny, 21C"  # approved, so the tool ran
    assert bodies(server) == bodies(plain_server)
    assert server.repeats == []

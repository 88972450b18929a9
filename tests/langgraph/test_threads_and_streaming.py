"""thread_id keeps the conversation across invocations; get_state reads it; astream streams node by node."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from durable_adapters import RunFailedError, UnsupportedError, durable
from durable_adapters.testing import Reply, recorded_calls
from tests.apps.langgraph_apps import build_react_agent, build_sync_graph
from tests.langgraph._compare import bodies, messages_view

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TWO_TURNS = [
    Reply.tool_call("get_weather", {"city": "Paris"}),
    Reply.text("Paris is sunny."),
    Reply.tool_call("get_weather", {"city": "Rome"}),
    Reply.text("Rome is sunny too."),
]


async def test_two_turns_on_one_thread_keep_the_conversation(scripted_model, monkeypatch, unique):
    plain_server = scripted_model(TWO_TURNS)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_graph = build_react_agent().copy({"checkpointer": InMemorySaver()})
    plain_thread = {"configurable": {"thread_id": "plain"}}
    await plain_graph.ainvoke({"messages": [HumanMessage("Paris?")]}, plain_thread)
    plain = await plain_graph.ainvoke({"messages": [HumanMessage("And Rome?")]}, plain_thread)

    server = scripted_model(TWO_TURNS)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(build_react_agent(), name=f"threads-{unique}")
    thread = {"configurable": {"thread_id": f"conversation-{unique}"}}
    first = await dgraph.ainvoke({"messages": [HumanMessage("Paris?")]}, thread)
    second = await dgraph.ainvoke({"messages": [HumanMessage("And Rome?")]}, thread)

    assert len(first["messages"]) == 4
    assert messages_view(second["messages"]) == messages_view(plain["messages"])  # the first turn is kept
    assert second["messages"][:4] == first["messages"]  # the very same messages, ids included
    assert bodies(server) == bodies(plain_server)  # turn 2's model saw turn 1
    assert server.repeats == []

    state = await dgraph.aget_state(thread)
    assert state.values["messages"] == second["messages"]
    assert state.next == ()
    other = await dgraph.aget_state({"configurable": {"thread_id": f"other-{unique}"}})
    assert other.values == {}


async def test_a_thread_continues_from_another_client_object(scripted_model, monkeypatch, unique):
    """The thread lives in Temporal: a fresh durable() wrapper (another process, say) continues it."""
    server = scripted_model(TWO_TURNS)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    graph = build_react_agent()
    thread = {"configurable": {"thread_id": f"shared-{unique}"}}
    await durable(graph, name=f"shared-{unique}").ainvoke({"messages": [HumanMessage("Paris?")]}, thread)
    again = durable(graph, name=f"shared-{unique}")
    second = await again.ainvoke({"messages": [HumanMessage("And Rome?")]}, thread)
    assert [m.type for m in second["messages"]] == ["human", "ai", "tool", "ai"] * 2


async def test_astream_yields_updates_node_by_node_like_the_plain_graph(scripted_model, monkeypatch, unique):
    script = [Reply.tool_call("get_weather", {"city": "Oslo"}), Reply.text("Oslo is sunny.")]
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = [
        chunk
        async for chunk in build_sync_graph().astream({"messages": [HumanMessage("Oslo?")]}, stream_mode="updates")
    ]

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(build_sync_graph(), name=f"stream-{unique}")
    chunks = [chunk async for chunk in dgraph.astream({"messages": [HumanMessage("Oslo?")]}, stream_mode="updates")]

    assert (
        [list(chunk) for chunk in chunks] == [list(chunk) for chunk in plain] == [["chatbot"], ["tools"], ["chatbot"]]
    )
    for mine, theirs in zip(chunks, plain, strict=True):
        (node,) = mine
        assert messages_view(mine[node]["messages"]) == messages_view(theirs[node]["messages"])

    server.reset()
    values = [v async for v in dgraph.astream({"messages": [HumanMessage("Oslo?")]}, stream_mode=["values"])]
    assert [mode for mode, _ in values] == ["values"] * 4
    assert values[-1][1]["messages"][-1].text == "Oslo is sunny."


@pytest.mark.faults
async def test_what_cannot_cross_is_refused_before_a_run(unique):
    dgraph = durable(build_sync_graph(), name=f"refuse-{unique}")
    with pytest.raises(UnsupportedError, match="interrupt_before"):
        await dgraph.ainvoke({"messages": []}, interrupt_before=["tools"])
    with pytest.raises(UnsupportedError, match="run_id and thread_id"):
        await dgraph.ainvoke({"messages": []}, {"configurable": {"thread_id": "t"}}, run_id="r")


@pytest.mark.faults
async def test_a_graph_without_a_name_must_be_given_one():
    from durable_adapters import ConfigurationError

    with pytest.raises(ConfigurationError, match="name="):
        durable(build_sync_graph())


def _fake_model_graph(make_model_in_node: bool):
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph

    built = GenericFakeChatModel(messages=iter([AIMessage("from the fake model")]))

    async def node(state: MessagesState) -> dict:
        model = GenericFakeChatModel(messages=iter([AIMessage("made at run time")])) if make_model_in_node else built
        return {"messages": [await model.ainvoke(state["messages"])]}

    return StateGraph(MessagesState).add_node("node", node).add_edge(START, "node").compile()


async def test_a_chat_model_langchain_cannot_serialise_runs_from_the_hosted_graph(unique):
    handle = await durable(_fake_model_graph(False), name=f"fake-{unique}").start({"messages": [HumanMessage("hi")]})
    result = await handle.result()
    assert result["messages"][-1].content == "from the fake model"
    assert [(c.kind, c.key) for c in await recorded_calls(handle)] == [("model", "GenericFakeChatModel")]


@pytest.mark.faults
async def test_a_chat_model_made_at_run_time_that_cannot_be_serialised_fails_the_run_with_the_reason(unique):
    with pytest.raises(RunFailedError) as failure:
        await durable(_fake_model_graph(True), name=f"fake-late-{unique}").ainvoke({"messages": [HumanMessage("hi")]})
    assert failure.value.type == "durable_adapters._errors.UnsupportedError"
    assert "cannot be sent to an activity" in str(failure.value)
    assert "created while the graph ran" in str(failure.value)


def _writer_graph():
    from langgraph.config import get_stream_writer
    from langgraph.graph import START, MessagesState, StateGraph

    from tests.apps.langgraph_apps import llm

    model = llm()

    async def node(state: MessagesState) -> dict:
        get_stream_writer()({"progress": "asking the model"})
        return {"messages": [await model.ainvoke(state["messages"])]}

    return StateGraph(MessagesState).add_node("node", node).add_edge(START, "node").compile()


async def test_custom_and_messages_stream_modes(scripted_model, monkeypatch, unique):
    script = [Reply.text("Hello there, friend.")]
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain = [
        c async for c in _writer_graph().astream({"messages": [HumanMessage("hi")]}, stream_mode=["custom", "messages"])
    ]

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(_writer_graph(), name=f"writer-{unique}")
    mine = [c async for c in dgraph.astream({"messages": [HumanMessage("hi")]}, stream_mode=["custom", "messages"])]

    assert mine[0] == plain[0] == ("custom", {"progress": "asking the model"})  # get_stream_writer() in a node
    # The model's tokens, one item each, as in the plain run (tests/langgraph/test_streaming.py has more).
    assert [(mode, m.text, meta["langgraph_node"]) for mode, (m, meta) in mine[1:]] == [
        (mode, m.text, meta["langgraph_node"]) for mode, (m, meta) in plain[1:]
    ]
    assert "".join(m.text for _, (m, _) in mine[1:]) == "Hello there, friend."

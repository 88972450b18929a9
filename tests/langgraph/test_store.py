"""LangGraph stores: reads and writes of the graph's store (runtime.store, get_store(),
ToolRuntime.store, InjectedStore) are activities on the live store in the worker; compared with
the plain run, and across a worker SIGKILL during a write."""

from __future__ import annotations

import asyncio
import json

from langchain_core.messages import HumanMessage
from langgraph.store.memory import InMemoryStore

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_line
from tests.apps import langgraph_pause_apps as apps
from tests.langgraph._compare import bodies, messages_view

ANSWER = [Reply.text("Ana likes the sea.")]
INPUTS = {"messages": [HumanMessage("I am Ana.")]}


def _facts(store) -> list[tuple[tuple[str, ...], str, dict]]:
    return [(item.namespace, item.key, item.value) for item in store.search(("memories",))]


async def test_node_reads_and_writes_go_through_activities_on_the_live_store(scripted_model, monkeypatch, unique):
    plain_server = scripted_model(ANSWER)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_store = InMemoryStore()
    plain = await apps.build_store_graph(plain_store).ainvoke(INPUTS)

    server = scripted_model(ANSWER)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    store = InMemoryStore()  # lives in the worker (here: the embedded one)
    handle = await durable(apps.build_store_graph(store), name=f"store-graph-{unique}").start(INPUTS)
    result = await handle.result()

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert result["messages"][1].content == "Known: I am Ana.; likes the sea; first seen: I am Ana."
    assert bodies(server) == bodies(plain_server)
    assert _facts(store) == _facts(plain_store)  # the user's own store holds the writes
    calls = await recorded_calls(handle)
    # two aput batches, one search, one get: each its own activity; then the model call
    assert [(c.kind, c.key) for c in calls] == [("tool", "langgraph:store")] * 4 + [("model", "ChatOpenAI/gpt-4o-mini")]


async def test_create_agent_tools_use_the_store_through_toolruntime_and_injectedstore(
    scripted_model, monkeypatch, unique
):
    script = [
        Reply.tool_call("save_memory", {"fact": "likes the sea"}),
        Reply.tool_call("recall_memories", {}),
        Reply.text("You like the sea."),
    ]
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_store = InMemoryStore()
    plain = await apps.build_store_agent(plain_store).ainvoke({"messages": [HumanMessage("I like the sea.")]})

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    store = InMemoryStore()
    graph = durable(apps.build_store_agent(store), name=f"store-agent-{unique}")
    result = await graph.ainvoke({"messages": [HumanMessage("I like the sea.")]})

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert [m.content for m in result["messages"] if m.type == "tool"] == ["saved: likes the sea", "likes the sea"]
    assert bodies(server) == bodies(plain_server)
    assert [i.value for i in store.search(("facts",))] == [i.value for i in plain_store.search(("facts",))]


async def test_a_sync_store_call_in_async_code_fails_at_once_naming_the_async_form(scripted_model, monkeypatch, unique):
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.runtime import Runtime

    from durable_adapters import RunFailedError

    async def node(state: MessagesState, runtime: Runtime) -> dict:
        runtime.store.put(("x",), "k", {"v": 1})  # sync, in an async node
        return {}

    builder = StateGraph(MessagesState)
    builder.add_node("node", node)
    builder.add_edge(START, "node")
    graph = builder.compile(store=InMemoryStore())
    server = scripted_model([])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    try:
        await durable(graph, name=f"sync-store-{unique}").ainvoke(INPUTS)
    except RunFailedError as error:
        assert "await store.aget" in str(error)
    else:
        raise AssertionError("the run should fail")
    assert server.served == []


async def test_a_worker_killed_during_a_store_write_loses_and_doubles_nothing(
    scripted_model, worker_process, tmp_path, unique
):
    server = scripted_model(ANSWER)
    store_file, log, hold = tmp_path / "store.json", tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("store put second")  # the second write waits while this file exists
    name = f"store-kill-{unique}"
    target = f"{name}=tests.apps.langgraph_pause_apps:build_file_store_graph"
    env = {
        "OPENAI_BASE_URL": server.base_url,
        "STORE_FILE": str(store_file),
        "TOOL_LOG": str(log),
        "TOOL_HOLD": str(hold),
    }
    first = worker_process(target, env=env)
    graph = apps.build_store_graph(apps.FileStore(str(tmp_path / "client-side-unused.json")))
    handle = await durable(graph, name=name, worker=False).start(INPUTS)

    await wait_for_line(log, "store put second")
    assert list(json.loads(store_file.read_text())) == ["memories/ana/first"]  # the first write is done
    first.kill()
    assert first.returncode == -9
    hold.unlink()
    worker_process(target, env=env)
    result = await asyncio.wait_for(handle.result(), timeout=90)

    assert result["messages"][1].content == "Known: I am Ana.; likes the sea; first seen: I am Ana."
    assert sorted(json.loads(store_file.read_text())) == ["memories/ana/first", "memories/ana/second"]
    # the finished write was not made again; the one in flight was retried (a put: the same write)
    assert log.read_text().splitlines() == ["store put first", "store put second", "store put second"]
    assert len(server.served) == 1 and server.repeats == []


def test_every_store_operation_crosses_as_data_and_back():
    """Each operation kind and its answer survive the trip through history unchanged (JSON only)."""
    from datetime import UTC, datetime

    from langgraph.store.base import GetOp, ListNamespacesOp, MatchCondition, PutOp, SearchItem, SearchOp

    from durable_adapters_langgraph import _store

    ops = [
        GetOp(("a", "b"), "k", refresh_ttl=False),
        SearchOp(("a",), filter={"kind": "fact"}, limit=3, offset=1, query="sea", refresh_ttl=True),
        PutOp(("a",), "k", {"v": [1, 2]}, index=["v"], ttl=5.0),
        PutOp(("a",), "gone", None),  # a delete
        ListNamespacesOp(match_conditions=(MatchCondition("prefix", ("a", "*")),), max_depth=2, limit=7, offset=0),
    ]
    encoded = [_store.encode_op(op) for op in ops]
    assert json.loads(json.dumps(encoded)) == encoded
    assert [_store.decode_op(data) for data in encoded] == ops

    when = datetime(2026, 1, 1, tzinfo=UTC)
    results = [
        None,
        [SearchItem(("a",), "k", {"v": 1}, when, when, score=0.5)],
        [("a", "b"), ("a", "c")],
    ]
    encoded_results = [_store.encode_result(result) for result in results]
    assert json.loads(json.dumps(encoded_results)) == encoded_results
    decoded = [_store.decode_result(data) for data in encoded_results]
    assert decoded == results and decoded[1][0].score == 0.5

"""The Functional API in sync style: a sync @entrypoint blocking on task(...).result(), with
entrypoint.final, previous and a thread (LangGraph's checkpointer on the entrypoint), compared
with the plain run of the same app."""

from __future__ import annotations

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls
from tests.apps import langgraph_pause_apps as apps
from tests.langgraph._compare import bodies, messages_view, sorted_bodies

REACT = [
    Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Lisbon"})]),
    Reply.tool_call("get_weather", {"city": "Rome"}),
    Reply.text("All sunny."),
]


async def test_a_sync_entrypoint_blocking_on_task_results(scripted_model, monkeypatch, unique):
    inputs = [HumanMessage("Weather in Paris and Lisbon, then Rome?")]
    plain_server = scripted_model(REACT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await apps.build_sync_functional_agent().ainvoke(inputs)

    server = scripted_model(REACT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    graph = durable(apps.build_sync_functional_agent(), name=f"sync-functional-{unique}")
    handle = await graph.start(inputs)
    result = await handle.result()

    assert messages_view(result) == messages_view(plain)
    assert result[-1].text == "All sunny."
    assert sorted_bodies(server) == sorted_bodies(plain_server) and server.repeats == []
    assert sorted(c.kind for c in await recorded_calls(handle)) == ["model"] * 3 + ["tool"] * 3


async def test_entrypoint_final_and_previous_on_a_thread(scripted_model, monkeypatch, unique):
    script = [Reply.text("Hello Ana."), Reply.text("You are Ana.")]
    turns = [[HumanMessage("I am Ana.")], [HumanMessage("Who am I?")]]
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_app = apps.build_sync_functional_memory()
    plain_app.checkpointer = InMemorySaver()
    thread = {"configurable": {"thread_id": "plain"}}
    plain = [await plain_app.ainvoke(turn, thread) for turn in turns]

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    app = apps.build_sync_functional_memory()
    app.checkpointer = InMemorySaver()  # the user's checkpointer on the entrypoint
    graph = durable(app, name=f"sync-functional-memory-{unique}")
    thread = {"configurable": {"thread_id": f"memory-{unique}"}}
    mine = [await graph.ainvoke(turn, thread) for turn in turns]

    assert mine == plain == ["Hello Ana.", "You are Ana."]  # entrypoint.final's value
    assert bodies(server) == bodies(plain_server)  # the second request carries the saved history
    assert [m["content"] for m in bodies(server)[1]["messages"]] == ["I am Ana.", "Hello Ana.", "Who am I?"]


async def test_a_failing_tasks_exception_reaches_result_as_its_own_type(scripted_model, monkeypatch, unique):
    script = [Reply.text("Sunny in Oslo.")]
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await apps.build_sync_functional_fallback().ainvoke("Oslo")

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await durable(apps.build_sync_functional_fallback(), name=f"sync-fallback-{unique}").ainvoke("Oslo")
    assert result == plain == {"forecast": "Sunny in Oslo.", "fallback_because": "no forecast for Oslo"}
    assert bodies(server) == bodies(plain_server)

"""interrupt(): the run waits durably for the handle's resume(), across a worker restart."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_pending_input
from tests.apps.langgraph_apps import build_approval
from tests.langgraph._compare import bodies, messages_view

SCRIPT = [Reply.text("Draft: Paris is sunny."), Reply.text("Final: Paris is sunny, approved.")]


async def test_interrupt_waits_survives_a_worker_restart_and_resumes_like_command_resume(
    scripted_model, worker_process, monkeypatch, unique
):
    # The plain LangGraph way: invoke, stop at interrupt(), invoke again with Command(resume=...).
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_graph = build_approval().copy({"checkpointer": InMemorySaver()})
    thread = {"configurable": {"thread_id": "plain"}}
    await plain_graph.ainvoke({"messages": [HumanMessage("Paris?")]}, thread)
    plain = await plain_graph.ainvoke(Command(resume="yes, send it"), thread)

    server = scripted_model(SCRIPT)
    name = f"approval-{unique}"
    target = f"{name}=tests.apps.langgraph_apps:build_approval"
    env = {"OPENAI_BASE_URL": server.base_url}
    first = worker_process(target, env=env)
    handle = await durable(build_approval(), name=name, worker=False).start({"messages": [HumanMessage("Paris?")]})

    prompt = await wait_for_pending_input(handle)
    assert [i["value"] for i in prompt["interrupts"]] == [
        {"question": "Send this answer?", "draft": "Draft: Paris is sunny."}
    ]
    assert len(server.served) == 1
    first.kill()  # nothing runs while the run waits: the worker can go away

    worker_process(target, env=env)
    assert await handle.pending_input() == prompt  # still waiting, asked by the new worker
    await handle.resume("yes, send it")
    result = await asyncio.wait_for(handle.result(), timeout=60)

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert result["messages"][2].content == "Reviewer says: yes, send it"
    assert bodies(server) == bodies(plain_server)
    assert server.repeats == []  # the draft was not asked for again after the restart
    assert [c.kind for c in await recorded_calls(handle)] == ["model", "model"]
    assert await handle.pending_input() is None


async def test_on_a_thread_ainvoke_returns_at_the_interrupt_and_command_resume_continues(
    scripted_model, monkeypatch, unique
):
    """The LangGraph way, over stateless calls: the run waits in Temporal between the two ainvokes."""
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_graph = build_approval().copy({"checkpointer": InMemorySaver()})
    thread = {"configurable": {"thread_id": "plain"}}
    plain_paused = await plain_graph.ainvoke({"messages": [HumanMessage("Paris?")]}, thread)
    plain = await plain_graph.ainvoke(Command(resume="yes"), thread)

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    graph = build_approval()
    thread = {"configurable": {"thread_id": f"review-{unique}"}}
    paused = await durable(graph, name=f"approval-thread-{unique}").ainvoke(
        {"messages": [HumanMessage("Paris?")]}, thread
    )

    assert messages_view(paused["messages"]) == messages_view(plain_paused["messages"])
    assert [i.value for i in paused["__interrupt__"]] == [i.value for i in plain_paused["__interrupt__"]]
    with pytest.raises(Exception, match="waiting for input"):
        await durable(graph, name=f"approval-thread-{unique}").ainvoke({"messages": [HumanMessage("More?")]}, thread)

    # Another client object (another request handler, say) answers it.
    done = await durable(graph, name=f"approval-thread-{unique}").ainvoke(Command(resume="yes"), thread)
    assert messages_view(done["messages"]) == messages_view(plain["messages"])
    assert bodies(server) == bodies(plain_server) and server.repeats == []


async def test_an_interrupts_response_schema_reaches_the_client_and_validates_the_answer(
    scripted_model, monkeypatch, unique
):
    """interrupt(value, response_schema=Model) (langgraph 1.2.x): the waiting run's interrupt
    carries the schema, as LangGraph's does, and the answer is validated into the model."""
    import inspect

    from langgraph.types import interrupt

    from tests.apps.langgraph_apps import build_typed_approval

    if "response_schema" not in inspect.signature(interrupt).parameters:
        pytest.skip("this langgraph has no interrupt(response_schema=...)")
    script = [Reply.text("Draft: Paris is sunny.")]
    answer = {"approved": True, "note": "ship it"}
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_graph = build_typed_approval().copy({"checkpointer": InMemorySaver()})
    thread = {"configurable": {"thread_id": "plain"}}
    plain_paused = await plain_graph.ainvoke({"messages": [HumanMessage("Paris?")]}, thread)
    plain = await plain_graph.ainvoke(Command(resume=answer), thread)

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(build_typed_approval(), name=f"typed-approval-{unique}")
    thread = {"configurable": {"thread_id": f"typed-{unique}"}}
    paused = await dgraph.ainvoke({"messages": [HumanMessage("Paris?")]}, thread)

    (mine,), (theirs,) = paused["__interrupt__"], plain_paused["__interrupt__"]
    assert mine.value == theirs.value == {"draft": "Draft: Paris is sunny."}
    assert mine.response_schema == theirs.response_schema
    assert mine.response_schema["properties"].keys() == {"approved", "note"}
    result = await dgraph.ainvoke(Command(resume=answer), thread)

    assert result["verdict"] == plain["verdict"] == "Verdict: approved=True, ship it"
    assert bodies(server) == bodies(plain_server)

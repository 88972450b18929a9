"""interrupt() where LangGraph allows it — in a tool (ToolNode, create_agent), in a subgraph, in
a @task: the run pauses durably and resumes with Command(resume=...) semantics. A tool runs in
an activity, which reports the interrupt; the tool is called again with the answer, exactly as
LangGraph calls it again. Each case is compared with the plain run of the same app."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command, Interrupt

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_pending_input
from tests.apps import langgraph_pause_apps as apps
from tests.langgraph._compare import bodies, messages_view, sorted_bodies

Answer = Callable[[list[Interrupt]], Any]
"""How a test answers a pause: from the pending interrupts to the resume value."""

ASK = [
    Reply.tool_call("human_assistance", {"query": "Which city is sunnier?"}),
    Reply.text("The expert says Lisbon."),
]
APPROVE: list[Answer] = [lambda _interrupts: "approved"]
ASKED = {"messages": [HumanMessage("Ask an expert: which city is sunnier?")]}


def by_id(answers: dict[str, Any]) -> Answer:
    """Answer each pending interrupt by its id, choosing the answer by the interrupt's action."""
    return lambda interrupts: {i.id: answers[i.value["action"]] for i in interrupts}


async def _run(graph: Any, inputs: Any, answers: list[Answer], thread: dict[str, Any]) -> list[dict[str, Any]]:
    """Invoke, then Command(resume=...) for each answer; every result (paused ones included)."""
    results = [await graph.ainvoke(inputs, thread)]
    for answer in answers:
        results.append(await graph.ainvoke(Command(resume=answer(results[-1]["__interrupt__"])), thread))
    return results


async def _plain_and_durable(build, script, inputs, answers, scripted_model, monkeypatch, tmp_path, unique):
    """The plain LangGraph run (own checkpointer) and the durable one on a thread: servers, results, tool logs."""
    runs = []
    for kind in ("plain", "durable"):
        server = scripted_model(script)
        log = tmp_path / f"{kind}.log"
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("TOOL_LOG", str(log))
        if kind == "plain":
            graph: Any = build().copy({"checkpointer": InMemorySaver()})
        else:
            graph = durable(build(), name=f"{build.__name__}-{unique}")
        results = await _run(graph, inputs, answers, {"configurable": {"thread_id": f"{kind}-{unique}"}})
        runs.append((server, results, log.read_text().splitlines() if log.exists() else []))
    return runs


def _interrupt_values(result: dict[str, Any]) -> list[Any]:
    return sorted(repr(i.value) for i in result.get("__interrupt__", []))


async def test_a_toolnode_tool_asks_a_human_and_is_called_again_with_the_answer(
    scripted_model, monkeypatch, tmp_path, unique
):
    """LangGraph's get-started tutorial's human_assistance tool, answered by the interrupt's id."""
    answers = [lambda interrupts: {interrupts[0].id: {"data": "Lisbon"}}]
    (plain_server, plain, plain_log), (server, mine, log) = await _plain_and_durable(
        apps.build_tool_interrupt_graph, ASK, ASKED, answers, scripted_model, monkeypatch, tmp_path, unique
    )
    (asked,) = mine[0]["__interrupt__"]
    assert asked.value == plain[0]["__interrupt__"][0].value == {"query": "Which city is sunnier?"}
    assert len(asked.id) == 32  # LangGraph's own id (task ids differ from run to run)
    assert messages_view(mine[0]["messages"]) == messages_view(plain[0]["messages"])
    assert messages_view(mine[1]["messages"]) == messages_view(plain[1]["messages"])
    assert mine[1]["messages"][2].content == "Expert says: Lisbon"
    assert bodies(server) == bodies(plain_server) and server.repeats == []
    assert log == plain_log == ["human_assistance Which city is sunnier?"] * 2  # called again, as LangGraph does


async def test_parallel_create_agent_tools_each_ask_and_a_tool_asks_twice(
    scripted_model, monkeypatch, tmp_path, unique
):
    """Two tool calls in one model answer stop together (two interrupts, one per task, each with
    its id); answered by id, the flight finishes and the hotel asks again; a single value answers that."""
    script = [
        Reply.tool_calls([("book_flight", {"city": "Lisbon"}), ("book_hotel", {"city": "Lisbon", "nights": 3})]),
        Reply.text("Booked."),
    ]
    answers = [by_id({"book_flight": "approved", "book_hotel": "approved"}), lambda _interrupts: "yes"]
    inputs = {"messages": [HumanMessage("Book Lisbon: flight and hotel, 3 nights.")]}
    (plain_server, plain, plain_log), (server, mine, log) = await _plain_and_durable(
        apps.build_agent_with_asking_tools, script, inputs, answers, scripted_model, monkeypatch, tmp_path, unique
    )
    assert [_interrupt_values(r) for r in mine] == [_interrupt_values(r) for r in plain]
    assert len(mine[0]["__interrupt__"]) == 2 and len({i.id for i in mine[0]["__interrupt__"]}) == 2
    assert mine[1]["__interrupt__"][0].value == {"action": "confirm_nights", "nights": 3}
    for durable_result, plain_result in zip(mine, plain, strict=True):
        assert messages_view(durable_result["messages"]) == messages_view(plain_result["messages"])
    assert [m.content for m in mine[2]["messages"] if m.type == "tool"] == [
        "flight to Lisbon: approved",
        "hotel in Lisbon: approved, 3 nights yes",
    ]
    assert sorted_bodies(server) == sorted_bodies(plain_server) and server.repeats == []
    assert sorted(log) == sorted(plain_log)  # each tool entered as often as LangGraph enters it


async def test_a_subgraph_node_asks(scripted_model, monkeypatch, tmp_path, unique):
    script = [Reply.text("Draft: Lisbon."), Reply.text("Final: Lisbon.")]
    inputs = {"messages": [HumanMessage("Sunniest city?")]}
    (plain_server, plain, _), (server, mine, _) = await _plain_and_durable(
        apps.build_subgraph_interrupt,
        script,
        inputs,
        APPROVE,
        scripted_model,
        monkeypatch,
        tmp_path,
        unique,
    )
    assert [i.value for i in mine[0]["__interrupt__"]] == [i.value for i in plain[0]["__interrupt__"]]
    assert messages_view(mine[1]["messages"]) == messages_view(plain[1]["messages"])
    assert mine[1]["messages"][2].content == "Reviewer: approved"
    assert bodies(server) == bodies(plain_server) and server.repeats == []


async def test_a_task_asks(scripted_model, monkeypatch, tmp_path, unique):
    script = [Reply.text("Draft: Lisbon.")]
    inputs = [HumanMessage("Sunniest city?")]
    (plain_server, plain, _), (server, mine, _) = await _plain_and_durable(
        apps.build_task_interrupt,
        script,
        inputs,
        APPROVE,
        scripted_model,
        monkeypatch,
        tmp_path,
        unique,
    )
    assert [i.value for i in mine[0]["__interrupt__"]] == [i.value for i in plain[0]["__interrupt__"]]
    assert mine[1] == plain[1] == {"draft": "Draft: Lisbon.", "verdict": "approved"}
    assert bodies(server) == bodies(plain_server) and server.repeats == []  # the draft is not asked again


async def test_a_worker_killed_while_a_tool_waits_for_a_human(scripted_model, worker_process, tmp_path, unique):
    server = scripted_model(ASK)
    log = tmp_path / "tools.log"
    name = f"tool-interrupt-kill-{unique}"
    target = f"{name}=tests.apps.langgraph_pause_apps:build_tool_interrupt_graph"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(log)}
    first = worker_process(target, env=env)
    handle = await durable(apps.build_tool_interrupt_graph(), name=name, worker=False).start(ASKED)

    prompt = await wait_for_pending_input(handle)
    (asked,) = prompt["interrupts"]
    assert asked["value"] == {"query": "Which city is sunnier?"}
    first.kill()  # nothing runs while the run waits: the worker can go away
    assert first.returncode == -9

    worker_process(target, env=env)
    assert await handle.pending_input() == prompt  # the same interrupt, same id, after the replay
    await handle.resume({asked["id"]: {"data": "Lisbon"}})
    result = await asyncio.wait_for(handle.result(), timeout=90)

    assert result["messages"][2].content == "Expert says: Lisbon"
    assert result["messages"][-1].text == "The expert says Lisbon."
    assert len(server.served) == 2 and server.repeats == []  # the first model call was not made again
    assert log.read_text().splitlines() == ["human_assistance Which city is sunnier?"] * 2
    assert [c.kind for c in await recorded_calls(handle)] == ["model", "tool", "tool", "model"]


async def test_a_tools_interrupt_with_a_response_schema(scripted_model, monkeypatch, tmp_path, unique):
    """interrupt(value, response_schema=Model) in a tool: the client sees the schema, the tool
    gets the answer validated into Model (langgraph 1.2.x after 1.2.0)."""
    import inspect

    import pytest
    from langgraph.types import interrupt

    if "response_schema" not in inspect.signature(interrupt).parameters:
        pytest.skip("this langgraph has no interrupt(response_schema=...)")
    script = [Reply.tool_call("approve_booking", {"city": "Lisbon"}), Reply.text("Approved.")]
    answer = {"approved": True, "note": "go"}
    (plain_server, plain, _), (server, mine, _) = await _plain_and_durable(
        apps.build_typed_tool_interrupt,
        script,
        {"messages": [HumanMessage("Book Lisbon.")]},
        [lambda _i: answer],
        scripted_model,
        monkeypatch,
        tmp_path,
        unique,
    )
    (asked,), (theirs,) = mine[0]["__interrupt__"], plain[0]["__interrupt__"]
    assert asked.value == theirs.value == {"city": "Lisbon"}
    assert asked.response_schema == theirs.response_schema
    assert asked.response_schema["properties"].keys() == {"approved", "note"}
    assert messages_view(mine[1]["messages"]) == messages_view(plain[1]["messages"])
    assert mine[1]["messages"][2].content == "approved=True (go)"
    assert bodies(server) == bodies(plain_server)

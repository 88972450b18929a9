"""LangGraph's own streaming API on a durable graph: the same chunks as the plain graph, tokens live.

Every test streams model → tool → model against the scripted server and compares with the plain
graph streamed the same way: the same items in the same order (modes, nodes, token deltas, tool
call chunks, metadata), and the same request bodies (``"stream": true`` where the plain run sends
it). Message ids are compared within a run (LangChain draws them at random in a plain run): every
chunk of a call carries the id of the message the call adds to the state.
"""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage, RemoveMessage

from durable_adapters import durable
from tests.apps import langgraph_apps
from tests.langgraph._compare import bodies

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

from durable_adapters.testing import Reply  # noqa: E402

ANSWER = "Oslo is sunny today, enjoy."
SCRIPT = [Reply.tool_call("get_weather", {"city": "Oslo"}), Reply.text(ANSWER)]
QUESTION = {"messages": [HumanMessage("Oslo?")]}


def _ns(ns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.split(":")[0] for part in ns)  # task ids differ between runs


def _meta(metadata: dict) -> dict:
    # checkpoint namespaces name tasks by id (random in a plain run): compare the node part
    return {k: (v.split(":")[0] if "checkpoint_ns" in k else v) for k, v in metadata.items()}


def _message(message: BaseMessage) -> tuple:
    return (
        type(message).__name__,
        message.content,
        getattr(message, "tool_call_chunks", None),
        getattr(message, "tool_calls", None),
        message.response_metadata,
        getattr(message, "chunk_position", None),
    )


def view(item: object, modes: str | list[str], subgraphs: bool = False) -> tuple:
    """One streamed item as the user reads it, ids and task ids left out."""
    ns: tuple[str, ...] = ()
    if subgraphs:
        ns, *rest = item  # type: ignore[misc]
        item = tuple(rest) if len(rest) > 1 else rest[0]
    mode, chunk = (modes, item) if isinstance(modes, str) else item  # type: ignore[misc]
    if mode == "messages":
        message, metadata = chunk
        return (_ns(ns), mode, _message(message), _meta(metadata))
    if mode == "updates":
        return (
            _ns(ns),
            mode,
            {node: [_message(m) for m in (u or {}).get("messages", [])] for node, u in chunk.items()},
        )
    return (_ns(ns), mode, chunk)


def token_ids_match_the_state(items: list, modes: list[str]) -> None:
    """Each call's chunks share one id: the id of the AIMessage the model node writes."""
    chunk_ids = [c[0].id for m, c in items if m == "messages" and isinstance(c[0], AIMessageChunk)]
    written = [msg.id for m, c in items if m == "updates" for u in c.values() for msg in (u or {}).get("messages", [])]
    assert chunk_ids and set(chunk_ids) <= set(written), (chunk_ids, written)


async def _plain(scripted_model, monkeypatch, factory, **kwargs) -> tuple[list, list]:
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    items = [item async for item in getattr(langgraph_apps, factory)().astream(QUESTION, **kwargs)]
    return items, bodies(server)


@pytest.mark.parametrize(
    ("factory", "modes"),
    [
        ("build_react_agent", "messages"),
        ("build_create_agent", ["updates", "messages"]),
        ("build_streaming_agent", ["updates", "messages", "custom"]),
    ],
)
async def test_a_streamed_run_yields_what_the_plain_graph_yields(factory, modes, scripted_model, monkeypatch, unique):
    if factory == "build_create_agent":
        pytest.importorskip("langchain.agents", reason="langchain (create_agent) is not installed")
    plain, plain_bodies = await _plain(scripted_model, monkeypatch, factory, stream_mode=modes)
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(getattr(langgraph_apps, factory)(), name=f"stream-{unique}")
    mine = [item async for item in dgraph.astream(QUESTION, stream_mode=modes)]

    assert [view(i, modes) for i in mine] == [view(i, modes) for i in plain]
    assert bodies(server) == plain_bodies and all(body["stream"] is True for body in plain_bodies)
    tokens = [c[0].text for c in (mine if isinstance(modes, str) else [c for m, c in mine if m == "messages"])]
    assert "".join(tokens).endswith(ANSWER) and len(tokens) > len(ANSWER.split())  # one item per token
    if isinstance(modes, list):
        token_ids_match_the_state(mine, modes)
    assert server.repeats == []


async def test_subgraphs_stream_with_their_namespace(scripted_model, monkeypatch, unique):
    script = [*SCRIPT, Reply.text("Report: sunny.")]
    kwargs = {"stream_mode": ["updates", "messages"], "subgraphs": True}
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain = [i async for i in langgraph_apps.build_subgraph_parent().astream(QUESTION, **kwargs)]
    plain_bodies = bodies(server)

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(langgraph_apps.build_subgraph_parent(), name=f"sub-{unique}")
    mine = [i async for i in dgraph.astream(QUESTION, **kwargs)]

    assert [view(i, kwargs["stream_mode"], True) for i in mine] == [view(i, kwargs["stream_mode"], True) for i in plain]
    assert {_ns(i[0]) for i in mine} == {(), ("research",)}
    assert bodies(server) == plain_bodies


def test_sync_stream_yields_what_astream_yields(scripted_model, monkeypatch, unique):
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain = list(langgraph_apps.build_sync_graph().stream(QUESTION, stream_mode="messages"))
    plain_bodies = bodies(server)

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(langgraph_apps.build_sync_graph(), name=f"sync-{unique}")
    mine = list(dgraph.stream(QUESTION, stream_mode="messages"))  # a sync node calling llm.invoke

    assert [view(i, "messages") for i in mine] == [view(i, "messages") for i in plain]
    assert bodies(server) == plain_bodies


async def test_sync_stream_inside_an_event_loop_is_refused(unique):
    dgraph = durable(langgraph_apps.build_sync_graph(), name=f"sync-refused-{unique}")
    with pytest.raises(RuntimeError, match="async for chunk in dgraph.astream"):
        dgraph.stream(QUESTION)


async def test_astream_events_is_refused_with_what_to_use(unique):
    from durable_adapters import UnsupportedError

    dgraph = durable(langgraph_apps.build_sync_graph(), name=f"events-{unique}")
    with pytest.raises(UnsupportedError, match="stream_mode"):
        dgraph.astream_events(QUESTION, version="v2")


async def test_tokens_arrive_while_the_model_is_still_answering(scripted_model, monkeypatch, unique):
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.hold_after(1, after_events=2)  # the second answer stops after two events until released
    dgraph = durable(langgraph_apps.build_streaming_agent(), name=f"live-{unique}")
    seen_while_held: list[str] = []
    async for mode, chunk in dgraph.astream(QUESTION, stream_mode=["messages", "updates"]):
        if mode == "messages" and chunk[1]["langgraph_step"] == 3 and server.held:
            seen_while_held.append(chunk[0].text)
            if len(seen_while_held) == 2:  # the two events the server has sent: now let it finish
                server.release()
    assert seen_while_held == ["", "Oslo "]  # the role event, then the first word


async def test_worker_in_another_process(scripted_model, monkeypatch, worker_process, unique):
    modes = ["updates", "messages", "custom"]
    plain, plain_bodies = await _plain(scripted_model, monkeypatch, "build_streaming_agent", stream_mode=modes)
    server = scripted_model(SCRIPT)
    server.hold_after(0, after_events=1)  # each answer waits after its first event until this
    name = f"stream-remote-{unique}"  # consumer has shown it: the tokens are certainly read live
    worker_process(f"{name}=tests.apps.langgraph_apps:build_streaming_agent", env={"OPENAI_BASE_URL": server.base_url})
    dgraph = durable(langgraph_apps.build_streaming_agent(), name=name, worker=False)
    mine = []
    held_steps = [1, 3]  # the steps of the two model calls, held in turn
    async for mode, chunk in dgraph.astream(QUESTION, stream_mode=modes):
        mine.append((mode, chunk))
        if mode == "messages" and held_steps and chunk[1]["langgraph_step"] == held_steps[0]:
            held_steps.pop(0)  # this call's first token is shown: let it finish, hold the next one
            calls_answered = len(server.served)
            server.release()
            server.hold_after(calls_answered, after_events=1)

    assert [view(i, modes) for i in mine] == [view(i, modes) for i in plain]
    assert bodies(server) == plain_bodies
    token_ids_match_the_state(mine, modes)


async def test_worker_killed_mid_stream(scripted_model, worker_process, unique):
    server = scripted_model(SCRIPT)
    server.hold_after(1, after_events=2)  # the second answer (and its retry) stop after two events
    name = f"stream-kill-{unique}"
    target = f"{name}=tests.apps.langgraph_apps:build_streaming_agent"
    env = {"OPENAI_BASE_URL": server.base_url}
    first = worker_process(target, env=env)
    dgraph = durable(langgraph_apps.build_streaming_agent(), name=name, worker=False)

    second_call: list = []  # the 'messages' items of the second model call (step 3)
    updates: list = []
    shown = {"before": asyncio.Event(), "retried": asyncio.Event()}

    async def consume() -> None:
        async for mode, chunk in dgraph.astream(QUESTION, stream_mode=["messages", "updates"]):
            if mode == "updates":
                updates.append(chunk)
            elif chunk[1]["langgraph_step"] == 3:
                second_call.append(chunk)
                removed = [i for i, (m, _) in enumerate(second_call) if isinstance(m, RemoveMessage)]
                if len(second_call) == 2 and not removed:
                    shown["before"].set()
                if removed and len(second_call) == removed[0] + 3:
                    shown["retried"].set()

    consumer = asyncio.ensure_future(consume())
    await asyncio.wait_for(shown["before"].wait(), timeout=60)  # "" and "Oslo " shown live
    (killed,) = server.held
    first.kill()  # SIGKILL while the model is mid-answer
    assert first.returncode == -9
    worker_process(target, env=env)
    await asyncio.wait_for(shown["retried"].wait(), timeout=90)  # restart, then the retry's first two
    server.release()  # the retry finishes (the killed request is answered into the void)
    await asyncio.wait_for(consumer, timeout=60)

    removed = [i for i, (m, _) in enumerate(second_call) if isinstance(m, RemoveMessage)]
    assert removed == [2]  # after the two chunks shown, once: drop them
    retried = second_call[3:]
    assert [m.text for m, _ in retried[:2]] == ["", "Oslo "]  # the retry from its first token
    assert "".join(m.text for m, _ in retried) == ANSWER
    assert {m.id for m, _ in second_call} == {retried[-1][0].id}  # one id: the call's message
    final = [u for u in updates if "agent" in u][-1]["agent"]["messages"][-1]
    assert final.text == ANSWER and final.id == retried[-1][0].id
    # The finished first call was not sent again; only the killed in-flight one was (once).
    assert [r.body for r in server.repeats] == [killed.body]


async def test_a_node_streaming_the_model_itself(scripted_model, monkeypatch, unique):
    """``llm.astream`` in a node: the request streams as in the plain run, and so do its tokens to
    the client; the node itself gets the answer as one chunk (the workflow sees only the result)."""
    script = [Reply.text(ANSWER)]
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain = [i async for i in langgraph_apps.build_astream_node().astream(QUESTION, stream_mode="messages")]
    plain_bodies = bodies(server)

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(langgraph_apps.build_astream_node(), name=f"astream-{unique}")
    mine = [i async for i in dgraph.astream(QUESTION, stream_mode="messages")]

    assert [view(i, "messages") for i in mine] == [view(i, "messages") for i in plain]
    assert bodies(server) == plain_bodies and plain_bodies[0]["stream"] is True
    state = await dgraph.ainvoke(QUESTION)
    assert state["messages"][-1].text == ANSWER


async def test_a_streamed_run_replays_with_the_same_model_inputs(scripted_model, monkeypatch, unique):
    """The flush and the announcement before each streamed call are workflow code: a replay of a
    streamed run's history builds every model-call input exactly as recorded, and its history holds
    each call's whole answer, not its tokens."""
    import json

    from temporalio.client import WorkflowHistory

    from durable_adapters._replay import replay_histories
    from durable_adapters.testing import history_json, recorded_model_requests
    from durable_adapters_langgraph import _model
    from tests.langgraph._compare import decoded_history

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dgraph = durable(langgraph_apps.build_streaming_agent(), name=f"stream-replay-{unique}")
    handle = await dgraph.start(QUESTION, stream_mode=["messages", "custom"])
    streamed = [chunk async for mode, chunk in dgraph.chunks(handle) if mode == "messages"]
    await handle.result()
    assert len(streamed) > len(ANSWER.split())  # tokens, live
    text = await history_json(handle)
    assert ANSWER in decoded_history(text)  # the recorded result: the whole answer

    built: list[dict] = []
    original = _model.build_request
    monkeypatch.setattr(
        _model, "build_request", lambda *a, **k: built.append(json.loads(json.dumps(r := original(*a, **k)))) or r
    )
    history = WorkflowHistory.from_json(handle.run_id, text)
    (result,) = await replay_histories([history])
    assert result.replay_failure is None
    assert built == recorded_model_requests(history)

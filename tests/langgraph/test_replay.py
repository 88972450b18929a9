"""Replay: recorded LangGraph histories replay on the current code, with identical model-call inputs.

The committed histories (tests/histories/langgraph/) cover each graph shape: the prebuilt agent
(parallel tools), the sync-node graph (bridge), a Send fan-out (parallel model calls), a
subgraph, a Functional API entrypoint, an interrupt answered by resume(), and the second turn
of a thread (a run seeded with a checkpoint). Re-record them with
``DURABLE_RECORD_HISTORIES=1 pytest tests/langgraph/test_replay.py -k record``.

Temporal compares the *sequence* of calls on replay, not their inputs. LangGraph stamps message
ids from uuid4 and LangChain run ids, and those ids are part of the next model call's input;
the second test therefore checks that every model-call input the replayed code builds equals,
field for field, the input recorded in history.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from temporalio.client import WorkflowHistory

from durable_adapters import durable, host
from durable_adapters._replay import replay_histories
from durable_adapters.adapter import REGISTRY
from durable_adapters.testing import Reply, history_json, recorded_model_requests, wait_for_pending_input
from durable_adapters_langgraph import _model
from tests.apps import langgraph_apps
from tests.langgraph.test_run import FUNCTIONAL_SCRIPT, SUBGRAPH_SCRIPT, TOPICS, TWO_TOOLS, _essay_script
from tests.langgraph.test_threads_and_streaming import TWO_TURNS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parents[2]
HISTORIES = ROOT / "tests" / "histories" / "langgraph"

# file stem -> (factory, script, input)
RECORDINGS = {
    "react": ("build_react_agent", TWO_TOOLS, {"messages": [HumanMessage("Paris?")]}),
    "sync_graph": ("build_sync_graph", TWO_TOOLS, {"messages": [HumanMessage("Paris?")]}),
    "map_reduce": ("build_map_reduce", _essay_script, {"topics": TOPICS}),
    "subgraph": ("build_subgraph_parent", SUBGRAPH_SCRIPT, {"messages": [HumanMessage("Oslo?")]}),
    "functional": ("build_functional", FUNCTIONAL_SCRIPT, [HumanMessage("Rome?")]),
}


FACTORIES = {stem: factory for stem, (factory, _, _) in RECORDINGS.items()} | {
    "approval": "build_approval",
    "thread": "build_react_agent",
}


def hosted_recording(stem: str):
    """The graph a history was recorded with, hosted under the name it was recorded under."""
    name = f"history-{stem}"
    return REGISTRY.get(name) or host(getattr(langgraph_apps, FACTORIES[stem])(), name=name)


@pytest.fixture(scope="module")
def recorded():
    # Built as at recording time, with OPENAI_BASE_URL set (ChatOpenAI adds stream_usage=True to
    # its constructor kwargs when it talks to api.openai.com). Replay makes no model request.
    previous = os.environ.get("OPENAI_BASE_URL")
    os.environ["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"
    try:
        return {stem: hosted_recording(stem) for stem in FACTORIES}
    finally:
        if previous is None:
            del os.environ["OPENAI_BASE_URL"]
        else:
            os.environ["OPENAI_BASE_URL"] = previous


@pytest.mark.skipif(
    not os.environ.get("DURABLE_RECORD_HISTORIES"), reason="set DURABLE_RECORD_HISTORIES=1 to re-record"
)
async def test_record_histories(scripted_model, monkeypatch):
    from tests.langgraph.test_interrupt import SCRIPT as APPROVAL_SCRIPT

    # One server for all: the graphs' models read OPENAI_BASE_URL when they are built, here.
    server = scripted_model([])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    recorded = {stem: hosted_recording(stem) for stem in FACTORIES}
    HISTORIES.mkdir(parents=True, exist_ok=True)
    for stem, (_, script, graph_input) in RECORDINGS.items():
        server.script = script
        server.reset()
        handle = await durable(recorded[stem].obj, name=f"history-{stem}").start(graph_input, run_id=f"recorded-{stem}")
        await handle.result()
        (HISTORIES / f"{stem}.json").write_text(await history_json(handle))

    server.script = APPROVAL_SCRIPT
    server.reset()
    handle = await durable(recorded["approval"].obj, name="history-approval").start(
        {"messages": [HumanMessage("Paris?")]}, run_id="recorded-approval"
    )
    await wait_for_pending_input(handle)
    await handle.resume("yes, send it")
    await handle.result()
    (HISTORIES / "approval.json").write_text(await history_json(handle))

    server.script = TWO_TURNS
    server.reset()
    dgraph = durable(recorded["thread"].obj, name="history-thread")
    thread = {"configurable": {"thread_id": "recorded"}}
    await dgraph.ainvoke({"messages": [HumanMessage("Paris?")]}, thread)
    second = await dgraph.start({"messages": [HumanMessage("And Rome?")]}, thread)
    await second.result()
    (HISTORIES / "thread.json").write_text(await history_json(second))


def committed() -> list[WorkflowHistory]:
    files = sorted(HISTORIES.glob("*.json"))
    assert files, "no recorded histories: run with DURABLE_RECORD_HISTORIES=1 once"
    return [WorkflowHistory.from_json(path.stem, path.read_text()) for path in files]


async def test_committed_histories_replay_on_the_current_code(recorded):
    histories = committed()
    assert {h.workflow_id for h in histories} >= set(RECORDINGS) | {"approval", "thread"}

    results = await replay_histories(histories)

    assert {h.workflow_id: r.replay_failure for h, r in zip(histories, results, strict=True)} == {
        h.workflow_id: None for h in histories
    }


def recorded_model_inputs(history: WorkflowHistory) -> list[dict]:
    return recorded_model_requests(history)  # conversations rebuilt from their recorded deltas


async def test_replayed_model_call_inputs_are_identical_to_the_recorded_ones(recorded, monkeypatch):
    built: list[dict] = []
    original = _model.build_request

    def capturing(*args, **kwargs):
        request = original(*args, **kwargs)
        built.append(json.loads(json.dumps(request)))  # as the converter writes it
        return request

    monkeypatch.setattr(_model, "build_request", capturing)
    # The subgraph app makes a model inside a node, at run time: built in the replay's environment.
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    for history in committed():
        built.clear()
        (result,) = await replay_histories([history])
        assert result.replay_failure is None, history.workflow_id
        recorded_inputs = recorded_model_inputs(history)
        assert recorded_inputs, history.workflow_id
        if history.workflow_id == "map_reduce":
            # Parallel calls are built in task order; compare as sets of inputs.
            key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
            assert sorted(map(key, built)) == sorted(map(key, recorded_inputs))
        else:
            assert built == recorded_inputs, history.workflow_id
        # The message ids that flow into the next call are among what is compared (the fan-out's
        # prompts are fresh messages, without ids).
        assert history.workflow_id == "map_reduce" or any(
            m["kwargs"].get("id") for r in recorded_inputs for m in r["messages"]
        ), history.workflow_id


async def test_without_routing_run_ids_the_replayed_inputs_would_differ(recorded, monkeypatch):
    """The guard above is real: LangChain's run ids (uuid7) drawn unrouted change the replayed inputs."""
    from uuid_utils.compat import uuid7

    from durable_adapters_langgraph import _ids

    built: list[dict] = []
    original = _model.build_request
    monkeypatch.setattr(
        _model, "build_request", lambda *a, **k: built.append(json.loads(json.dumps(r := original(*a, **k)))) or r
    )
    monkeypatch.setattr(_ids, "workflow_uuid7", lambda *a, **k: uuid7())
    (history,) = [h for h in committed() if h.workflow_id == "react"]

    (result,) = await replay_histories([history])

    assert result.replay_failure is None  # Temporal itself notices nothing...
    assert built != recorded_model_inputs(history)  # ...but the model would be sent other inputs


def replay_cli(run_id: str, target: str):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "durable_adapters", "replay", run_id, target],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_replay_cli_passes_on_the_same_graph_and_names_the_call_an_edit_no_longer_makes(
    scripted_model, monkeypatch, unique
):
    server = scripted_model([Reply.tool_call("get_weather", {"city": "Paris"}), Reply.text("Sunny.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    name = f"lg-replay-{unique}"
    handle = await durable(langgraph_apps.build_react_agent(), name=name).start({"messages": [HumanMessage("Paris?")]})
    await handle.result()

    same = replay_cli(handle.run_id, f"{name}=tests.apps.langgraph_apps:build_react_agent")
    assert same.returncode == 0, same.stdout + same.stderr

    edited = replay_cli(handle.run_id, f"{name}=tests.apps.langgraph_apps:build_react_agent_edited")
    assert edited.returncode == 1, edited.stdout + edited.stderr
    assert "2 tool get_weather" in edited.stderr, edited.stderr  # the recorded call the edited graph no longer makes

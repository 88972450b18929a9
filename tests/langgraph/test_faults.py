"""LangGraph faults beyond a lost worker: the Temporal server restarting mid-run, time travel with
reset, model and tool faults, input that cannot run, and code edits caught by replay.

Everything runs real LangGraph graphs on a real Temporal dev server against the scripted
OpenAI-compatible model server; nothing sleeps to hope (held tool calls, timeouts on waits).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from pathlib import Path

import openai
import pytest
from langchain_core.messages import HumanMessage
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from durable_adapters import ConfigurationError, RunFailedError, durable
from durable_adapters._devserver import temporal_cli_path
from durable_adapters._reset import reset_point
from durable_adapters.testing import DevServer, Reply, WorkerProcess, free_port, recorded_calls, wait_for_line
from tests.apps import langgraph_fault_apps as fault_apps
from tests.apps.langgraph_apps import build_sync_graph

pytestmark = [pytest.mark.faults, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

ROOT = Path(__file__).resolve().parents[2]
CITIES = ["Paris", "Rome", "Oslo"]
SCRIPT = [Reply.tool_call("get_weather", {"city": city}) for city in CITIES] + [Reply.text("All sunny.")]
QUESTION = {"messages": [HumanMessage("Paris, Rome and Oslo?")]}
FAST_RETRIES = {"initial_retry_seconds": 0.1, "max_retry_seconds": 0.5}
MODEL = "gpt-4o-mini"


async def workflow_task_failures(handle) -> int:
    """How many workflow tasks of the run failed: a run that cannot succeed must fail, not retry its task."""
    failed = 0
    async for event in handle.workflow_handle.fetch_history_events():
        failed += event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    return failed


async def failed_for_good(handle, timeout: float = 30) -> RunFailedError:
    """Wait (bounded) for the run to fail; check it FAILED at once, not by a workflow task retried forever."""
    with pytest.raises(RunFailedError) as failure:
        await asyncio.wait_for(handle.result(), timeout)
    assert (await handle.workflow_handle.describe()).status == WorkflowExecutionStatus.FAILED
    assert await workflow_task_failures(handle) == 0
    return failure.value


# -- 1. the Temporal server restarts mid-run -------------------------------------------------------


async def test_the_server_restarts_mid_run_and_nothing_is_lost(scripted_model, tmp_path, unique, monkeypatch):
    server = scripted_model(SCRIPT)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("get_weather Rome")  # the tool call after model call 2 waits while this file exists
    temporal = DevServer(port=free_port(), ui_port=None, db_filename=tmp_path / "temporal.db").start()
    name = f"lg-restart-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    worker = None
    try:
        worker = WorkerProcess(
            [f"{name}=tests.apps.langgraph_apps:build_sync_graph"],
            temporal_address=temporal.address,
            env=env,
            cwd=str(ROOT),
        ).start()
        monkeypatch.setenv("TEMPORAL_ADDRESS", temporal.address)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        handle = await durable(build_sync_graph(), name=name, worker=False).start(QUESTION)
        await wait_for_line(tool_log, "get_weather Rome")
        assert len(server.served) == 2
        temporal.kill()  # the server dies while a tool call is in flight
        temporal.start()  # same SQLite file
        hold.unlink()
        result = await asyncio.wait_for(handle.result(), timeout=90)
        calls = await recorded_calls(handle)
    finally:
        if worker is not None:
            worker.kill()
        temporal.stop()

    assert result["messages"][-1].text == "All sunny."
    assert [m.content for m in result["messages"] if m.type == "tool"] == [f"{c}: sunny, 21C" for c in CITIES]
    assert len(server.served) == len(SCRIPT) and server.repeats == []  # every model request exactly once
    starts = tool_log.read_text().splitlines()
    assert starts.count("get_weather Paris") == 1 and starts.count("get_weather Oslo") == 1
    assert starts.count("get_weather Rome") in (1, 2)  # in flight during the restart: at least once
    assert [c.kind for c in calls] == ["model", "tool"] * 3 + ["model"]


# -- 2. reset (time travel) ------------------------------------------------------------------------


def reset_command(how: str, run_id: str, address: str, event_id: int | None) -> list[str]:
    if how == "durable-adapters":
        return [sys.executable, "-m", "durable_adapters", "runs", "reset", run_id, "--after-call", "3"]
    return [
        temporal_cli_path(),
        "workflow",
        "reset",
        "--workflow-id",
        run_id,
        "--event-id",
        str(event_id),
        "--reason",
        "test",
        "--address",
        address,
    ]


@pytest.mark.parametrize("how", ["durable-adapters", "temporal-cli"])
async def test_reset_after_call_3_makes_only_the_later_calls_again(
    how, scripted_model, monkeypatch, tmp_path, unique, temporal_server, temporal_client
):
    server = scripted_model(SCRIPT)
    tool_log = tmp_path / "tools.log"
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TOOL_LOG", str(tool_log))
    dgraph = durable(build_sync_graph(), name=f"lg-reset-{unique}")
    handle = await dgraph.start(QUESTION)
    first = await handle.result()
    assert len(server.requests) == 4 and tool_log.read_text().splitlines() == [f"get_weather {c}" for c in CITIES]
    old_run = (await handle.workflow_handle.describe()).run_id

    # Calls: 1 model, 2 tool Paris, 3 model, 4 tool Rome, 5 model, 6 tool Oslo, 7 model.
    ui = getattr(temporal_server, "ui_url", None) or "http://temporal-ui.test"
    env = os.environ | {"TEMPORAL_ADDRESS": temporal_server.address, "DURABLE_UI_URL": ui}
    event_id = (await reset_point(temporal_client, handle.run_id, 3))[1] if how == "temporal-cli" else None
    done = subprocess.run(
        reset_command(how, handle.run_id, temporal_server.address, event_id),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    new_run = (await temporal_client.get_workflow_handle(handle.run_id).describe()).run_id
    assert new_run != old_run
    if how == "durable-adapters":  # the CLI names the new run and links to it in the UI
        assert f"new Temporal run {new_run}" in done.stdout
        assert f"{ui}/namespaces/default/workflows/{handle.run_id}/{new_run}" in done.stdout

    # The reset run is served by this process's embedded worker while we wait for it.
    again = await asyncio.wait_for((await dgraph.start(QUESTION, run_id=handle.run_id)).result(), 60)
    assert again["messages"][-1].text == "All sunny."
    assert again["messages"][:4] == first["messages"][:4]  # up to call 3, the very same messages (ids included)
    # Model calls 1 and 3 came from history; 5 and 7 were sent again (the same requests: repeats).
    assert len(server.requests) == 6 and [r.body for r in server.repeats] == [r.body for r in server.served[2:4]]
    assert tool_log.read_text().splitlines()[3:] == [
        "get_weather Rome",
        "get_weather Oslo",
    ]  # tools after call 3 ran again
    calls = await recorded_calls(handle)
    assert [c.sequence for c in calls] == list(range(1, 8))  # 1-3 copied from the old run, 4-7 made again


async def test_reset_of_a_run_on_a_thread_continues_the_thread_from_the_new_run(
    scripted_model, monkeypatch, tmp_path, unique, temporal_server
):
    server = scripted_model(SCRIPT)
    tool_log = tmp_path / "tools.log"
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TOOL_LOG", str(tool_log))
    name = f"lg-reset-thread-{unique}"
    dgraph = durable(build_sync_graph(), name=name)
    thread = {"configurable": {"thread_id": f"t-{unique}"}}
    await dgraph.ainvoke(QUESTION, thread)
    run_id = f"{name}.thread.t-{unique}.1"

    env = os.environ | {"TEMPORAL_ADDRESS": temporal_server.address}
    done = subprocess.run(
        [sys.executable, "-m", "durable_adapters", "runs", "reset", run_id, "--after-call", "5"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"run {run_id} reset after call 5" in done.stdout

    again = await asyncio.wait_for((await dgraph.start(QUESTION, run_id=run_id)).result(), 60)
    assert again["messages"][-1].text == "All sunny."
    assert len(server.requests) == 5 and len(server.repeats) == 1  # only model call 7 was sent again
    assert tool_log.read_text().splitlines()[3:] == ["get_weather Oslo"]
    state = await dgraph.aget_state(thread)  # the thread now continues from the reset run
    assert state.values["messages"] == again["messages"]


# -- 3. model faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500])
async def test_a_streak_of_transient_model_errors_longer_than_the_clients_retries_is_retried(
    status, scripted_model, monkeypatch, unique
):
    server = scripted_model(SCRIPT[2:])  # one tool call (Oslo), then the answer
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    # ChatOpenAI's client retries twice on its own: 5 failures outlast one activity attempt's 3 requests.
    server.fail_next(status, times=5, retry_after=0.05)
    handle = await durable(build_sync_graph(), name=f"lg-{status}-{unique}", model_policy=FAST_RETRIES).start(QUESTION)

    result = await asyncio.wait_for(handle.result(), 60)

    assert result["messages"][-1].text == "All sunny."
    assert [r.status for r in server.requests] == [status] * 5 + [200, 200]
    assert len(server.served) == 2 and server.repeats == []
    calls = await recorded_calls(handle)
    assert calls[0].kind == "model" and calls[0].attempt >= 2  # retried by Temporal, not only by the client
    assert [c.attempt for c in calls[1:]] == [1, 1]


async def test_a_streak_of_model_timeouts_is_retried_and_the_run_completes(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.text("Sunny.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    # Three hung requests; the client gives up after 0.5 s and retries once itself: two activity attempts time out.
    server.hang_next(3, seconds=10)
    graph = fault_apps.build_chat(timeout=0.5, max_retries=1)
    handle = await durable(graph, name=f"lg-timeout-{unique}", model_policy=FAST_RETRIES).start(
        {"messages": [HumanMessage("Paris?")]}
    )

    result = await asyncio.wait_for(handle.result(), 60)

    assert result["messages"][-1].text == "Sunny."
    (call,) = await recorded_calls(handle)
    assert call.attempt == 2  # the timed-out attempt was retried by Temporal
    # A request in flight when it times out is at-least-once: the provider saw the same request 4 times.
    assert len(server.requests) == 4 and len(server.repeats) == 3


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(400, "BadRequestError"), (401, "AuthenticationError"), (404, "NotFoundError")],
)
async def test_a_permanent_model_error_fails_the_run_on_the_first_attempt_naming_the_model(
    status, error_type, scripted_model, monkeypatch, unique
):
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.fail_next(status, times=100)
    handle = await durable(build_sync_graph(), name=f"lg-{status}-{unique}").start(QUESTION)

    error = await failed_for_good(handle)

    # The run fails with the provider's own error type: langchain_openai's subclass of openai's error.
    module, _, name = error.type.rpartition(".")
    assert issubclass(getattr(importlib.import_module(module), name), getattr(openai, error_type)), error.type
    # ...and the raised exception is one: `except openai.AuthenticationError` matches as in a plain run.
    assert isinstance(error, getattr(importlib.import_module(module), name)) and error.status_code == status
    assert f"model call to ChatOpenAI/{MODEL} failed with HTTP {status}" in str(error)
    assert "not retried" in str(error)
    # One request: the OpenAI client does not retry these, and neither did Temporal.
    assert len(server.requests) == 1
    (call,) = await recorded_calls(handle)
    assert call.kind == "model" and call.attempt == 1


# -- 3b. tool faults ------------------------------------------------------------------------------------

FLAKY_SCRIPT = [Reply.tool_call("flaky_weather", {"city": "Paris"}), Reply.text("Sorry, no weather.")]


async def test_a_raising_tool_goes_back_to_the_model_as_toolnode_does_and_is_not_retried(
    scripted_model, monkeypatch, tmp_path, unique
):
    plain_server = scripted_model(FLAKY_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await fault_apps.build_flaky(handle_tool_errors=True).ainvoke({"messages": [HumanMessage("Paris?")]})

    tool_log = tmp_path / "tools.log"
    monkeypatch.setenv("TOOL_LOG", str(tool_log))
    server = scripted_model(FLAKY_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(fault_apps.build_flaky(handle_tool_errors=True), name=f"lg-flaky-{unique}").start(
        {"messages": [HumanMessage("Paris?")]}
    )
    result = await asyncio.wait_for(handle.result(), 30)

    assert result["messages"][-1].text == "Sorry, no weather."
    tool_message = result["messages"][2]
    assert tool_message.status == "error" and "weather service down for Paris" in tool_message.content
    assert tool_message.content == plain["messages"][2].content  # ToolNode wrote the same error as in a plain run
    assert server.served[1].body["messages"][-1]["content"] == tool_message.content  # ...and the model saw it
    assert tool_log.read_text().splitlines() == ["flaky_weather Paris"]  # ran once
    assert [c.attempt for c in await recorded_calls(handle) if c.kind == "tool"] == [1]  # not retried by Temporal


async def test_a_raising_tool_without_error_handling_fails_the_run_as_a_plain_run_raises(
    scripted_model, monkeypatch, tmp_path, unique
):
    plain_server = scripted_model(FLAKY_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    with pytest.raises(RuntimeError, match="weather service down for Paris"):
        await fault_apps.build_flaky(handle_tool_errors=False).ainvoke({"messages": [HumanMessage("Paris?")]})

    tool_log = tmp_path / "tools.log"
    monkeypatch.setenv("TOOL_LOG", str(tool_log))
    server = scripted_model(FLAKY_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(fault_apps.build_flaky(handle_tool_errors=False), name=f"lg-strict-{unique}").start(
        {"messages": [HumanMessage("Paris?")]}
    )
    error = await failed_for_good(handle)

    assert error.type == "builtins.RuntimeError" and "weather service down for Paris" in str(error)
    assert tool_log.read_text().splitlines() == ["flaky_weather Paris"]  # once
    assert len(server.requests) == 1  # the model was not asked again
    assert [(c.kind, c.attempt) for c in await recorded_calls(handle)] == [("model", 1), ("tool", 1)]


# -- 4. input and code that cannot run ------------------------------------------------------------------


async def test_unserialisable_input_or_context_is_refused_before_a_run(unique, temporal_client):
    dgraph = durable(build_sync_graph(), name=f"lg-badinput-{unique}")
    with pytest.raises(TypeError, match="the input of a durable graph run cannot be written to its history .*Handle"):
        await asyncio.wait_for(dgraph.ainvoke({"messages": [HumanMessage("hi")], "extra": fault_apps.Handle()}), 10)
    with pytest.raises(TypeError, match="the context of a durable graph run cannot be written to its history .*Handle"):
        await asyncio.wait_for(dgraph.ainvoke(QUESTION, context=fault_apps.Handle()), 10)
    started = [w async for w in temporal_client.list_workflows(f"WorkflowId STARTS_WITH 'lg-badinput-{unique}'")]
    assert started == []  # no run was started, so none is left stuck


async def test_unserialisable_state_written_by_a_node_fails_the_run_at_once(unique):
    handle = await durable(fault_apps.build_unserialisable_state(), name=f"lg-badstate-{unique}").start(
        {"city": "Lima"}
    )
    error = await failed_for_good(handle, timeout=15)
    assert error.type == "builtins.TypeError" and "Handle" in str(error)


def test_an_uncompiled_graph_is_refused_saying_to_compile_it():
    from langgraph.graph import MessagesState, StateGraph

    with pytest.raises(ConfigurationError, match="compiled LangGraph graph"):
        durable(StateGraph(MessagesState), name="uncompiled")


async def test_a_run_of_a_name_the_worker_does_not_host_fails_saying_what_to_do(worker_process, unique):
    queue = f"lg-shared-{unique}"
    worker_process(f"lg-present-{unique}=tests.apps.langgraph_apps:build_sync_graph", task_queue=queue)
    ghost = f"lg-ghost-{unique}"
    handle = await durable(build_sync_graph(), name=ghost, worker=False, task_queue=queue).start(QUESTION)

    error = await failed_for_good(handle)

    assert error.type == "durable_adapters._errors.ConfigurationError"
    message = str(error)
    assert repr(ghost) in message and queue in message
    assert f"lg-present-{unique}" in message  # what this worker does host
    assert "Start a worker that hosts it" in message and "durable-adapters worker" in message
    assert await recorded_calls(handle) == []


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the node's own thread raised
@pytest.mark.parametrize(
    ("how", "call"),
    [
        ("thread", f"the chat model ChatOpenAI/{MODEL}"),
        ("pool", f"the chat model ChatOpenAI/{MODEL}"),
        ("batch", f"the chat model ChatOpenAI/{MODEL}"),
        ("tool_pool", "the tool 'get_weather'"),
    ],
)
async def test_a_call_from_a_thread_the_node_started_fails_the_run_and_is_never_made(
    how, call, scripted_model, monkeypatch, tmp_path, unique
):
    server = scripted_model([Reply.text("never"), Reply.text("never")])
    tool_log = tmp_path / "tools.log"
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TOOL_LOG", str(tool_log))
    handle = await durable(fault_apps.build_model_in_own_thread(how), name=f"lg-{how}-{unique}").start(
        {"messages": [HumanMessage("hi")]}
    )

    error = await failed_for_good(handle)

    assert error.type == "durable_adapters._errors.UnsupportedError"
    assert f"a call of {call} was made on a thread started inside a durable LangGraph run" in str(error)
    assert "Make the call in the node itself" in str(error)
    assert server.requests == [] and not tool_log.exists()  # not made from the thread, behind history's back
    assert await recorded_calls(handle) == []


async def test_a_thread_the_node_starts_for_its_own_work_is_left_alone(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.text("Two characters.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(fault_apps.build_model_in_own_thread("own_work"), name=f"lg-own-{unique}").start(
        {"messages": [HumanMessage("hi")]}
    )
    result = await asyncio.wait_for(handle.result(), 30)
    assert result["messages"][-1].text == "Two characters."
    assert server.served[0].last_user_text() == "2 characters so far"
    assert [c.kind for c in await recorded_calls(handle)] == ["model"]


async def test_asyncio_run_inside_a_node_fails_the_run_at_once(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.text("never")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(fault_apps.build_model_in_own_thread("asyncio_run"), name=f"lg-arun-{unique}").start(
        {"messages": [HumanMessage("hi")]}
    )
    error = await failed_for_good(handle)
    assert error.type == "durable_adapters._errors.DeterminismError"
    assert "asyncio.run() inside a durable workflow run" in str(error) and "await the coroutine instead" in str(error)
    assert server.requests == []


# -- 5. nondeterminism: a change in call order is caught by replay ----------------------------------------


def replay_cli(run_id: str, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "durable_adapters", "replay", run_id, target],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_replay_names_the_call_an_edit_that_swaps_two_nodes_no_longer_makes_first(
    scripted_model, monkeypatch, tmp_path, unique
):
    server = scripted_model([Reply.text("Sunny at noon.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TOOL_LOG", str(tmp_path / "tools.log"))
    name = f"lg-trip-{unique}"
    handle = await durable(fault_apps.build_trip(), name=name).start({"city": "Lima"})
    assert (await handle.result())["summary"] == "Sunny at noon."
    assert [(c.sequence, c.kind, c.key) for c in await recorded_calls(handle)] == [
        (1, "tool", "get_weather"),
        (2, "tool", "get_local_time"),
        (3, "model", f"ChatOpenAI/{MODEL}"),
    ]

    same = replay_cli(handle.run_id, f"{name}=tests.apps.langgraph_fault_apps:build_trip")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "replays cleanly" in same.stdout

    edited = replay_cli(handle.run_id, f"{name}=tests.apps.langgraph_fault_apps:build_trip_edited")
    assert edited.returncode == 1, edited.stdout + edited.stderr
    assert "no longer replays" in edited.stderr
    assert "nondeterminism" in edited.stderr.lower()
    # The message names the recorded call that diverged and the call the edited graph makes there instead.
    assert "'1 tool get_weather'" in edited.stderr and "'1 tool get_local_time'" in edited.stderr, edited.stderr

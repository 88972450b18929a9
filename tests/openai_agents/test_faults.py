"""Faults beyond a lost worker: time travel with reset, the Temporal server restarting mid-run,
permanent model errors, bad input and state, sync model calls with no bridge, and a changed call order."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from durable_adapters import durable
from durable_adapters._converter import DATA_CONVERTER
from durable_adapters._devserver import temporal_cli_path
from durable_adapters._reset import reset_point
from durable_adapters.testing import DevServer, Reply, free_port, recorded_calls
from tests.apps.openai_weather import build_looper
from tests.openai_agents.test_kill import CITIES, SCRIPT, wait_for_line

pytestmark = pytest.mark.faults
ROOT = Path(__file__).resolve().parents[2]


async def finished_run(scripted_model, monkeypatch, tmp_path, unique):
    server = scripted_model(SCRIPT)
    tool_log = tmp_path / "tools.log"
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TOOL_LOG", str(tool_log))
    dagent = durable(build_looper(), name=f"looper-reset-{unique}")
    handle = await dagent.start("Weather in Paris, Rome and Oslo?")
    assert (await handle.result()).final_output == "All sunny."
    return server, tool_log, dagent, handle


@pytest.mark.parametrize("how", ["durable-adapters", "temporal-cli"])
async def test_reset_after_call_3_makes_only_the_later_calls_again(
    how, scripted_model, monkeypatch, tmp_path, unique, temporal_server
):
    server, tool_log, dagent, handle = await finished_run(scripted_model, monkeypatch, tmp_path, unique)
    assert len(server.served) == 4 and tool_log.read_text().splitlines() == [f"get_weather {c}" for c in CITIES]

    # Calls: 1 model, 2 tool Paris, 3 model, 4 tool Rome, 5 model, 6 tool Oslo, 7 model.
    env = os.environ | {"TEMPORAL_ADDRESS": temporal_server.address}
    if how == "durable-adapters":
        command = [sys.executable, "-m", "durable_adapters", "runs", "reset", handle.run_id, "--after-call", "3"]
    else:
        client = await Client.connect(temporal_server.address, data_converter=DATA_CONVERTER)
        _, event_id = await reset_point(client, handle.run_id, 3)
        command = [
            temporal_cli_path(),
            "workflow",
            "reset",
            "--workflow-id",
            handle.run_id,
            "--event-id",
            str(event_id),
            "--reason",
            "test",
            "--address",
            temporal_server.address,
        ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr

    # The reset run is served by this process's embedded worker while we wait for it.
    again = await dagent.run("Weather in Paris, Rome and Oslo?", run_id=handle.run_id)
    assert again.final_output == "All sunny."
    # Model calls 1 and 3 came from history; 5 and 7 were made again (the same requests: repeats).
    assert len(server.requests) == 6 and len(server.repeats) == 2
    assert tool_log.read_text().splitlines()[3:] == ["get_weather Rome", "get_weather Oslo"]
    # The new run's history holds all seven calls: 1-3 copied from the old run, 4-7 made again.
    calls = await recorded_calls(await dagent.start("Weather in Paris, Rome and Oslo?", run_id=handle.run_id))
    assert [c.sequence for c in calls] == list(range(1, 8))


async def test_the_server_restarts_mid_run_and_nothing_is_lost(scripted_model, tmp_path, unique, worker_process):
    server = scripted_model(SCRIPT)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("get_weather Rome")
    temporal = DevServer(port=free_port(), ui_port=None, db_filename=tmp_path / "temporal.db").start()
    name = f"looper-restart-{unique}"
    env = {
        "OPENAI_BASE_URL": server.base_url,
        "TOOL_LOG": str(tool_log),
        "TOOL_HOLD": str(hold),
        "TEMPORAL_ADDRESS": temporal.address,
    }
    try:
        from durable_adapters.testing import WorkerProcess

        worker = WorkerProcess(
            [f"{name}=tests.apps.openai_weather:build_looper"],
            temporal_address=temporal.address,
            env=env,
            cwd=str(ROOT),
        ).start()
        client = await Client.connect(temporal.address, data_converter=DATA_CONVERTER)
        from durable_adapters._names import default_task_queue
        from durable_adapters._payloads import RunInput
        from durable_adapters._workflow import AgentLoopWorkflow

        handle = await client.start_workflow(
            AgentLoopWorkflow.run,
            RunInput(
                hosted=name,
                framework="openai-agents",
                payload={"input": "Weather in Paris, Rome and Oslo?", "context": None, "max_turns": 10},
            ),
            id=f"restart-{unique}",
            task_queue=default_task_queue(name),
        )
        await wait_for_line(tool_log, "get_weather Rome")
        temporal.kill()  # the server dies while a tool call is in flight
        temporal.start()  # same SQLite file
        hold.unlink()
        client = await Client.connect(temporal.address, data_converter=DATA_CONVERTER)
        output = await asyncio.wait_for(client.get_workflow_handle(handle.id).result(), timeout=90)
        worker.stop()
    finally:
        temporal.stop()
    assert "All sunny." in str(output)
    assert len(server.served) == len(SCRIPT) and not server.repeats


async def test_a_raising_tool_goes_back_to_the_model_as_the_sdk_does_and_is_not_retried(
    scripted_model, monkeypatch, unique
):
    from agents import Agent, Runner, function_tool, set_tracing_disabled

    from tests.apps.openai_weather import model

    set_tracing_disabled(True)  # the plain reference run must not try to export traces
    attempts = []

    @function_tool
    def flaky(city: str) -> str:
        """Fails."""
        attempts.append(city)
        raise RuntimeError("weather service down")

    script = [Reply.tool_call("flaky", {"city": "Paris"}), Reply.text("Sorry, no weather.")]
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(Agent(name=f"flaky-{unique}", tools=[flaky], model=model()), "Paris?")
    attempts.clear()

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(Agent(name=f"flaky-{unique}", tools=[flaky], model=model())).start("Paris?")
    result = await handle.result()

    assert result.final_output == plain.final_output == "Sorry, no weather."
    assert attempts == ["Paris"]  # once: Temporal did not retry it
    # The model got the tool's failure as the SDK's default error function words it (the
    # exception's text up to openai-agents 0.22, a fixed message from 0.23 on), exactly as in a plain run.
    tool_output = server.served[1].body["messages"][-1]
    assert tool_output["role"] == "tool" and "error occurred while running the tool" in tool_output["content"]
    assert [request.body for request in server.served] == [request.body for request in plain_server.served]
    assert [c.attempt for c in await recorded_calls(handle) if c.kind == "tool"] == [1]


async def test_a_tool_without_an_error_function_fails_the_run_without_retrying(scripted_model, monkeypatch, unique):
    from agents import Agent, function_tool

    from tests.apps.openai_weather import model

    attempts = []

    @function_tool(failure_error_function=None)
    def strict(city: str) -> str:
        """Fails loudly."""
        attempts.append(city)
        raise RuntimeError("boom")

    server = scripted_model([Reply.tool_call("strict", {"city": "Paris"}), Reply.text("never")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    from durable_adapters import RunFailedError

    with pytest.raises(RunFailedError, match="boom"):
        await asyncio.wait_for(durable(Agent(name=f"strict-{unique}", tools=[strict], model=model())).run("Paris?"), 30)
    assert attempts == ["Paris"]
    assert len(server.served) == 1


async def test_a_model_timeout_is_retried_and_the_run_completes(scripted_model, monkeypatch, unique):
    from agents import Agent, OpenAIChatCompletionsModel
    from openai import AsyncOpenAI

    server = scripted_model([Reply.text("Sunny.")])
    server.hang_next(1, seconds=5)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    impatient = OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=AsyncOpenAI(timeout=0.5, max_retries=0))
    dagent = durable(Agent(name=f"impatient-{unique}", model=impatient), model_policy={"initial_retry_seconds": 0.1})

    handle = await dagent.start("Paris?")
    assert (await asyncio.wait_for(handle.result(), 30)).final_output == "Sunny."
    (call,) = await recorded_calls(handle)
    assert call.attempt == 2  # the timed-out attempt was retried by Temporal
    # The provider saw the request twice: a call in flight when it times out is at-least-once.
    assert len(server.requests) == 2


def test_an_object_of_no_supported_framework_is_refused_at_once():
    from durable_adapters import ConfigurationError

    with pytest.raises(ConfigurationError, match="no installed adapter accepts it"):
        durable(object())


async def test_a_starved_worker_does_not_send_a_model_call_twice(scripted_model, monkeypatch, unique):
    """Temporal retries a call whose worker missed its heartbeats while busy (not dead); the
    retry on the same worker joins the request in flight instead of paying for it again."""
    import time

    from tests.apps.openai_weather import build_looper

    server = scripted_model([Reply.text("Sunny.")], latency=3.0)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_looper(), name=f"starved-{unique}").start("Paris?")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not server.requests:
        assert loop.time() < deadline, "the model call never arrived"
        await asyncio.sleep(0.02)
    # Block this process's event loop — the embedded worker's — for three heartbeat timeouts:
    # its call misses its heartbeats, Temporal times the attempt out and schedules a retry.
    time.sleep(3.0)

    result = await asyncio.wait_for(handle.result(), timeout=60)

    assert result.final_output == "Sunny."
    (call,) = await recorded_calls(handle)
    assert call.attempt >= 2  # Temporal did retry the call...
    assert len(server.requests) == 1  # ...and the provider still received it only once


# -- model faults: permanent errors ---------------------------------------------------------


async def run_failure(handle):
    """The run's failure (it must fail within 30 s) and its Temporal status afterwards."""
    from durable_adapters import RunFailedError

    with pytest.raises(RunFailedError) as failure:
        await asyncio.wait_for(handle.result(), timeout=30)
    description = await handle.workflow_handle.describe()
    return failure.value, description


@pytest.mark.parametrize("status, error_type", [(400, "openai.BadRequestError"), (404, "openai.NotFoundError")])
async def test_a_permanent_model_error_fails_the_run_on_the_first_attempt_naming_the_model(
    status, error_type, scripted_model, monkeypatch, unique
):
    from tests.apps.openai_weather import build_looper

    server = scripted_model([Reply.text("never")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.fail_next(status, times=20)  # every attempt would fail: only the first may be made

    handle = await durable(build_looper(), name=f"looper-{status}-{unique}").start("Paris?")
    error, description = await run_failure(handle)

    assert f"model call to gpt-4o-mini (agent 'looper') failed with HTTP {status}" in str(error)
    assert "not retried" in str(error)
    assert error.type == error_type
    assert len(server.requests) == 1  # the OpenAI client does not retry it...
    (call,) = await recorded_calls(handle)
    assert (call.kind, call.attempt) == ("model", 1)  # ...and neither did Temporal
    assert description.status == WorkflowExecutionStatus.FAILED


# -- bad input: an unknown name on the worker ------------------------------------------------


async def test_a_run_of_a_name_the_worker_does_not_host_fails_in_seconds_saying_what_to_do(
    scripted_model, worker_process, unique
):
    from tests.apps.openai_weather import build_looper

    server = scripted_model([Reply.text("never")])
    queue = f"shared-{unique}"  # one queue for both names: the worker takes the run it cannot serve
    worker_process(
        f"other-{unique}=tests.apps.openai_weather:build_looper",
        task_queue=queue,
        env={"OPENAI_BASE_URL": server.base_url},
    )
    dagent = durable(build_looper(), name=f"ghost-{unique}", worker=False, task_queue=queue)

    started = time.monotonic()
    handle = await dagent.start("Paris?")
    error, description = await run_failure(handle)

    assert time.monotonic() - started < 10
    assert error.type == "durable_adapters._errors.ConfigurationError"
    assert f"hosts 'ghost-{unique}' (this one hosts other-{unique})" in str(error)
    assert "Start a worker that hosts it" in str(error)
    assert description.status == WorkflowExecutionStatus.FAILED and description.close_time is not None
    assert server.requests == []


# -- bad input: unserialisable state ---------------------------------------------------------


def _contexts():
    from tests.apps.openai_fault_apps import Session

    return {
        "dict": lambda service=None: {"user": "ann", "service": service},
        "dataclass": lambda service=None: Session(service=service),
    }


@pytest.mark.parametrize("kind", ["dict", "dataclass"])
async def test_a_context_holding_a_live_object_is_refused_before_any_run(kind, unique):
    from durable_adapters import UnsupportedError
    from tests.apps.openai_fault_apps import WeatherService, build_connector

    dagent = durable(build_connector(), name=f"connector-refused-{kind}-{unique}")
    with pytest.raises(UnsupportedError, match="cannot be written as JSON.*must be plain data"):
        await dagent.run("Paris?", context=_contexts()[kind](WeatherService()))


@pytest.mark.parametrize("kind", ["dict", "dataclass"])
async def test_a_tool_that_puts_a_live_object_in_the_context_fails_the_run_without_retrying(
    kind, scripted_model, monkeypatch, unique
):
    from tests.apps.openai_fault_apps import build_connector

    server = scripted_model([Reply.tool_call("connect", {"city": "Paris"}), Reply.text("never")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    handle = await durable(build_connector(), name=f"connector-{kind}-{unique}").start(
        "Paris?", context=_contexts()[kind]()
    )
    error, description = await run_failure(handle)

    message = str(error)
    assert "connector/connect" in message and "WeatherService" in message
    assert "cannot be written as JSON" in message and "must be plain data" in message
    assert description.status == WorkflowExecutionStatus.FAILED
    calls = await recorded_calls(handle)
    assert [(c.kind, c.attempt) for c in calls] == [("model", 1), ("tool", 1)]  # the tool ran once
    assert len(server.requests) == 1  # and the model was not handed the error as a tool result


async def test_a_tool_returning_a_live_object_behaves_as_in_a_plain_run(scripted_model, monkeypatch, unique):
    from agents import Runner, set_tracing_disabled

    from tests.apps.openai_fault_apps import build_service_opener

    script = [Reply.tool_call("open_service", {"city": "Paris"}), Reply.text("Opened.")]
    reference = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", reference.base_url)
    set_tracing_disabled(True)
    plain = await Runner.run(build_service_opener(), "Paris?")

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await asyncio.wait_for(durable(build_service_opener(), name=f"opener-{unique}").run("Paris?"), 30)

    assert result.final_output == plain.final_output == "Opened."
    assert server.served[1].body["messages"][-1]["content"] == "<WeatherService eu-west>"  # its str(), as the SDK does
    assert [r.body for r in server.served] == [r.body for r in reference.served]


# -- a sync model call where nothing can bridge it -------------------------------------------


@pytest.mark.parametrize(
    "how, error_type, says",
    [
        # On a running loop the SDK refuses run_sync itself, plainly too: the same RuntimeError.
        ("run_sync", "builtins.RuntimeError", "run_sync() cannot be called when an event loop is already running"),
        ("pool", "durable_adapters._errors.UnsupportedError", "Runner.run_sync was called on a thread started inside"),
        ("thread", "durable_adapters._errors.UnsupportedError", "Runner.run was called on a thread started inside"),
        ("asyncio_run", "durable_adapters._errors.DeterminismError", "asyncio.run() inside a durable workflow run"),
    ],
)
async def test_a_sync_model_call_with_no_bridge_fails_the_run_at_once_and_sends_nothing_unrecorded(
    how, error_type, says, scripted_model, monkeypatch, unique
):
    from tests.apps.openai_fault_apps import build_sync_caller

    server = scripted_model([Reply.text("cheerful"), Reply.text("Sunny.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    started = time.monotonic()
    handle = await durable(build_sync_caller(how), name=f"sync-caller-{how}-{unique}").start("Paris?")
    error, description = await run_failure(handle)

    assert time.monotonic() - started < 10
    assert error.type == error_type
    assert says in str(error)
    assert description.status == WorkflowExecutionStatus.FAILED
    model_calls = [c.key for c in await recorded_calls(handle) if c.kind == "model"]
    assert "helper" not in model_calls
    # Every request the provider received is a model call recorded in history: none went around it.
    assert len(server.requests) == len(model_calls)


# -- nondeterminism: the same calls in another order -----------------------------------------


async def test_replay_names_the_diverging_call_when_an_edit_changes_the_order_of_calls(
    scripted_model, monkeypatch, unique
):
    from tests.apps.openai_fault_apps import build_checked, build_checked_edited
    from tests.openai_agents.test_replay import replay_cli

    name = f"answerer-{unique}"
    # The edited agent makes the same two calls as the original, in the other order.
    edited_server = scripted_model([Reply.text("Paris is sunny."), Reply.text("SAFE")])
    monkeypatch.setenv("OPENAI_BASE_URL", edited_server.base_url)
    edited_run = await durable(build_checked_edited(), name=f"{name}-edited").start("Weather in Paris?")
    assert (await edited_run.result()).final_output == "Paris is sunny."
    assert [(c.sequence, c.key) for c in await recorded_calls(edited_run)] == [(1, "answerer"), (2, "checker")]

    server = scripted_model([Reply.text("SAFE"), Reply.text("Paris is sunny.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_checked(), name=name).start("Weather in Paris?")
    assert (await handle.result()).final_output == "Paris is sunny."
    assert [(c.sequence, c.key) for c in await recorded_calls(handle)] == [(1, "checker"), (2, "answerer")]

    same = replay_cli(handle.run_id, f"{name}=tests.apps.openai_fault_apps:build_checked")
    assert same.returncode == 0, same.stdout + same.stderr

    edited = replay_cli(handle.run_id, f"{name}=tests.apps.openai_fault_apps:build_checked_edited")
    assert edited.returncode == 1, edited.stdout + edited.stderr
    assert "no longer replays" in edited.stderr
    # The recorded call the edited code no longer makes at that point, and the one it makes instead.
    assert "'1 model checker'" in edited.stderr and "'1 model answerer'" in edited.stderr, edited.stderr


async def test_a_run_on_a_queue_nobody_polls_warns_that_it_waits(caplog, unique):
    from durable_adapters import durable
    from tests.apps.openai_weather import build_looper

    name = f"ghost-{unique}"
    with caplog.at_level("WARNING", logger="durable_adapters"):
        handle = await durable(build_looper(), name=name, worker=False).start("Paris?")
    await handle.cancel()  # nobody would ever serve it
    assert f"no worker polls task queue 'durable-adapters.{name}'" in caplog.text
    assert f"durable-adapters worker {name}=MODULE:ATTR" in caplog.text

"""Faults beyond a lost worker: time travel with reset, and the Temporal server restarting mid-run."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.client import Client

from durable_adapters import durable
from durable_adapters._converter import DATA_CONVERTER
from durable_adapters._devserver import temporal_cli_path
from durable_adapters._reset import reset_point_after_call
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
async def test_reset_after_call_3_makes_only_the_later_calls_again(how, scripted_model, monkeypatch, tmp_path, unique, temporal_server):
    server, tool_log, dagent, handle = await finished_run(scripted_model, monkeypatch, tmp_path, unique)
    assert len(server.served) == 4 and tool_log.read_text().splitlines() == [f"get_weather {c}" for c in CITIES]

    # Calls: 1 model, 2 tool Paris, 3 model, 4 tool Rome, 5 model, 6 tool Oslo, 7 model.
    env = os.environ | {"TEMPORAL_ADDRESS": temporal_server.address}
    if how == "durable-adapters":
        command = [sys.executable, "-m", "durable_adapters", "runs", "reset", handle.run_id, "--after-call", "3"]
    else:
        client = await Client.connect(temporal_server.address, data_converter=DATA_CONVERTER)
        event_id = await reset_point_after_call(client, handle.run_id, 3)
        command = [temporal_cli_path(), "workflow", "reset", "--workflow-id", handle.run_id, "--event-id", str(event_id),
                   "--reason", "test", "--address", temporal_server.address]
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
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold), "TEMPORAL_ADDRESS": temporal.address}
    try:
        from durable_adapters.testing import WorkerProcess

        worker = WorkerProcess([f"{name}=tests.apps.openai_weather:build_looper"], temporal_address=temporal.address,
                               env=env, cwd=str(ROOT)).start()
        client = await Client.connect(temporal.address, data_converter=DATA_CONVERTER)
        from durable_adapters._payloads import RunInput
        from durable_adapters._workflow import AgentLoopWorkflow
        from durable_adapters._names import default_task_queue

        handle = await client.start_workflow(
            AgentLoopWorkflow.run,
            RunInput(hosted=name, framework="openai-agents",
                     payload={"input": "Weather in Paris, Rome and Oslo?", "context": None, "max_turns": 10}),
            id=f"restart-{unique}", task_queue=default_task_queue(name),
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


async def test_a_raising_tool_goes_back_to_the_model_as_the_sdk_does_and_is_not_retried(scripted_model, monkeypatch, unique):
    from agents import Agent, function_tool

    from tests.apps.openai_weather import model

    attempts = []

    @function_tool
    def flaky(city: str) -> str:
        """Fails."""
        attempts.append(city)
        raise RuntimeError("weather service down")

    server = scripted_model([Reply.tool_call("flaky", {"city": "Paris"}), Reply.text("Sorry, no weather.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(Agent(name=f"flaky-{unique}", tools=[flaky], model=model())).start("Paris?")
    result = await handle.result()

    assert result.final_output == "Sorry, no weather."
    assert attempts == ["Paris"]  # once: Temporal did not retry it
    tool_output = server.served[1].body["messages"][-1]
    assert tool_output["role"] == "tool" and "weather service down" in tool_output["content"]
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

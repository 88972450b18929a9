"""Model errors, secrets in history, and the run_id contract."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from durable_adapters import RunFailedError, durable
from durable_adapters.testing import Reply, history_json, recorded_calls
from tests.apps.openai_weather import build_looper

ROOT = Path(__file__).resolve().parents[2]
FAST_RETRIES = {"initial_retry_seconds": 0.2, "max_retry_seconds": 1.0}


@pytest.mark.faults
@pytest.mark.parametrize("status", [429, 500])
async def test_transient_model_errors_are_retried_and_the_run_completes(status, scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.tool_call("get_weather", {"city": "Paris"}), Reply.text("Sunny.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    # More failures than the OpenAI client's own two retries absorb: Temporal must retry the call.
    server.fail_next(status, times=4, retry_after=0.1)
    dagent = durable(build_looper(), name=f"looper-{status}-{unique}", model_policy=FAST_RETRIES)

    handle = await dagent.start("Paris?")
    result = await handle.result()

    assert result.final_output == "Sunny."
    assert [r.status for r in server.requests[:4]] == [status] * 4
    assert len(server.served) == 2 and not server.repeats
    first_model_call = (await recorded_calls(handle))[0]
    assert first_model_call.kind == "model" and first_model_call.attempt >= 2  # retried by Temporal


@pytest.mark.faults
async def test_unauthorized_fails_the_run_on_the_first_attempt_naming_the_model(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.text("never")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.fail_next(401, times=100)

    with pytest.raises(RunFailedError) as failure:
        await asyncio.wait_for(durable(build_looper(), name=f"looper-401-{unique}").run("Paris?"), timeout=30)

    message = str(failure.value)
    assert "gpt-4o-mini" in message and "looper" in message and "401" in message
    assert failure.value.type == "openai.AuthenticationError"
    # A plain run raises openai.AuthenticationError: `except` clauses written for it still match.
    assert isinstance(failure.value, openai.AuthenticationError) and failure.value.status_code == 401
    assert len(server.requests) == 1  # not retried, by the client or by Temporal


async def test_no_api_key_in_any_recorded_history(scripted_model, monkeypatch, temporal_client, unique):
    key = os.environ["OPENAI_API_KEY"]
    server = scripted_model([Reply.tool_call("get_weather", {"city": "Paris"}), Reply.text("Sunny.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    await durable(build_looper(), name=f"looper-secret-{unique}").run("Paris?")
    assert server.served[0].headers["authorization"] == f"Bearer {key}"  # the key was really in use

    histories = 0
    async for execution in temporal_client.list_workflows():
        text = await history_json(temporal_client.get_workflow_handle(execution.id, run_id=execution.run_id))
        assert key not in text, f"the API key leaked into the history of {execution.id}"
        histories += 1
    assert histories >= 1


async def test_same_run_id_after_the_client_died_resumes_then_returns_the_recorded_result(
    scripted_model, monkeypatch, tmp_path, unique
):
    script = [Reply.tool_call("get_weather", {"city": c}) for c in ("Paris", "Rome")] + [Reply.text("Both sunny.")]
    server = scripted_model(script)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("get_weather Rome")
    name, run_id = f"looper-rid-{unique}", f"trip-{unique}"
    env = os.environ | {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    # A client process (with its embedded worker) starts the run and is SIGKILLed mid-run.
    client = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "durable_adapters",
            "run",
            f"{name}=tests.apps.openai_weather:build_looper",
            "Paris and Rome?",
            "--run-id",
            run_id,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while not (tool_log.exists() and "get_weather Rome" in tool_log.read_text()):
            assert client.poll() is None, client.stdout.read().decode() if client.stdout else ""
            assert asyncio.get_running_loop().time() < deadline, "the run never reached its second tool"
            await asyncio.sleep(0.02)
    finally:
        client.kill()
        client.wait()
    hold.unlink()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TOOL_LOG", str(tool_log))
    dagent = durable(build_looper(), name=name)

    resumed = await asyncio.wait_for(dagent.run("Paris and Rome?", run_id=run_id), timeout=60)
    assert resumed.final_output == "Both sunny."
    assert len(server.served) == 3 and not server.repeats

    again = await dagent.run("Paris and Rome?", run_id=run_id)
    assert again.final_output == "Both sunny."
    assert len(server.requests) == 3  # the finished run's result came from history: no new request


def _has_model_timeout() -> bool:
    import dataclasses

    from agents import ModelSettings

    return "timeout" in {field.name for field in dataclasses.fields(ModelSettings)}


@pytest.mark.faults
@pytest.mark.skipif(not _has_model_timeout(), reason="ModelSettings.timeout arrived in openai-agents 0.21")
async def test_a_model_settings_timeout_fails_the_run_as_in_a_plain_run(scripted_model, monkeypatch, unique):
    """The SDK's runner enforces ``ModelSettings.timeout`` in the workflow (a durable timer); a model
    that answers too late fails the run with the SDK's own ModelTimeoutError, and Temporal does not
    send the request again."""
    from agents import Agent, ModelSettings, Runner, set_tracing_disabled
    from agents.exceptions import ModelTimeoutError

    from tests.apps.openai_weather import model

    def build() -> Agent:
        return Agent(
            name=f"slow-{unique}", instructions="Answer.", model=model(), model_settings=ModelSettings(timeout=1.0)
        )

    set_tracing_disabled(True)  # the plain reference run must not try to export traces
    plain_server = scripted_model([Reply.text("too late")])
    plain_server.hang_next(seconds=15)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    with pytest.raises(ModelTimeoutError):
        await Runner.run(build(), "Paris?")

    server = scripted_model([Reply.text("too late")])
    server.hang_next(seconds=15)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    started = asyncio.get_running_loop().time()
    with pytest.raises(RunFailedError) as failure:
        await asyncio.wait_for(durable(build()).run("Paris?"), timeout=60)

    assert failure.value.type == "agents.exceptions.ModelTimeoutError"
    assert asyncio.get_running_loop().time() - started < 15  # the timeout ended it, not the answer
    assert len(server.served) == len(plain_server.served) == 1 and not server.repeats

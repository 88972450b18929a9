"""Faults beyond a lost worker, for CrewAI: the Temporal server restarting mid-run, time travel
with reset, model and tool faults, input and state that cannot run durably, and an edit that
changes the order of a crew's calls.

Model errors already covered in ``test_failures.py`` (401, a 500 streak, a raising tool, refusals
at wrap time, inputs that are not JSON) carry the ``faults`` marker there.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import openai
import pytest
from packaging.version import Version
from temporalio.client import Client, WorkflowExecutionStatus

from durable_adapters import ConfigurationError, RunFailedError, UnsupportedError, durable
from durable_adapters._converter import DATA_CONVERTER
from durable_adapters._devserver import temporal_cli_path
from durable_adapters._reset import reset_point
from durable_adapters.testing import DevServer, Reply, WorkerProcess, free_port, recorded_calls, wait_for_line
from tests.apps import crewai_fault_crews as crews
from tests.apps.crewai_crews import build_looper_crew, build_research_crew
from tests.crewai.test_kill import CITIES, SCRIPT
from tests.crewai.test_run import durable_kickoff, plain_kickoff

pytestmark = pytest.mark.faults
ROOT = Path(__file__).resolve().parents[2]
INPUTS = {"cities": "Paris, Rome and Oslo"}
FAST_RETRIES = {"initial_retry_seconds": 0.1, "max_retry_seconds": 1.0}


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "durable_adapters", *args],
        cwd=ROOT,
        env=env or os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )


# -- the Temporal server restarts ----------------------------------------------------------------


async def test_the_server_restarts_mid_run_and_nothing_is_lost(scripted_model, tmp_path, unique):
    from durable_adapters._names import default_task_queue
    from durable_adapters._payloads import RunInput, RunOutput
    from durable_adapters._workflow import AgentLoopWorkflow

    server = scripted_model(SCRIPT)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("get_weather Rome")  # the second tool call waits while this file exists
    temporal = DevServer(port=free_port(), ui_port=None, db_filename=tmp_path / "temporal.db").start()
    name = f"looper-restart-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    worker = WorkerProcess(
        [f"{name}=tests.apps.crewai_crews:build_looper_crew"], temporal_address=temporal.address, env=env, cwd=str(ROOT)
    )
    try:
        worker.start()
        client = await Client.connect(temporal.address, data_converter=DATA_CONVERTER)
        handle = await client.start_workflow(
            AgentLoopWorkflow.run,
            RunInput(hosted=name, framework="crewai", payload={"kind": "crew", "inputs": INPUTS}),
            id=f"restart-{unique}",
            task_queue=default_task_queue(name),
        )
        await wait_for_line(tool_log, "get_weather Rome")
        assert len(server.served) == 2  # LLM calls 1 and 2 are done; the tool after call 2 is in flight
        temporal.kill()  # the server dies mid-run
        temporal.start()  # and comes back on the same SQLite file
        hold.unlink()
        client = await Client.connect(temporal.address, data_converter=DATA_CONVERTER)
        restarted = client.get_workflow_handle_for(AgentLoopWorkflow.run, handle.id)
        output: RunOutput = await asyncio.wait_for(restarted.result(), timeout=90)
        calls = await recorded_calls(restarted)
    finally:
        worker.kill()
        temporal.stop()

    assert output.payload["raw"] == "All sunny."
    assert len(server.served) == len(SCRIPT) and server.repeats == []  # every LLM request once, none lost or resent
    assert [c.kind for c in calls] == ["model", "tool"] * 3 + ["model"]
    starts = tool_log.read_text().splitlines()
    assert set(starts) == {f"get_weather {city}" for city in CITIES}  # every tool ran (the held one at least once)
    assert starts.count("get_weather Paris") == starts.count("get_weather Oslo") == 1


# -- time travel ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["durable-adapters", "temporal-cli"])
async def test_reset_after_call_3_makes_only_the_later_calls_again(
    how, scripted_model, monkeypatch, tmp_path, unique, temporal_server, temporal_client
):
    server = scripted_model(SCRIPT)
    tool_log = tmp_path / "tools.log"
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TOOL_LOG", str(tool_log))
    dcrew = durable(build_looper_crew(), name=f"looper-reset-{unique}")
    handle = await dcrew.start(inputs=INPUTS)
    assert (await handle.result()).raw == "All sunny."
    assert len(server.served) == 4 and tool_log.read_text().splitlines() == [f"get_weather {c}" for c in CITIES]

    # Calls: 1 llm, 2 tool Paris, 3 llm, 4 tool Rome, 5 llm, 6 tool Oslo, 7 llm.
    if how == "durable-adapters":
        done = cli("runs", "reset", handle.run_id, "--after-call", "3")
    else:
        client = await Client.connect(temporal_server.address, data_converter=DATA_CONVERTER)
        _, event_id = await reset_point(client, handle.run_id, 3)
        done = subprocess.run(
            [
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
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stdout + done.stderr

    # The reset run is served by this process's embedded worker while we wait for it.
    again = await asyncio.wait_for(dcrew.akickoff(inputs=INPUTS, run_id=handle.run_id), timeout=60)

    assert again.raw == "All sunny."
    # LLM calls 1 and 3 came from history; 5 and 7 were made again (the same requests: repeats).
    assert len(server.requests) == 6 and len(server.repeats) == 2
    assert [r.body for r in server.repeats] == [server.served[2].body, server.served[3].body]
    # Tool call 2 (Paris) came from history; 4 (Rome) and 6 (Oslo) ran again.
    assert tool_log.read_text().splitlines()[3:] == ["get_weather Rome", "get_weather Oslo"]
    # The run's latest Temporal run (the reset one) holds all seven calls: 1-3 copied, 4-7 made again.
    calls = await recorded_calls(temporal_client.get_workflow_handle(handle.run_id))
    assert [(c.sequence, c.kind) for c in calls] == list(enumerate(["model", "tool"] * 3 + ["model"], start=1))


# -- model faults --------------------------------------------------------------------------------


def tries_of_one_plain_llm_call(scripted_model, monkeypatch) -> int:
    """How many requests one plain ``LLM.call`` sends into an endless 429 streak before it raises:
    the openai client's own tries (3, max_retries=2), times CrewAI's own rate-limit retry (3 calls,
    crewai.llms.retry) since crewai 1.15.23. One model activity attempt is one such call."""
    server = scripted_model([Reply.text("never served")])
    server.fail_next(429, times=100, retry_after=0.05)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    with pytest.raises(openai.RateLimitError):
        build_looper_crew().agents[0].llm.call("Weather in Paris?")
    return len(server.requests)


async def test_a_429_streak_longer_than_the_clients_own_retries_is_retried_and_the_run_completes(
    scripted_model, monkeypatch, unique
):
    tries = tries_of_one_plain_llm_call(scripted_model, monkeypatch)
    assert tries in (3, 9)  # see above: 3 before crewai 1.15.23, 9 since
    server = scripted_model([Reply.text("Sunny everywhere.")])
    # One 429 more than a plain call tries: attempt 1 gives up as a plain call would, and the
    # second request of attempt 2 is answered.
    server.fail_next(429, times=tries + 1, retry_after=0.05)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_looper_crew(), name=f"rate-limited-{unique}", model_policy=FAST_RETRIES).start(
        inputs={"cities": "Paris"}
    )

    result = await asyncio.wait_for(handle.result(), timeout=30)

    assert result.raw == "Sunny everywhere."
    assert [r.status for r in server.requests] == [429] * (tries + 1) + [200]
    assert len(server.served) == 1 and server.repeats == []
    (call,) = await recorded_calls(handle)
    assert call.attempt == 2  # one LLM call, retried by Temporal once the client gave up


async def test_a_model_timeout_is_retried_and_the_resend_is_the_one_repeat(scripted_model, monkeypatch, unique):
    """CrewAI's OpenAI provider passes ``LLM(timeout=...)`` to its client (default: the openai
    client's 600 s). A call that times out raises ``ConnectionError`` (CrewAI's wrapping of
    ``APITimeoutError``), which is transient: Temporal retries the call and the run completes."""
    server = scripted_model([Reply.text("Sunny.")])
    server.hang_next(1, seconds=30)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(crews.build_impatient_crew(), name=f"impatient-{unique}", model_policy=FAST_RETRIES).start(
        inputs={"cities": "Paris"}
    )

    started = time.monotonic()
    result = await asyncio.wait_for(handle.result(), timeout=30)

    assert result.raw == "Sunny."
    assert time.monotonic() - started < 20  # the hung request was given up on, not waited out
    (call,) = await recorded_calls(handle)
    assert call.attempt == 2  # the timed-out attempt was retried by Temporal (the client itself does not retry)
    # The provider saw the request twice: a call in flight when it times out is at-least-once.
    assert len(server.requests) == 2 and len(server.repeats) == 1
    assert server.repeats[0].body == server.requests[0].body


PLAIN_ERRORS = {"openai.BadRequestError": openai.BadRequestError, "builtins.ValueError": ValueError}


@pytest.mark.parametrize(
    ("status", "error_type", "says"),
    [(400, "openai.BadRequestError", "HTTP 400"), (404, "builtins.ValueError", "Model gpt-4o-mini not found")],
)
async def test_a_permanent_model_error_fails_the_run_on_the_first_attempt_naming_the_model(
    status, error_type, says, scripted_model, monkeypatch, unique
):
    server = scripted_model([Reply.text("never")])
    server.fail_next(status, times=10)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    with pytest.raises(PLAIN_ERRORS[error_type]):  # the type the durable run reports below
        await build_looper_crew().akickoff(inputs={"cities": "Paris"})
    plain_requests = len(server.requests)  # a plain run: CrewAI retries the task (max_retry_limit=2)

    server = scripted_model([Reply.text("never")])
    server.fail_next(status, times=10)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    started = time.monotonic()
    handle = await durable(build_looper_crew(), name=f"permanent-{status}-{unique}").start(inputs={"cities": "Paris"})
    with pytest.raises(RunFailedError) as failure:
        await asyncio.wait_for(handle.result(), timeout=30)

    assert time.monotonic() - started < 15
    message = str(failure.value)
    assert "model call to gpt-4o-mini (agents[0].llm)" in message and says in message and str(status) in message
    assert "not retried" in message
    assert failure.value.type == error_type  # CrewAI's own exception for it (it turns a 404 into ValueError)
    # Temporal retried nothing: each of CrewAI's task tries is one activity, on its first
    # attempt, and one request (the client does not retry a 4xx either), as in the plain run.
    calls = await recorded_calls(handle)
    assert [(c.kind, c.attempt) for c in calls] == [("model", 1)] * 3
    assert len(server.requests) == plain_requests == 3
    assert all(r.status == status for r in server.requests)


async def test_a_raising_tool_runs_once_and_its_error_goes_to_the_model_as_in_a_plain_run(
    scripted_model, monkeypatch, tmp_path, unique
):
    script = [Reply.tool_call("station_lookup", {"city": "Paris"}), Reply.text("The station service is down.")]
    plain_log, durable_log = tmp_path / "plain.log", tmp_path / "durable.log"
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TOOL_LOG", str(plain_log))
    plain = await crews.build_station_crew().akickoff(inputs={"city": "Paris"})
    plain_server = server

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TOOL_LOG", str(durable_log))
    handle = await durable(crews.build_station_crew(), name=f"station-{unique}").start(inputs={"city": "Paris"})
    result = await asyncio.wait_for(handle.result(), timeout=30)

    assert result.raw == plain.raw == "The station service is down."
    assert durable_log.read_text().splitlines() == plain_log.read_text().splitlines() == ["station_lookup Paris"]
    tool_message = server.served[1].body["messages"][-1]
    assert tool_message["role"] == "tool" and "station service unreachable for Paris" in tool_message["content"]
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]  # the model saw the same
    calls = await recorded_calls(handle)
    assert [(c.kind, c.attempt) for c in calls] == [("model", 1), ("tool", 1), ("model", 1)]


# -- input, state and constructs that cannot run durably -------------------------------------------


async def test_a_name_the_worker_does_not_host_fails_the_run_saying_what_to_do(
    scripted_model, worker_process, temporal_client, unique
):
    server = scripted_model([Reply.text("never")])
    queue = f"crewai-shared-{unique}"
    hosted = f"looper-{unique}"
    # A worker on a shared queue that hosts another crew (older code, or a forgotten target).
    worker_process(
        f"{hosted}=tests.apps.crewai_crews:build_looper_crew",
        env={"OPENAI_BASE_URL": server.base_url},
        task_queue=queue,
    )
    ghost = f"research-{unique}"

    started = time.monotonic()
    handle = await durable(build_research_crew(), name=ghost, worker=False, task_queue=queue).start(
        inputs={"city": "Paris"}
    )
    with pytest.raises(RunFailedError) as failure:
        await asyncio.wait_for(handle.result(), timeout=30)

    assert time.monotonic() - started < 15
    message = str(failure.value)
    assert failure.value.type == "durable_adapters._errors.ConfigurationError"
    assert f"{ghost!r}" in message and queue in message  # what is missing, and where
    assert hosted in message  # what this worker does host
    assert "durable-adapters worker" in message  # what to do
    assert (await handle.workflow_handle.describe()).status == WorkflowExecutionStatus.FAILED  # not left waiting
    assert await recorded_calls(handle) == [] and server.requests == []


@pytest.mark.parametrize("make", [lambda: crews.llm(), lambda: build_looper_crew().tasks[0]], ids=["LLM", "Task"])
def test_a_crewai_object_that_is_not_a_crew_or_an_agent_is_refused_at_once(make):
    with pytest.raises(ConfigurationError, match="no installed adapter accepts it"):
        durable(make())


async def test_a_tool_result_that_is_not_json_reaches_the_model_as_in_a_plain_run(scripted_model, monkeypatch, unique):
    script = [Reply.tool_call("read_sensor", {"city": "Paris"}), Reply.text("Sunny.")]
    plain, plain_server = await plain_kickoff(
        scripted_model, monkeypatch, crews.build_object_result_crew, script, {"city": "Paris"}
    )

    handle, result, server = await durable_kickoff(
        scripted_model,
        monkeypatch,
        crews.build_object_result_crew,
        script,
        {"city": "Paris"},
        name=f"object-result-{unique}",
    )

    assert result.raw == plain.raw == "Sunny."
    # CrewAI shows the model the object's str(); so does the durable run, whose history holds that text.
    assert server.served[1].body["messages"][-1]["content"] == "Reading(Paris: sunny, 21C)"
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert [c.kind for c in await recorded_calls(handle)] == ["model", "tool", "model"]


async def test_tool_arguments_that_are_not_json_reach_the_tool_as_in_a_plain_run(scripted_model, monkeypatch, unique):
    """The tool's argument schema builds an object from the model's text. The durable run records
    the model's own arguments and the tool gets the object, as in a plain run (before the fix, the
    call never left the workflow and the model was told "Error executing tool: Unable to
    serialize unknown type")."""
    script = [Reply.tool_call("place_weather", {"place": "Paris"}), Reply.text("Sunny.")]
    plain, plain_server = await plain_kickoff(
        scripted_model, monkeypatch, crews.build_object_argument_crew, script, {"city": "Paris"}
    )

    handle, result, server = await durable_kickoff(
        scripted_model,
        monkeypatch,
        crews.build_object_argument_crew,
        script,
        {"city": "Paris"},
        name=f"object-args-{unique}",
    )

    assert result.raw == plain.raw == "Sunny."
    assert server.served[1].body["messages"][-1]["content"] == "Paris: sunny, 21C"
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    calls = await recorded_calls(handle)
    assert [(c.kind, c.attempt) for c in calls] == [("model", 1), ("tool", 1), ("model", 1)]


def test_an_llm_guardrail_is_refused_when_wrapped(unique):
    """CrewAI runs an LLM guardrail's agent with asyncio.run in a thread of its own, which no
    durable call can be made from: refused before any run, saying what to use instead."""
    with pytest.raises(UnsupportedError, match="LLM guardrail.*guardrail function"):
        durable(crews.build_llm_guardrail_crew(), name=f"guardrail-{unique}")


CONTEXT_EXCEEDED = (
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens."
)


# Since crewai 1.15.24 CrewAI summarises a conversation that exceeded the context window on an
# event loop of its own in a thread (SummarizeMessages, later crewai.llms.context_window), even a
# single chunk. Before, a single chunk was summarised with a plain LLM.call on the caller's loop.
SUMMARY_IN_A_THREAD = Version(version("crewai")) >= Version("1.15.24")


@pytest.mark.skipif(not SUMMARY_IN_A_THREAD, reason="crewai < 1.15.24 summarises on the run's own loop (next test)")
async def test_crewai_calling_the_model_from_a_thread_of_its_own_fails_the_run_at_once(
    scripted_model, monkeypatch, unique
):
    """When the model reports its context window exceeded, CrewAI summarises the conversation with
    ``LLM.acall`` on an event loop it runs in a thread of its own: no bridge reaches the workflow
    from there. The run fails at once with what happened, no request leaves outside an activity,
    and CrewAI does not go on to retry the task without the summary."""
    script = [Reply.text("<summary>The user asked for the weather.</summary>"), Reply.text("Sunny.")]
    server = scripted_model(script)
    server.fail_next(400, message=CONTEXT_EXCEEDED)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain = await build_looper_crew().akickoff(inputs={"cities": "Paris"})
    assert plain.raw == "Sunny." and [r.status for r in server.requests] == [400, 200, 200]  # summary, then retry

    server = scripted_model(script)
    server.fail_next(400, message=CONTEXT_EXCEEDED)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    started = time.monotonic()
    handle = await durable(build_looper_crew(), name=f"summarise-{unique}").start(inputs={"cities": "Paris"})
    with pytest.raises(RunFailedError) as failure:
        await asyncio.wait_for(handle.result(), timeout=30)

    assert time.monotonic() - started < 15
    assert failure.value.type == "durable_adapters._errors.UnsupportedError"
    message = str(failure.value)
    assert "thread it started itself" in message and "context window" in message
    assert [r.status for r in server.requests] == [400]  # the summary was never requested outside an activity
    calls = await recorded_calls(handle)
    assert [(c.sequence, c.kind, c.attempt) for c in calls] == [(1, "model", 1)]
    assert (await handle.workflow_handle.describe()).status == WorkflowExecutionStatus.FAILED


@pytest.mark.skipif(SUMMARY_IN_A_THREAD, reason="crewai >= 1.15.24 summarises from a thread of its own (previous test)")
async def test_a_summary_crewai_asks_for_on_the_runs_own_loop_is_a_durable_model_call(
    scripted_model, monkeypatch, unique
):
    """Before crewai 1.15.24, the summary of a conversation that exceeded the context window is a
    plain ``LLM.call`` on the run's own loop: it is a model activity like any other, and the run
    sends what a plain run sends and ends as it does."""
    script = [Reply.text("<summary>The user asked for the weather.</summary>"), Reply.text("Sunny.")]
    plain_server = scripted_model(script)
    plain_server.fail_next(400, message=CONTEXT_EXCEEDED)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await build_looper_crew().akickoff(inputs={"cities": "Paris"})

    server = scripted_model(script)
    server.fail_next(400, message=CONTEXT_EXCEEDED)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_looper_crew(), name=f"summarise-{unique}").start(inputs={"cities": "Paris"})
    result = await asyncio.wait_for(handle.result(), timeout=30)

    assert result.raw == plain.raw == "Sunny."
    assert [r.status for r in server.requests] == [r.status for r in plain_server.requests] == [400, 200, 200]
    assert [r.body for r in server.requests] == [r.body for r in plain_server.requests]
    calls = await recorded_calls(handle)
    assert [(c.kind, c.key) for c in calls] == [("model", "agents[0].llm")] * 3
    assert [c.attempt for c in calls] == [1, 1, 1]  # the context-window error is not retried


async def test_a_tool_that_calls_a_model_from_its_own_thread_works_as_in_a_plain_run(
    scripted_model, monkeypatch, unique
):
    """A tool's body is the tool call's activity: a model it calls itself, from any thread, is part
    of that call (made again only if the tool call is), not a durable model call of the crew."""
    script = [
        Reply.tool_call("describe_city", {"city": "Paris"}),
        Reply.text("Light, river, bread, art, cafes."),
        Reply.text("Paris: light, river, bread, art, cafes."),
    ]
    plain, plain_server = await plain_kickoff(
        scripted_model, monkeypatch, crews.build_describing_crew, script, {"city": "Paris"}
    )

    handle, result, server = await durable_kickoff(
        scripted_model, monkeypatch, crews.build_describing_crew, script, {"city": "Paris"}, name=f"describing-{unique}"
    )

    assert result.raw == plain.raw == "Paris: light, river, bread, art, cafes."
    assert server.served[2].body["messages"][-1]["content"] == "Light, river, bread, art, cafes."  # the tool's result
    assert [r.body for r in server.served] == [r.body for r in plain_server.served] and server.repeats == []
    calls = await recorded_calls(handle)
    assert [(c.kind, c.attempt) for c in calls] == [("model", 1), ("tool", 1), ("model", 1)]


# -- nondeterminism --------------------------------------------------------------------------------


async def test_replay_names_the_call_where_an_edit_changed_the_order_of_calls(scripted_model, monkeypatch, unique):
    script = [
        Reply.tool_call("get_weather", {"city": "Paris"}),
        Reply.text("Paris: sunny."),
        Reply.text("Sunny in Paris today."),
        Reply.text("Checked: correct."),
    ]
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    name = f"ordered-{unique}"
    handle = await durable(crews.build_ordered_crew(), name=name).start(inputs={"city": "Paris"})
    assert (await asyncio.wait_for(handle.result(), timeout=30)).raw == "Checked: correct."
    calls = await recorded_calls(handle)
    assert [f"{c.sequence} {c.kind} {c.key}" for c in calls] == [
        "1 model agents[0].llm",
        "2 tool agents[0].tools[get_weather]",
        "3 model agents[0].llm",
        "4 model agents[1].llm",
        "5 model agents[0].llm",
    ]

    same = cli("replay", handle.run_id, f"{name}=tests.apps.crewai_fault_crews:build_ordered_crew")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "replays cleanly" in same.stdout

    # The edit swaps the last two tasks: call 4 is now the Researcher's LLM, not the Writer's.
    edited = cli("replay", handle.run_id, f"{name}=tests.apps.crewai_fault_crews:build_ordered_crew_edited")
    assert edited.returncode == 1, edited.stdout + edited.stderr
    assert "no longer replays" in edited.stderr and "nondetermin" in edited.stderr.lower()
    assert "'4 model agents[1].llm'" in edited.stderr, (
        edited.stderr
    )  # the recorded call the edited code no longer makes
    assert len(server.requests) == 4  # replaying calls no model

"""What a user checks when things go wrong, or could: failures fail fast, refusals come before any
run, secrets stay out of history, and the user's own crew is never changed by durable runs."""

from __future__ import annotations

import time

import openai
import pytest
from crewai import Agent, Crew, Task

from durable_adapters import RunFailedError, UnsupportedError, durable
from durable_adapters.testing import Reply, history_json, recorded_calls
from tests.apps.crewai_crews import build_flaky_crew, build_looper_crew, build_research_crew, get_weather, llm
from tests.conftest import SECRET_KEY
from tests.crewai.test_run import RESEARCH_SCRIPT


@pytest.mark.faults
async def test_a_bad_api_key_fails_the_run_at_once_naming_the_model(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.text("never")])
    server.fail_next(401, times=10)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    started = time.monotonic()
    handle = await durable(build_looper_crew(), name=f"bad-key-{unique}").start(inputs={"cities": "Paris"})
    with pytest.raises(RunFailedError) as failure:
        await handle.result()

    assert time.monotonic() - started < 15
    assert failure.value.type == "openai.AuthenticationError"
    # A plain kickoff raises openai.AuthenticationError: `except` clauses written for it still match.
    assert isinstance(failure.value, openai.AuthenticationError) and failure.value.status_code == 401
    assert "HTTP 401" in str(failure.value) and "gpt-4o-mini" in str(failure.value)
    # Temporal never retries it (a bad key does not heal); CrewAI retries the task twice
    # (max_retry_limit=2), exactly as in a plain run, each try one activity.
    calls = await recorded_calls(handle)
    assert [(c.kind, c.attempt) for c in calls] == [("model", 1)] * 3
    assert len(server.requests) == 3


@pytest.mark.faults
async def test_a_failing_provider_is_retried_by_temporal_and_the_run_completes(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.text("Sunny everywhere.")])
    # The provider's own client retries twice inside one attempt (openai's default); the third
    # 500 fails the attempt, and Temporal's retry makes the fourth request.
    server.fail_next(500, times=3)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    dcrew = durable(build_looper_crew(), name=f"rate-limited-{unique}")
    handle = await dcrew.start(inputs={"cities": "Paris"})
    result = await handle.result()

    assert result.raw == "Sunny everywhere."
    assert len(server.requests) == 4
    (call,) = await recorded_calls(handle)
    assert call.attempt == 2  # one activity, retried by Temporal (not a second LLM call by CrewAI)


async def test_no_api_key_in_history(scripted_model, monkeypatch, unique):
    server = scripted_model(RESEARCH_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
    handle = await durable(build_research_crew(), name=f"secret-{unique}").start(inputs={"city": "Paris"})
    await handle.result()

    assert server.served[0].headers["authorization"] == f"Bearer {SECRET_KEY}"  # the key was used...
    assert SECRET_KEY not in await history_json(handle)  # ...and never written to history


async def test_runs_leave_the_users_crew_untouched(scripted_model, monkeypatch, unique):
    server = scripted_model(RESEARCH_SCRIPT * 2)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    crew = build_research_crew()
    dcrew = durable(crew, name=f"untouched-{unique}")

    first = await dcrew.akickoff(inputs={"city": "Paris"})

    assert first.raw == RESEARCH_SCRIPT[-1].content
    assert dcrew.crew is crew
    assert all(task.output is None for task in crew.tasks)  # the run executed a copy
    assert crew.tasks[0].description == "Find the weather and population of {city}."  # not interpolated
    assert all(agent.llm.get_token_usage_summary().successful_requests == 0 for agent in crew.agents)
    # The @tool singleton every crew shares is not patched: same function, nothing set on it.
    assert get_weather.func.__module__ == "tests.apps.crewai_crews" and get_weather.func.__name__ == "get_weather"
    assert "run" not in vars(get_weather) and "_run" not in vars(get_weather)
    assert get_weather.run("Oslo") == "Oslo: sunny, 21C"  # and still works outside durable runs


@pytest.mark.faults
@pytest.mark.parametrize(
    ("build", "match"),
    [
        (
            lambda: Crew(
                name="mem",
                agents=[a := Agent(role="A", goal="g", backstory="b", llm=llm())],
                tasks=[Task(description="d", expected_output="e", agent=a)],
                memory=True,
            ),
            "memory",
        ),
        (
            lambda: Crew(
                name="rpm",
                agents=[a := Agent(role="A", goal="g", backstory="b", llm=llm())],
                tasks=[Task(description="d", expected_output="e", agent=a)],
                max_rpm=10,
            ),
            "max_rpm",
        ),
        (lambda: Agent(role="Timed", goal="g", backstory="b", llm=llm(), max_execution_time=5), "max_execution_time"),
        (lambda: Agent(role="Limited", goal="g", backstory="b", llm=llm(), max_rpm=3), "max_rpm"),
    ],
)
def test_what_cannot_run_durably_is_refused_when_wrapped(build, match, unique):
    with pytest.raises(UnsupportedError, match=match):
        durable(build(), name=f"refused-{unique}")


@pytest.mark.faults
async def test_inputs_that_are_not_json_are_refused_before_any_run(unique):
    with pytest.raises(UnsupportedError, match="JSON"):
        await durable(build_looper_crew(), name=f"bad-input-{unique}").akickoff(inputs={"when": object()})


def test_kickoff_works_from_sync_code(scripted_model, monkeypatch, unique):
    server = scripted_model([Reply.text("sync ok")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = durable(build_looper_crew(), name=f"sync-{unique}").kickoff(inputs={"cities": "Paris"})
    assert result.raw == "sync ok"


@pytest.mark.faults
async def test_a_tool_that_raises_is_reported_to_the_model_as_in_a_plain_run(scripted_model, monkeypatch, unique):
    script = [Reply.tool_call("flaky_lookup", {"city": "Atlantis"}), Reply.text("No data for Atlantis.")]
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain = await build_flaky_crew().akickoff(inputs={"city": "Atlantis"})
    plain_server = server

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_flaky_crew(), name=f"flaky-{unique}").start(inputs={"city": "Atlantis"})
    result = await handle.result()

    assert result.raw == plain.raw == "No data for Atlantis."
    tool_message = server.served[1].body["messages"][-1]
    assert tool_message["role"] == "tool" and "no data for Atlantis" in tool_message["content"]
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    calls = await recorded_calls(handle)
    assert [(c.kind, c.attempt) for c in calls] == [("model", 1), ("tool", 1), ("model", 1)]  # not retried


async def test_cancelling_a_run_stops_it_while_a_tool_runs(scripted_model, monkeypatch, tmp_path, unique):
    from temporalio.client import WorkflowExecutionStatus

    from tests.crewai.test_kill import wait_for_line

    server = scripted_model([Reply.tool_call("get_weather", {"city": "Paris"}), Reply.text("never")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("get_weather Paris")
    monkeypatch.setenv("TOOL_LOG", str(tool_log))
    monkeypatch.setenv("TOOL_HOLD", str(hold))
    handle = await durable(build_looper_crew(), name=f"cancel-{unique}").start(inputs={"cities": "Paris"})
    await wait_for_line(tool_log, "get_weather Paris")

    await handle.cancel()
    hold.unlink()
    with pytest.raises(RunFailedError):
        await handle.result()

    assert (await handle.workflow_handle.describe()).status == WorkflowExecutionStatus.CANCELED
    assert len(server.requests) == 1  # CrewAI did not retry the task after the cancellation

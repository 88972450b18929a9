"""Retry layering: with the graph's own retry around a call, durable sends as many requests as plain.

A model call inside ``ModelRetryMiddleware`` or a node's ``retry_policy`` makes one activity
attempt per framework attempt (the client's own retries inside it, as in the plain run); the
error reaches the user's policy as its own type. A tool inside ``ToolRetryMiddleware`` is run
once per framework attempt (a tool's exception is never retried by Temporal). Each test counts
the requests (or tool runs) against a server failing N times: durable == plain.
"""

from __future__ import annotations

import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage

from durable_adapters import RunFailedError, durable
from durable_adapters.testing import Reply, recorded_calls
from tests.apps import langgraph_conformance as apps
from tests.langgraph._compare import bodies, messages_view

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
QUESTION = {"messages": [HumanMessage("Weather in Lima?")]}


async def test_model_retry_middleware_decides_and_retries_do_not_multiply(scripted_model, monkeypatch, unique):
    pytest.importorskip("langchain.agents", reason="langchain (create_agent) is not installed")
    # Every request fails: the client tries twice per middleware attempt, the middleware three times.
    plain_server = scripted_model([Reply.text("never")])
    plain_server.fail_next(500, times=50, retry_after=0.01)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await apps.build_agent_with_model_retry().ainvoke(QUESTION)
    assert len(plain_server.requests) == 6

    server = scripted_model([Reply.text("never")])
    server.fail_next(500, times=50, retry_after=0.01)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(apps.build_agent_with_model_retry(), name=f"retry-mw-{unique}").start(QUESTION)
    result = await handle.result()

    assert len(server.requests) == len(plain_server.requests)  # not 6 x Temporal's attempts
    # The middleware's failure message names the provider's error type, as in the plain run.
    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert isinstance(result["messages"][-1], AIMessage)
    assert "Model call failed after 3 attempts with " in result["messages"][-1].content
    calls = await recorded_calls(handle)
    assert [(c.kind, c.attempt) for c in calls] == [("model", 1)] * 3  # one activity attempt per middleware attempt


async def test_model_retry_middleware_gets_the_answer_after_transient_errors(scripted_model, monkeypatch, unique):
    pytest.importorskip("langchain.agents", reason="langchain (create_agent) is not installed")
    script = [Reply.text("Sunny in Lima.")]
    plain_server = scripted_model(script)
    plain_server.fail_next(429, times=3, retry_after=0.01)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await apps.build_agent_with_model_retry().ainvoke(QUESTION)

    server = scripted_model(script)
    server.fail_next(429, times=3, retry_after=0.01)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await durable(apps.build_agent_with_model_retry(), name=f"retry-mw-ok-{unique}").ainvoke(QUESTION)

    assert result["messages"][-1].text == plain["messages"][-1].text == "Sunny in Lima."
    assert [r.status for r in server.requests] == [r.status for r in plain_server.requests] == [429] * 3 + [200]
    assert bodies(server) == bodies(plain_server)


async def test_a_node_retry_policy_decides_and_sees_the_providers_error_type(scripted_model, monkeypatch, unique):
    plain_server = scripted_model([Reply.text("never")])
    plain_server.fail_next(500, times=50)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    with pytest.raises(openai.InternalServerError) as plain_error:
        await apps.build_node_with_retry_policy().ainvoke(QUESTION)
    assert len(plain_server.requests) == 3  # the node's three attempts, the client retrying none

    server = scripted_model([Reply.text("never")])
    server.fail_next(500, times=50)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(apps.build_node_with_retry_policy(), name=f"retry-node-{unique}").start(QUESTION)
    with pytest.raises(RunFailedError) as failure:
        await handle.result()

    # retry_on=openai.InternalServerError matched: the node's policy saw the provider's own type.
    raised = type(plain_error.value)
    assert failure.value.type == f"{raised.__module__}.{raised.__qualname__}"
    assert len(server.requests) == len(plain_server.requests) == 3
    assert [(c.kind, c.attempt) for c in await recorded_calls(handle)] == [("model", 1)] * 3


async def test_tool_retry_middleware_runs_the_tool_as_often_as_plain(scripted_model, monkeypatch, unique, tmp_path):
    pytest.importorskip("langchain.agents", reason="langchain (create_agent) is not installed")
    script = [Reply.tool_call("flaky_forecast", {"city": "Lima"}), Reply.text("Rain tomorrow.")]
    counter = tmp_path / "failures"
    monkeypatch.setenv("FLAKY_FAILURES", str(counter))

    counter.write_text("2")
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await apps.build_agent_with_tool_retry().ainvoke(QUESTION)

    counter.write_text("2")
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(apps.build_agent_with_tool_retry(), name=f"retry-tool-{unique}").start(QUESTION)
    result = await handle.result()

    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert result["messages"][2].content == "Lima: rain tomorrow"
    assert counter.read_text() == "0"
    tool_runs = [(c.key, c.attempt) for c in await recorded_calls(handle) if c.kind == "tool"]
    assert tool_runs == [("flaky_forecast", 1)] * 3  # two failures, then the answer: as the middleware asked
    assert bodies(server) == bodies(plain_server)


def test_the_persisted_names_of_a_framework_retried_call():
    from durable_adapters_langgraph._payloads import HostedModel, ModelChunk, ModelFailure, ModelRequest

    request = ModelRequest(model=HostedModel(hosted="m"), messages=[], stop=None, kwargs={}, retried_by="retry_policy")
    assert request.data()["retried_by"] == "retry_policy"
    assert "retried_by" not in ModelRequest(model=HostedModel(hosted="m"), messages=[], stop=None, kwargs={}).data()
    failure = ModelFailure(type="openai:RateLimitError", message="slow down", status_code=429).data()
    assert failure == {"type": "openai:RateLimitError", "message": "slow down", "status_code": 429}
    assert ModelChunk(message={}, parsed_as="m:C").data() == {"message": {}, "parsed_as": "m:C"}


def test_a_failure_is_raised_again_as_the_providers_class():
    from durable_adapters import DurableCallError
    from durable_adapters_langgraph._payloads import ModelFailure
    from durable_adapters_langgraph._retries import error_of

    error = error_of(ModelFailure(type="openai:RateLimitError", message="slow down", status_code=429), "model")
    assert type(error) is openai.RateLimitError and str(error) == "slow down" and error.status_code == 429
    unknown = error_of(ModelFailure(type="nowhere.at_all:Gone", message="gone"), "model · x")
    assert isinstance(unknown, DurableCallError) and unknown.type == "nowhere.at_all.Gone"

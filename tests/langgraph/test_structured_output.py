"""Structured output by every method LangChain offers, plain vs durable: the same requests, the user's type back.

``with_structured_output(schema, method=...)`` for ``json_schema`` (the default: the pydantic class
itself is bound as ``response_format``), ``function_calling`` and ``json_mode``, with a pydantic
model, a TypedDict and a JSON-schema dict; ``include_raw=True``; ``bind(response_format=...)``;
``create_agent(response_format=...)`` with ToolStrategy, ProviderStrategy and a bare schema.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls
from tests.apps import langgraph_conformance as apps
from tests.langgraph._compare import bodies, messages_view

ANSWER = {"city": "Lima", "sunny": True}


def _reply(schema: str, method: str) -> Reply:
    if method == "function_calling":
        return Reply.tool_call(apps.SCHEMA_TOOL_NAMES[schema], ANSWER)
    return Reply.json(ANSWER)


async def _plain_and_durable(scripted_model, monkeypatch, build, script, graph_input, name):
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await build().ainvoke(graph_input)

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build(), name=name).start(graph_input)
    result = await handle.result()
    return plain, plain_server, result, server, handle


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
@pytest.mark.parametrize("schema", ["pydantic", "typeddict", "json_schema_dict"])
async def test_with_structured_output_gives_the_plain_answer_and_requests(
    scripted_model, monkeypatch, unique, schema, method
):
    plain, plain_server, result, server, handle = await _plain_and_durable(
        scripted_model,
        monkeypatch,
        lambda: apps.build_structured_output(schema, method),
        [_reply(schema, method)],
        {"question": "Weather in Lima?"},
        f"so-{schema}-{method}-{unique}".replace("_", "-"),
    )

    assert result["answer"] == plain["answer"]
    assert type(result["answer"]) is type(plain["answer"])
    if schema == "pydantic":
        assert result["answer"] == apps.Weather(**ANSWER)  # the user's class, not a dict
    else:
        assert result["answer"] == ANSWER
    assert bodies(server) == bodies(plain_server)
    assert [c.kind for c in await recorded_calls(handle)] == ["model"]


def _fields(value: Any) -> Any:
    return value.model_dump() if isinstance(value, apps.Weather) else value


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
async def test_include_raw_gives_the_raw_message_and_the_parsed_instance(scripted_model, monkeypatch, unique, method):
    plain, plain_server, result, server, _ = await _plain_and_durable(
        scripted_model,
        monkeypatch,
        lambda: apps.build_structured_output("pydantic", method, include_raw=True),
        [_reply("pydantic", method)],
        {"question": "Weather in Lima?"},
        f"so-raw-{method}-{unique}".replace("_", "-"),
    )

    answer, expected = result["answer"], plain["answer"]
    assert set(answer) == set(expected) == {"raw", "parsed", "parsing_error"}
    assert answer["parsed"] == expected["parsed"] == apps.Weather(**ANSWER)
    assert type(answer["parsed"]) is apps.Weather
    assert answer["parsing_error"] is expected["parsing_error"] is None
    assert isinstance(answer["raw"], AIMessage)
    assert messages_view([answer["raw"]]) == messages_view([expected["raw"]])
    # json_schema: the provider client's parsed instance rides on the raw message. The run's output
    # crosses to the client through LangGraph's checkpoint serializer, which writes a model nested
    # in a message's additional_kwargs as its fields (as a plain run with a checkpointer reads it).
    raw_parsed = answer["raw"].additional_kwargs.get("parsed")
    assert _fields(raw_parsed) == _fields(expected["raw"].additional_kwargs.get("parsed"))
    assert bodies(server) == bodies(plain_server)


async def test_a_sync_node_with_the_default_method(scripted_model, monkeypatch, unique):
    plain, plain_server, result, server, _ = await _plain_and_durable(
        scripted_model,
        monkeypatch,
        lambda: apps.build_structured_output_sync("pydantic", "json_schema"),
        [Reply.json(ANSWER)],
        {"question": "Weather in Lima?"},
        f"so-sync-{unique}",
    )
    assert result["answer"] == plain["answer"] == apps.Weather(**ANSWER)
    assert type(result["answer"]) is apps.Weather
    assert bodies(server) == bodies(plain_server)


async def test_bind_response_format_with_a_pydantic_class(scripted_model, monkeypatch, unique):
    plain, plain_server, result, server, _ = await _plain_and_durable(
        scripted_model,
        monkeypatch,
        apps.build_bound_response_format,
        [Reply.json(ANSWER)],
        {"question": "Weather in Lima?"},
        f"so-bind-{unique}",
    )
    assert result["answer"] == plain["answer"] == apps.Weather(**ANSWER)
    assert type(result["answer"]) is apps.Weather
    body = server.served[0].body
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Weather"  # the strict schema the client derives
    assert bodies(server) == bodies(plain_server)


@pytest.mark.parametrize("strategy", ["tool", "provider", "bare"])
async def test_create_agent_response_format(scripted_model, monkeypatch, unique, strategy):
    pytest.importorskip("langchain.agents", reason="langchain (create_agent) is not installed")
    final = Reply.tool_call("Weather", ANSWER) if strategy == "tool" else Reply.json(ANSWER)
    plain, plain_server, result, server, _ = await _plain_and_durable(
        scripted_model,
        monkeypatch,
        lambda: apps.build_agent_with_response_format(strategy),
        [Reply.tool_call("get_weather", {"city": "Lima"}), final],
        {"messages": [HumanMessage("Lima?")]},
        f"so-agent-{strategy}-{unique}",
    )
    assert result["structured_response"] == plain["structured_response"] == apps.Weather(**ANSWER)
    assert type(result["structured_response"]) is apps.Weather
    assert messages_view(result["messages"]) == messages_view(plain["messages"])
    assert bodies(server) == bodies(plain_server)


# -- the schema as data ------------------------------------------------------------------------


def test_a_bound_class_travels_as_a_reference_and_its_json_schema():
    from langchain_core.load import dumpd

    from durable_adapters_langgraph import _structured_output
    from durable_adapters_langgraph._values import not_serialisable

    data = dumpd(_structured_output.kwargs_as_data({"response_format": apps.Weather, "temperature": 0}))
    assert not not_serialisable(data)
    # Persisted names: the key and the fields of the reference.
    assert data == {
        "response_format": {
            "__durable_schema__": {
                "schema_class": "tests.apps.langgraph_conformance:Weather",
                "json_schema": apps.Weather.model_json_schema(),
            }
        },
        "temperature": 0,
    }


def test_a_worker_that_never_saw_the_class_imports_it_and_checks_its_schema(monkeypatch):
    from durable_adapters import UnsupportedError
    from durable_adapters_langgraph import _structured_output

    monkeypatch.setattr(_structured_output, "_seen", {})
    recorded: dict[str, Any] = {
        "schema_class": "tests.apps.langgraph_conformance:Weather",
        "json_schema": apps.Weather.model_json_schema(),
    }
    found = _structured_output.kwargs_from_data({"response_format": {"__durable_schema__": recorded}})
    assert found == {"response_format": apps.Weather}

    changed = {**recorded, "json_schema": {**recorded["json_schema"], "required": ["city"]}}
    with pytest.raises(UnsupportedError, match="not the schema the run recorded"):
        _structured_output.kwargs_from_data({"response_format": {"__durable_schema__": changed}})

    local = {**recorded, "schema_class": "tests.apps.langgraph_conformance:build.<locals>.Weather"}
    with pytest.raises(UnsupportedError, match="Define the schema at module level"):
        _structured_output.kwargs_from_data({"response_format": {"__durable_schema__": local}})


async def test_the_default_method_streams_its_tokens_and_the_parsed_instance(scripted_model, monkeypatch, unique):
    """'messages' mode: the answer's tokens stream live; the chunk carrying the provider client's
    parsed answer has the user's class, as in a plain run."""
    runs = []
    for kind in ("plain", "durable"):
        server = scripted_model([Reply.json(ANSWER)])
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        graph: Any = apps.build_structured_output("pydantic", "json_schema")
        if kind == "durable":
            graph = durable(graph, name=f"so-stream-{unique}")
        chunks = [chunk async for chunk in graph.astream({"question": "Lima?"}, stream_mode=["messages", "values"])]
        runs.append((server, chunks))
    (plain_server, plain), (server, mine) = runs

    def shown(chunks: list[Any]) -> list[Any]:
        return [
            (mode, chunk[0].content, chunk[0].additional_kwargs) if mode == "messages" else (mode, chunk)
            for mode, chunk in chunks
        ]

    assert shown(mine) == shown(plain)
    parsed = [
        c[0].additional_kwargs["parsed"]
        for mode, c in mine
        if mode == "messages" and "parsed" in c[0].additional_kwargs
    ]
    assert parsed == [apps.Weather(**ANSWER)] and type(parsed[0]) is apps.Weather
    assert mine[-1] == ("values", {"question": "Lima?", "answer": apps.Weather(**ANSWER)})
    assert bodies(server) == bodies(plain_server)
    assert server.served[0].body["stream"] is True


async def test_a_structured_answer_from_history_is_the_users_class_on_a_new_worker(
    scripted_model, worker_process, tmp_path, unique
):
    """The structured call finished, the worker is SIGKILLed during the next (tool) call; a fresh
    worker process replays the answer from history and gives it the user's class."""
    from durable_adapters.testing import wait_for_line

    server = scripted_model([Reply.json(ANSWER)])
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    hold.write_text("get_weather Lima")
    name = f"so-kill-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    target = f"{name}=tests.apps.langgraph_conformance:build_checked_forecast"

    first = worker_process(target, env=env)
    handle = await durable(apps.build_checked_forecast(), name=name, worker=False).start(
        {"question": "Weather in Lima?", "answer": None, "report": ""}
    )
    await wait_for_line(tool_log, "get_weather Lima")
    first.kill()
    assert first.returncode == -9

    hold.unlink()
    worker_process(target, env=env)
    result = await asyncio.wait_for(handle.result(), timeout=90)

    assert result["answer"] == apps.Weather(**ANSWER) and type(result["answer"]) is apps.Weather
    assert result["report"] == "Lima: sunny, 21C"
    assert len(server.served) == 1 and server.repeats == []  # the structured call was not sent again

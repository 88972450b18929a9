"""A program that calls ``invoke`` more than once: every call works, as in a plain program."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage

from durable_adapters import durable
from durable_adapters.testing import Reply
from tests.apps.langgraph_apps import build_react_agent

from ._compare import bodies, messages_view


def test_invoke_twice_in_one_program(scripted_model: Any, monkeypatch, unique: str) -> None:
    script = [Reply.text("Sunny."), Reply.text("Rainy.")]
    questions = [{"messages": [HumanMessage("Paris?")]}, {"messages": [HumanMessage("Oslo?")]}]
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    graph = build_react_agent()
    plain = [graph.invoke(q)["messages"] for q in questions]

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    # LangChain caches its OpenAI client's async HTTP pool per process: the second call used to
    # fail with "Event loop is closed" (a new loop per sync call).
    dgraph = durable(build_react_agent(), name=f"sync-{unique}")
    results = [dgraph.invoke(q)["messages"] for q in questions]

    assert [messages_view(m) for m in results] == [messages_view(m) for m in plain]
    assert bodies(server) == bodies(plain_server)

"""A program that calls ``run_sync`` more than once: every call works, as in a plain program."""

from __future__ import annotations

from typing import Any

import pytest
from agents import Agent, Runner, set_tracing_disabled

from durable_adapters import durable
from durable_adapters.testing import Reply
from tests.apps.openai_weather import model


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


def test_run_sync_twice_in_one_program(scripted_model: Any, monkeypatch, unique: str) -> None:
    script = [Reply.text("Sunny."), Reply.text("Rainy.")]
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    agent = Agent(name=f"sync_{unique}", instructions="Answer briefly.", model=model())
    plain = [Runner.run_sync(agent, q).final_output for q in ("Paris?", "Oslo?")]

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    # The model's client is made once and kept, as an application keeps it; the second call
    # used to fail with "Event loop is closed" (a new loop per sync call).
    dagent = durable(Agent(name=f"sync_{unique}", instructions="Answer briefly.", model=model()))
    durable_outputs = [dagent.run_sync(q).final_output for q in ("Paris?", "Oslo?")]

    assert durable_outputs == plain == ["Sunny.", "Rainy."]
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]

"""A program that calls ``kickoff`` more than once: every call works, as in a plain program."""

from __future__ import annotations

from typing import Any

from durable_adapters import durable
from durable_adapters.testing import Reply
from tests.apps.crewai_crews import build_research_crew

SCRIPT = [
    Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_population", {"city": "Paris"})]),
    Reply.text("Paris: sunny, 21C; 2.1 million people."),
    Reply.text("Paris is sunny at 21C and home to 2.1 million."),
]


def test_kickoff_twice_in_one_program(scripted_model: Any, monkeypatch, unique: str) -> None:
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = [build_research_crew().kickoff(inputs={"city": "Paris"}).raw for _ in range(2)]

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    crew = durable(build_research_crew(), name=f"sync-{unique}")
    outputs = [crew.kickoff(inputs={"city": "Paris"}).raw for _ in range(2)]

    assert outputs == plain
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]

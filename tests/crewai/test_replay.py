"""Replay: recorded crew histories replay on the current code; a deliberate change is caught.

Re-record the committed histories with ``DURABLE_RECORD_HISTORIES=1 pytest tests/crewai -k record``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from durable_adapters import durable, host
from durable_adapters._replay import replay_histories
from durable_adapters.testing import history_json, wait_for_pending_input
from tests.apps.crewai_crews import (
    build_hierarchical_crew,
    build_human_crew,
    build_research_crew,
    build_research_crew_edited,
)
from tests.crewai.test_human_input import SCRIPT as HUMAN_SCRIPT
from tests.crewai.test_run import HIERARCHICAL_SCRIPT, RESEARCH_SCRIPT

ROOT = Path(__file__).resolve().parents[2]
HISTORIES = ROOT / "tests" / "histories" / "crewai"
# hosted name -> (factory, script, inputs, human answers); the committed histories were
# recorded under these names.
RECORDED = {
    "history-research": (build_research_crew, RESEARCH_SCRIPT, {"city": "Paris"}, []),
    "history-hierarchical": (build_hierarchical_crew, HIERARCHICAL_SCRIPT, {"city": "Paris"}, []),
    "history-human": (build_human_crew, HUMAN_SCRIPT, {"city": "Paris"}, ["Make it shorter.", ""]),
}


@pytest.fixture(scope="module")
def recorded_crews():
    return [host(factory(), name=name) for name, (factory, *_) in RECORDED.items()]


@pytest.mark.skipif(
    not os.environ.get("DURABLE_RECORD_HISTORIES"), reason="set DURABLE_RECORD_HISTORIES=1 to re-record"
)
@pytest.mark.parametrize("name", sorted(RECORDED))
async def test_record_history(name, scripted_model, monkeypatch):
    """Re-records one committed history (run alone: ``-k record``)."""
    factory, script, inputs, answers = RECORDED[name]
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(factory(), name=name).start(inputs=inputs, run_id=f"recorded-{name}")
    for answer in answers:
        await wait_for_pending_input(handle)
        await handle.resume(answer)
    await handle.result()
    HISTORIES.mkdir(parents=True, exist_ok=True)
    (HISTORIES / f"{name.removeprefix('history-')}.json").write_text(await history_json(handle))


def load_histories() -> list[WorkflowHistory]:
    files = sorted(HISTORIES.glob("*.json"))
    assert files, "no recorded histories: run with DURABLE_RECORD_HISTORIES=1 once"
    return [WorkflowHistory.from_json(path.stem, path.read_text()) for path in files]


async def test_committed_histories_replay_on_the_current_code(recorded_crews):
    histories = load_histories()
    assert {h.workflow_id for h in histories} == {name.removeprefix("history-") for name in RECORDED}

    results = await replay_histories(histories)

    assert [r.replay_failure for r in results] == [None] * len(histories)


async def test_a_renamed_tool_does_not_replay_and_the_divergent_call_is_named(unique):
    from durable_adapters import REGISTRY

    (research,) = [h for h in load_histories() if h.workflow_id == "research"]
    # The same hosted name, now serving the edited crew (as a worker with new code would).
    REGISTRY.remove("history-research")
    try:
        host(build_research_crew_edited(), name="history-research")
        (result,) = await replay_histories([research])
    finally:
        REGISTRY.remove("history-research")
        host(build_research_crew(), name="history-research")

    assert result.replay_failure is not None
    message = str(result.replay_failure)
    assert "nondetermin" in message.lower(), message
    assert "tool agents[0].tools[get_weather]" in message, message

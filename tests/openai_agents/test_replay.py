"""Replay: recorded histories replay on the current code; a deliberate change is caught, naming the call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from durable_adapters import host
from durable_adapters._replay import replay_histories
from durable_adapters.testing import Reply, history_json
from tests.apps.openai_weather import build_looper, build_triage
from tests.openai_agents.test_run import TRIAGE_SCRIPT

ROOT = Path(__file__).resolve().parents[2]
HISTORIES = ROOT / "tests" / "histories" / "openai_agents"
RECORDED_NAME = "history-triage"  # the hosted name the committed histories were recorded under


@pytest.fixture(scope="module")
def recorded_triage():
    return host(build_triage(), name=RECORDED_NAME)


@pytest.mark.skipif(
    not os.environ.get("DURABLE_RECORD_HISTORIES"), reason="set DURABLE_RECORD_HISTORIES=1 to re-record"
)
async def test_record_history(scripted_model, monkeypatch):
    """Re-records the committed history (run alone: ``-k record``), with the model server's URL in place."""
    from durable_adapters import durable

    server = scripted_model(TRIAGE_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_triage(), name=RECORDED_NAME).start("Weather in Paris?", run_id="recorded-triage")
    await handle.result()
    HISTORIES.mkdir(parents=True, exist_ok=True)
    (HISTORIES / "triage.json").write_text(await history_json(handle))


async def test_committed_histories_replay_on_the_current_code(recorded_triage):
    files = sorted(HISTORIES.glob("*.json"))
    assert files, "no recorded histories: run with DURABLE_RECORD_HISTORIES=1 once"
    histories = [WorkflowHistory.from_json(path.stem, path.read_text()) for path in files]

    results = await replay_histories(histories)

    assert [r.replay_failure for r in results] == [None] * len(files)


def replay_cli(run_id: str, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "durable_adapters", "replay", run_id, target],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.faults
async def test_replay_cli_passes_on_the_same_code_and_names_the_divergent_call_after_an_edit(
    scripted_model, monkeypatch, unique
):
    from durable_adapters import durable

    server = scripted_model([Reply.tool_call("get_weather", {"city": "Paris"}), Reply.text("Sunny.")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    name = f"looper-replay-{unique}"
    handle = await durable(build_looper(), name=name).start("Paris?")
    await handle.result()

    same = replay_cli(handle.run_id, f"{name}=tests.apps.openai_weather:build_looper")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "replays cleanly" in same.stdout

    edited = replay_cli(handle.run_id, f"{name}=tests.apps.openai_weather:build_looper_edited")
    assert edited.returncode == 1
    assert "no longer replays" in edited.stderr
    assert "Nondeterminism" in edited.stderr or "nondeterminism" in edited.stderr.lower()
    assert "2 tool looper/get_weather" in edited.stderr, (
        edited.stderr
    )  # the recorded call the edited code no longer makes

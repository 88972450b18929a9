"""A 1,000-call run: it continues as new before any history warning, and no model request is repeated."""

from __future__ import annotations

import pytest
from agents import set_tracing_disabled

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls, run_histories

pytestmark = pytest.mark.slow

TOOL_CALLS = 500  # 501 model calls + 500 tool calls
# Temporal's warning thresholds (limit.historySize.warn, limit.historyCount.warn defaults).
HISTORY_SIZE_WARN = 10 * 1024 * 1024
HISTORY_EVENTS_WARN = 10 * 1024


async def test_a_thousand_call_run_completes_with_bounded_history(scripted_model, monkeypatch, unique):
    set_tracing_disabled(True)
    from tests.apps.openai_weather import build_looper

    script = [Reply.tool_call("get_weather", {"city": f"city-{i}"}) for i in range(TOOL_CALLS)] + [Reply.text("done")]
    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    handle = await durable(build_looper(), name=f"long-{unique}").start("Check every city.", max_turns=TOOL_CALLS + 2)
    result = await handle.result()

    assert result.final_output == "done"
    assert len(server.served) == TOOL_CALLS + 1 and not server.repeats
    # The run continued as new when Temporal suggested it (4,096 events), so no history came
    # near the warnings; the calls it made before were not made again (no repeats above).
    histories = await run_histories(handle)
    assert len(histories) >= 2
    for events in histories:
        assert len(events) < HISTORY_EVENTS_WARN
        assert sum(event.ByteSize() for event in events) < HISTORY_SIZE_WARN
    calls = await recorded_calls(handle)
    assert [call.sequence for call in calls] == list(range(1, 2 * TOOL_CALLS + 2))

"""A 1,000-call run: history stays bounded (no size warning) and no model request is repeated."""

from __future__ import annotations

import pytest
from agents import set_tracing_disabled

from durable_adapters import durable
from durable_adapters.testing import Reply

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
    info = (await handle.workflow_handle.describe()).raw_description.workflow_execution_info
    assert info.history_length < HISTORY_EVENTS_WARN
    assert info.history_size_bytes < HISTORY_SIZE_WARN
    # Linear, not quadratic: about 11 KB per model call (the whole conversation each time was
    # ~1 MB at 50 calls and ~2.9 MB at 100).
    assert info.history_size_bytes < 25_000 * (TOOL_CALLS + 1)

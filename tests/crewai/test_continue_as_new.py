"""A crew run that continues as new mid-way is, to the user, the same run: same output, no call made twice.

``continue_as_new_after_events`` is set low so the two-agent research crew is spread over
several Temporal runs; each fast-forwards through the calls of the ones before (see
``durable_adapters._continue_as_new``).
"""

from __future__ import annotations

from durable_adapters.testing import recorded_calls, run_histories
from tests.apps.crewai_crews import build_research_crew
from tests.crewai.test_run import RESEARCH_SCRIPT, durable_kickoff, plain_kickoff


async def test_a_run_spread_over_several_temporal_runs_is_the_plain_run(scripted_model, monkeypatch, unique):
    plain, plain_server = await plain_kickoff(
        scripted_model, monkeypatch, build_research_crew, RESEARCH_SCRIPT, {"city": "Paris"}
    )

    handle, result, server = await durable_kickoff(
        scripted_model,
        monkeypatch,
        build_research_crew,
        RESEARCH_SCRIPT,
        {"city": "Paris"},
        name=f"research-can-{unique}",
        continue_as_new_after_events=12,
    )

    assert result.raw == plain.raw
    assert [t.raw for t in result.tasks_output] == [t.raw for t in plain.tasks_output]
    assert result.token_usage == plain.token_usage
    assert len(await run_histories(handle)) >= 2
    assert not server.repeats
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    calls = await recorded_calls(handle)
    assert [c.sequence for c in calls] == [1, 2, 3, 4, 5]

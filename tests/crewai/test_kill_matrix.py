"""Kill matrix: a worker SIGKILLed after every LLM call k of a crew run, with the next call in flight.

For each reference run and each LLM-call index k, the worker is killed once LLM call k has
finished and the call after it is certainly running (a held tool, or the next LLM request held
at the scripted server); a new worker finishes the run. ``KilledRun.check`` then asserts, against
the same run without faults: the same output, no LLM request answered before the kill sent again
(one in flight at the kill at most once more), each tool run at most once more, and the same
calls in history. The last LLM call has no call after it: k = N kills while it is in flight.
"""

from __future__ import annotations

import pytest

from durable_adapters.testing import KillPoint, Reply
from tests.apps import crewai_crews
from tests.crewai.test_run import RESEARCH_SCRIPT
from tests.kill_matrix_fixtures import kill_matrix_fixtures

pytestmark = pytest.mark.faults

LOOPER_SCRIPT = [
    Reply.tool_call("get_weather", {"city": "Paris"}),
    Reply.tool_call("get_weather", {"city": "Rome"}),
    Reply.text("All sunny."),
]
# Reference runs: the crew, its script and its inputs.
RUNS = {
    # one agent with a tool: LLM, tool, LLM, tool, LLM
    "looper": ("build_looper_crew", LOOPER_SCRIPT, {"cities": "Paris and Rome"}),
    # researcher: LLM, get_weather + get_population, LLM; then the writer: LLM
    "research": ("build_research_crew", RESEARCH_SCRIPT, {"city": "Paris"}),
}
CASES = [
    ("looper", 1, KillPoint(1, tool="get_weather Paris")),
    ("looper", 2, KillPoint(2, tool="get_weather Rome")),
    ("looper", 3, KillPoint(2)),  # the last LLM call in flight
    ("research", 1, KillPoint(1, tool="get_weather Paris")),
    ("research", 2, KillPoint(2)),  # the writer's LLM call, the second agent's first
    # k = 3: the writer's call in flight, which is k = 2 again
]


def output(result):
    return result.raw, [(t.agent, t.raw) for t in result.tasks_output], result.token_usage


matrix, apps = kill_matrix_fixtures(crewai_crews, RUNS, prefix="crew")


@pytest.mark.parametrize(("run", "k", "point"), CASES, ids=[f"{run}-k{k}" for run, k, _ in CASES])
async def test_kill_after_llm_call_k(run, k, point, matrix, apps):
    _, script, inputs = RUNS[run]

    def start():
        return apps[run].start(inputs=inputs)

    reference = await matrix.fault_free(run, script, start, output)
    assert sum(kind == "model" for kind, _ in reference.calls) == len(script)

    killed = await matrix.killed(script, start, point, output)
    print(f"{run} k={k} ({point}): finished {killed.seconds_to_finish:.1f} s after the kill")

    killed.check(reference)

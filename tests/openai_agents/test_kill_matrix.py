"""Kill matrix: a worker SIGKILLed after every model call k of a run, with the next call in flight.

For each reference run and each model-call index k, the worker is killed once model call k has
finished and the call after it is certainly running (a held tool, or a model request held at
the scripted server); a new worker finishes the run. ``KilledRun.check`` then asserts, against
the same run without faults: the same output, no model request answered before the kill sent
again (one in flight at the kill at most once more), each tool run at most once more, and the
same calls in history. The last model call has no call after it: k = N kills while it is in
flight itself.
"""

from __future__ import annotations

import pytest

from durable_adapters.testing import KillPoint, Reply
from tests.apps import openai_weather
from tests.kill_matrix_fixtures import kill_matrix_fixtures
from tests.openai_agents.test_run import TRIAGE_SCRIPT

pytestmark = pytest.mark.faults

LOOPER_SCRIPT = [
    Reply.tool_call("get_weather", {"city": "Paris"}),
    Reply.tool_call("get_weather", {"city": "Rome"}),
    Reply.text("All sunny."),
]
# Reference runs: the app, its script and its input.
RUNS = {
    # model, tool, model, tool, model
    "looper": ("build_looper", LOOPER_SCRIPT, "Weather in Paris and Rome?"),
    # triage: get_weather + get_local_time in parallel; triage: translate (an agent as a tool);
    # translator; triage: handoff; reporter
    "triage": ("build_triage", TRIAGE_SCRIPT, "Weather in Paris?"),
}
CASES = [
    ("looper", 1, KillPoint(1, tool="get_weather Paris")),
    ("looper", 2, KillPoint(2, tool="get_weather Rome")),
    ("looper", 3, KillPoint(2)),  # the last model call in flight
    ("triage", 1, KillPoint(1, tool="get_weather Paris")),  # its parallel sibling may finish or not
    ("triage", 2, KillPoint(2)),  # the translator's model call, inside the agent tool
    ("triage", 3, KillPoint(3)),  # triage's model call after the translation
    ("triage", 4, KillPoint(4)),  # the reporter's model call after the handoff
    # k = 5: the reporter's call in flight, which is k = 4 again
]


def output(result):
    return result.final_output, result.last_agent.name, result.to_input_list()


matrix, apps = kill_matrix_fixtures(openai_weather, RUNS, prefix="oa")


@pytest.mark.parametrize(("run", "k", "point"), CASES, ids=[f"{run}-k{k}" for run, k, _ in CASES])
async def test_kill_after_model_call_k(run, k, point, matrix, apps):
    _, script, text = RUNS[run]

    def start():
        return apps[run].start(text)

    reference = await matrix.fault_free(run, script, start, output)
    assert sum(kind == "model" for kind, _ in reference.calls) == len(script)

    killed = await matrix.killed(script, start, point, output)
    print(f"{run} k={k} ({point}): finished {killed.seconds_to_finish:.1f} s after the kill")

    killed.check(reference)

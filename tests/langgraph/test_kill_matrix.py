"""Kill matrix: a worker SIGKILLed after every model call k of a graph run, with the next call in flight.

For each reference run and each model-call index k, the worker is killed once model call k has
finished and the call after it is certainly running (a held tool, or model requests held at the
scripted server); a new worker finishes the run. ``KilledRun.check`` then asserts, against the
same run without faults: the same output, no model request answered before the kill sent again
(one in flight at the kill at most once more), each tool run at most once more, and the same
calls in history. The last model call has no call after it: k = N kills while it is in flight.
"""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from durable_adapters.testing import KillPoint, Reply
from tests.apps import langgraph_apps
from tests.kill_matrix_fixtures import kill_matrix_fixtures
from tests.langgraph._compare import messages_view
from tests.langgraph.test_run import _essay_script

pytestmark = [pytest.mark.faults, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

REACT_SCRIPT = [
    Reply.tool_call("get_weather", {"city": "Paris"}),
    Reply.tool_call("get_local_time", {"city": "Paris"}),
    Reply.text("Paris is sunny at noon."),
]
TOPICS = ["cats", "dogs", "owls"]
# Reference runs: the app, its script and its input.
RUNS = {
    # the prebuilt ReAct agent: model, sync tool, model, async tool, model
    "react": ("build_react_agent", REACT_SCRIPT, {"messages": [HumanMessage("Paris?")]}),
    # Send fan-out: three parallel model calls (one per topic), then the summary's model call
    "map_reduce": ("build_map_reduce", _essay_script, {"topics": TOPICS}),
}
CASES = [
    ("react", 1, KillPoint(1, tool="get_weather Paris")),
    ("react", 2, KillPoint(2, tool="get_local_time Paris")),
    ("react", 3, KillPoint(2)),  # the last model call in flight
    ("map_reduce", 1, KillPoint(1)),  # one draft answered, its two parallel siblings in flight
    ("map_reduce", 2, KillPoint(2)),  # two drafts answered, one in flight
    ("map_reduce", 3, KillPoint(3)),  # all drafts answered, the summary in flight
    # k = 4: the summary in flight, which is k = 3 again
]


def output(result):
    if "messages" in result:
        return messages_view(result["messages"])
    return result


matrix, apps = kill_matrix_fixtures(langgraph_apps, RUNS, prefix="lg")


@pytest.mark.parametrize(("run", "k", "point"), CASES, ids=[f"{run}-k{k}" for run, k, _ in CASES])
async def test_kill_after_model_call_k(run, k, point, matrix, apps):
    _, script, graph_input = RUNS[run]

    def start():
        return apps[run].start(graph_input)

    reference = await matrix.fault_free(run, script, start, output)
    assert sum(kind == "model" for kind, _ in reference.calls) == (
        len(TOPICS) + 1 if run == "map_reduce" else len(script)
    )

    killed = await matrix.killed(script, start, point, output)
    print(f"{run} k={k} ({point}): finished {killed.seconds_to_finish:.1f} s after the kill")

    killed.check(reference)

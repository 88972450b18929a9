"""A graph run that continues as new mid-way is, to the user, the same run: same output, no call made twice.

``continue_as_new_after_events`` is set low so a ReAct agent and a ``Send`` fan-out are spread
over several Temporal runs; each fast-forwards through the calls of the ones before (see
``durable_adapters._continue_as_new``), the fan-out's parallel calls in the order they finished.
"""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from durable_adapters.testing import Reply, recorded_calls, run_histories
from tests.apps.langgraph_apps import build_map_reduce, build_react_agent
from tests.langgraph._compare import messages_view, sorted_bodies
from tests.langgraph.test_run import TOPICS, _essay_script, plain_and_durable

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CITIES = ["Paris", "Rome", "Oslo", "Lima"]
REACT_SCRIPT = [Reply.tool_call("get_weather", {"city": city}) for city in CITIES] + [Reply.text("All sunny.")]


@pytest.mark.parametrize(
    ("build", "script", "graph_input"),
    [
        (build_react_agent, REACT_SCRIPT, {"messages": [HumanMessage("Weather in Paris, Rome, Oslo and Lima?")]}),
        (build_map_reduce, _essay_script, {"topics": TOPICS + ["ants", "moles", "crows"]}),
    ],
    ids=["react-agent", "send-fan-out"],
)
async def test_a_run_spread_over_several_temporal_runs_is_the_plain_run(
    build, script, graph_input, scripted_model, monkeypatch, unique
):
    plain, plain_server, result, server, handle = await plain_and_durable(
        scripted_model,
        monkeypatch,
        build,
        script,
        graph_input,
        f"{build.__name__}-can-{unique}".replace("_", "-"),
        continue_as_new_after_events=20,
    )

    if "messages" in plain:
        assert messages_view(result["messages"]) == messages_view(plain["messages"])
    else:
        assert result == plain
    assert len(await run_histories(handle)) >= 2
    assert not server.repeats
    assert sorted_bodies(server) == sorted_bodies(plain_server)
    calls = await recorded_calls(handle)
    assert [c.sequence for c in calls] == list(range(1, len(calls) + 1))

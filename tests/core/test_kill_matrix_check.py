"""``KilledRun.check``, the kill matrix's verdict, on made-up records: it passes what durability
allows after a kill and catches each broken promise."""

from __future__ import annotations

from collections import Counter

import pytest

from durable_adapters.testing import KilledRun, KillPoint, RunRecord

CALLS = [("model", "a"), ("tool", "a/t"), ("model", "a"), ("model", "a")]
REFERENCE = RunRecord(
    output="done", bodies=["m1", "m2", "m3"], repeats=[], tool_starts=Counter({"t": 1, "u": 1}), calls=CALLS
)


def killed_during_tool(**changes) -> KilledRun:
    """Killed after model call 1 while tool ``t`` ran: ``t`` ran again, nothing else."""
    fields = dict(
        output="done",
        bodies=["m1", "m2", "m3"],
        repeats=[],
        tool_starts=Counter({"t": 2, "u": 1}),
        calls=list(CALLS),
        point=KillPoint(1, tool="t"),
        answered_before_kill=("m1",),
        in_flight_at_kill=(),
    )
    return KilledRun(**{**fields, **changes})


def killed_during_model_call(**changes) -> KilledRun:
    """Killed after model call 1 while model call 2 was in flight: m2 was sent once more."""
    fields = dict(
        output="done",
        bodies=["m1", "m2", "m2", "m3"],
        repeats=["m2"],
        tool_starts=Counter({"t": 1, "u": 1}),
        calls=list(CALLS),
        point=KillPoint(1),
        answered_before_kill=("m1",),
        in_flight_at_kill=("m2",),
    )
    return KilledRun(**{**fields, **changes})


def test_what_durability_allows_passes():
    killed_during_tool().check(REFERENCE)
    killed_during_tool(tool_starts=Counter({"t": 2, "u": 2})).check(REFERENCE)  # a sibling in flight ran again
    killed_during_model_call().check(REFERENCE)
    killed_during_model_call(bodies=["m1", "m2", "m3"], repeats=[]).check(REFERENCE)  # not sent again at all


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (killed_during_tool(output="other"), "output"),
        (
            killed_during_tool(bodies=["m1", "m1", "m2", "m3"], repeats=["m1"]),
            "answered before the kill was sent 2 times",
        ),
        (killed_during_tool(bodies=["m1", "m2", "m2", "m3"], repeats=["m2"]), "sent again while a tool was in flight"),
        (killed_during_model_call(bodies=["m1", "m2", "m2", "m2", "m3"], repeats=["m2", "m2"]), "sent 3 times"),
        (killed_during_model_call(bodies=["m1", "m2", "m3", "m3"], repeats=["m3"]), "not in flight at the kill"),
        (killed_during_tool(bodies=["m1", "m2", "other"]), "other requests"),
        (killed_during_tool(tool_starts=Counter({"t": 3, "u": 1})), "tool 't' ran 3 times"),
        (
            killed_during_tool(tool_starts=Counter({"t": 1, "u": 1})),
            "tool 't' ran 1 times",
        ),  # the held tool must run again
        (killed_during_tool(tool_starts=Counter({"t": 2})), "tools"),
        (killed_during_tool(calls=CALLS[:-1]), "history calls"),
    ],
)
def test_each_broken_promise_is_caught(record, message):
    with pytest.raises(AssertionError, match=message):
        record.check(REFERENCE)

"""Every CrewAI internal the adapter relies on is still where it was, with the same parameters.

The list is ``durable_adapters_crewai._internals.INTERNALS``; this runs on every tested CrewAI
release (both ends of the declared range), without a Temporal server, so an upgrade that moves,
renames or reorders one of them fails here by name rather than deep inside a durable run.
"""

from __future__ import annotations

import dataclasses

import crewai
import pytest

from durable_adapters_crewai._internals import INTERNALS, Internal, check


@pytest.fixture(scope="module", autouse=True)
def _temporal_env():
    """No Temporal server for this module (this replaces tests/conftest.py's session fixture of
    the same name here): it only imports CrewAI and reads its code."""
    yield


def test_every_framework_internal_is_present_with_the_parameters_the_adapter_uses():
    problems = check()
    assert not problems, (
        f"crewai {crewai.__version__}: the adapter relies on points that are missing or changed:\n"
        + "\n".join(problems)
    )


def test_the_check_names_every_point_that_is_missing_or_changed():
    # The check itself must not pass vacuously: entries made wrong in each way it looks for are
    # all reported, each by name, and the right ones are not.
    by_path = {entry.path: entry for entry in INTERNALS}
    wrong = (
        dataclasses.replace(by_path["BaseLLM.call"], path="BaseLLM.call_gone"),
        dataclasses.replace(by_path["CrewAIEventsBus.emit"], params=("event", "source")),
        dataclasses.replace(by_path["TaskStartedEvent.type"], value="task_begun"),
        dataclasses.replace(by_path["BaseLLM._token_usage"], path="BaseLLM._usage"),
        Internal("crewai.no_such_module", "Thing", "read", "workflow", "for this test"),
    )
    problems = check((*wrong, by_path["BaseLLM.acall"]))
    assert [p.split(" ", 1)[0] for p in problems] == [
        "crewai.llms.base_llm:BaseLLM.call_gone",
        "crewai.events.event_bus:CrewAIEventsBus.emit",
        "crewai.events.types.task_events:TaskStartedEvent.type",
        "crewai.llms.base_llm:BaseLLM._usage",
        "crewai.no_such_module:Thing",
    ]


def test_the_adapters_patches_are_seen_through():
    # Once the adapter's patches are installed (any durable run in the process installs them), the
    # check must still look at CrewAI's own code, not at the adapter's replacements.
    from durable_adapters_crewai import _human, _inside, _tools

    _tools.install()
    _inside.install()
    _human.install()
    assert check() == []


def test_every_record_says_what_why_and_which_side():
    for entry in INTERNALS:
        assert entry.use in ("patched", "replaced", "read", "called"), entry
        assert entry.side in ("workflow", "activity", "wrap"), entry
        assert entry.why, entry
    assert len({entry.name for entry in INTERNALS}) == len(INTERNALS)

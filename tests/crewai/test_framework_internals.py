"""Every CrewAI internal the adapter relies on is still where it was, with the same parameters.

Two lists: the points the adapter replaces (the interception table
``durable_adapters_crewai._interception.PATCHES``, also shown in docs/architecture.md) and the
ones it reads or calls (``durable_adapters_crewai._internals.INTERNALS``). This runs on every
tested CrewAI release (both ends of the declared range), without a Temporal server, so an upgrade
that moves, renames or reorders one of them fails here by name rather than deep inside a durable
run.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path
from typing import Any

import crewai
import pytest
from crewai.llms.base_llm import BaseLLM
from crewai.tools.base_tool import BaseTool, Tool

from durable_adapters.adapter import InterceptedPoint
from durable_adapters_crewai import _interception
from durable_adapters_crewai._interception import PATCHES
from durable_adapters_crewai._internals import INTERNALS, Internal, check

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


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
        dataclasses.replace(by_path["OpenAICompletion.call"], path="OpenAICompletion.call_gone"),
        dataclasses.replace(by_path["Agent.aexecute_task"], params=("context", "task")),
        dataclasses.replace(by_path["TaskStartedEvent.type"], value="task_begun"),
        dataclasses.replace(by_path["BaseLLM._token_usage"], path="BaseLLM._usage"),
        Internal("crewai.no_such_module", "Thing", "read", "workflow", "for this test"),
    )
    problems = check((*wrong, by_path["OpenAICompletion.acall"]))
    assert [p.split(" ", 1)[0] for p in problems] == [
        "crewai.llms.providers.openai.completion:OpenAICompletion.call_gone",
        "crewai.agent.core:Agent.aexecute_task",
        "crewai.events.types.task_events:TaskStartedEvent.type",
        "crewai.llms.base_llm:BaseLLM._usage",
        "crewai.no_such_module:Thing",
    ]


def test_the_adapters_replacements_are_seen_through():
    # Once the table is installed (any durable run in the process installs it) and a provider
    # class has its overrides replaced, the check must still look at CrewAI's own code.
    from crewai.llms.providers.openai.completion import OpenAICompletion

    _interception.install()
    _interception.intercept_llm_class(OpenAICompletion)
    assert check() == []


def test_every_record_says_what_why_and_which_side():
    for entry in INTERNALS:
        assert entry.use in ("patched", "replaced", "read", "called"), entry
        assert entry.side in ("workflow", "activity", "wrap"), entry
        assert entry.why, entry
    assert len({entry.name for entry in INTERNALS}) == len(INTERNALS)


# -- the interception table -------------------------------------------------------------------


def original_of(point: InterceptedPoint) -> Any:
    """The framework's own function at a point (the original, once the table is installed)."""
    value = vars(point.owner)[point.attribute]
    if isinstance(value, staticmethod | classmethod):
        value = value.__func__
    return value.__wrapped__ if PATCHES.installed else value


def replaced_parameters(point: InterceptedPoint) -> list[str]:
    """The parameters a replacement names (after ``original``): the original must take them all."""
    parameters = list(inspect.signature(point.replacement).parameters.values())[1:]
    return [p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def point_problems(point: InterceptedPoint) -> list[str]:
    """What is wrong with one point of the table on the installed versions (empty when it holds)."""
    if point.attribute not in vars(point.owner):
        return [f"{point.attribute!r} is no longer defined on {point.owner.__name__} itself (replaced there)"]
    found: list[str] = []
    original = original_of(point)
    if inspect.iscoroutinefunction(point.replacement) != inspect.iscoroutinefunction(original):
        found.append("the original is no longer (or now) a coroutine function, unlike its replacement")
    try:
        taken = list(inspect.signature(original).parameters)
    except (TypeError, ValueError) as exc:
        return [*found, f"parameters cannot be read ({exc})"]
    wanted = replaced_parameters(point)
    # The replacements call the original positionally: the names must come in the same order.
    if taken[: len(wanted)] != wanted:
        found.append(f"parameters are {taken}, the replacement relies on {wanted} first")
    return found


def test_every_point_of_the_interception_table_is_there_as_replaced():
    report = {point.dotted: found for point in PATCHES.table() if (found := point_problems(point))}

    assert report == {}, "intercepted framework points missing or changed:\n" + "\n".join(
        f"  {name}: {'; '.join(found)}" for name, found in report.items()
    )


def test_every_point_says_its_side_and_why_and_is_installed_with_its_original_kept():
    _interception.install()
    assert len(PATCHES.table()) == 12
    for point in PATCHES.table():
        assert point.side in ("workflow", "activity", "worker") and len(point.why) > 10, point
        installed = getattr(point.owner, point.attribute)
        assert getattr(installed, "__wrapped__", None) is original_of(point), point.dotted


def test_the_tool_classes_crewai_ships_override_run_only_where_the_table_replaces_it():
    """A CrewAI release that adds a run override to one of its tool classes would call the tool in
    the workflow: the table must name it."""
    declared = {(point.owner, point.attribute) for point in PATCHES.table()}
    for cls in (BaseTool, Tool):
        assert ("run" in vars(cls)) == ((cls, "run") in declared), cls.__name__
    assert {(BaseLLM, "call"), (BaseLLM, "acall")} <= declared


@pytest.mark.parametrize("table", ["PATCHES", "FLOW_POINTS", "NEW_LLM_CLASSES"])
def test_docs_architecture_lists_every_point_of_the_table(table):
    from durable_adapters_crewai._flow_calls import NEW_LLM_CLASSES
    from durable_adapters_crewai._flow_points import FLOW_POINTS

    points = {"PATCHES": PATCHES, "FLOW_POINTS": FLOW_POINTS, "NEW_LLM_CLASSES": NEW_LLM_CLASSES}[table].table()
    text = ARCHITECTURE.read_text()
    missing = [point.dotted for point in points if f"`{point.dotted}`" not in text]
    assert missing == [], f"docs/architecture.md does not list {missing}"
    # Each row as the table declares it: the docs say what the code says.
    rows = [f"| `{point.dotted}` | {point.side} | {point.why} |" for point in points]
    assert [row for row in rows if row not in text.splitlines()] == []


@pytest.mark.parametrize(
    "corrupt",
    [
        dict(attribute="acall_renamed"),
        dict(replacement=lambda original, self, messages, no_such_parameter=None: None),
        dict(replacement=lambda original, self, messages, tools=None: None),  # not async
        dict(owner=Tool),  # a class that does not define it itself
    ],
)
def test_a_changed_point_of_the_table_is_reported_by_name(corrupt):
    """The check of the table is real: a point that no longer matches the framework is reported."""
    (point,) = [p for p in PATCHES.table() if p.dotted == "crewai.llms.base_llm:BaseLLM.acall"]
    assert point_problems(point) == []
    assert point_problems(dataclasses.replace(point, **corrupt)) != []

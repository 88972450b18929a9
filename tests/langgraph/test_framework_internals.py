"""Every framework point the adapter relies on is still there, as the adapter expects it, on the
installed LangChain/LangGraph: run on each end of the claimed ranges. Two lists: the points it
replaces (the interception table ``_interception.PATCHES``, also shown in docs/architecture.md)
and the internals it reads or calls (``_internals.INTERNALS``).

No Temporal server: only imports and inspection. A failure names every point that is missing or
changed, so a new framework release shows at once what the adapter has to follow.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import BaseTool
from langchain_core.tools.simple import Tool
from langchain_core.tools.structured import StructuredTool

from durable_adapters.adapter import InterceptedPoint
from durable_adapters_langgraph import _interception, _internals
from durable_adapters_langgraph._interception import PATCHES
from durable_adapters_langgraph._internals import INTERNALS, Internal

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


class Missing(Exception):
    pass


def resolve(entry: Internal) -> tuple[Any, Any]:
    """``(owner, value)`` of an entry: the object holding the last attribute, and the attribute.

    Class attributes are looked up in the class's own ``__dict__`` first, so a method the
    adapter patched is found where the adapter patches it (not inherited from elsewhere); an
    instance attribute counts when the class declares it (an annotation), its value is then None.
    """
    try:
        owner: Any = importlib.import_module(entry.module)
    except ImportError as exc:
        raise Missing(f"module cannot be imported ({exc})") from exc
    value = owner
    for part in [p for p in entry.path.split(".") if p]:
        owner = value
        if isinstance(owner, type) and part in owner.__dict__:
            value = owner.__dict__[part]
        elif hasattr(owner, part):
            value = getattr(owner, part)
        elif isinstance(owner, type) and any(part in getattr(k, "__annotations__", {}) for k in owner.__mro__):
            value = None  # an instance attribute the class declares (e.g. Pregel.nodes)
        else:
            raise Missing(f"{part!r} not found on {getattr(owner, '__name__', owner)!r}")
    return owner, value


def parameter_names(value: Any) -> set[str]:
    """Parameters of a function, or fields of a dataclass / pydantic model."""
    if isinstance(value, type) and dataclasses.is_dataclass(value):
        return {f.name for f in dataclasses.fields(value)}
    if isinstance(value, type) and hasattr(value, "model_fields"):
        return set(value.model_fields)
    function = inspect.unwrap(value.__func__ if isinstance(value, (staticmethod, classmethod)) else value)
    return set(inspect.signature(function).parameters)


def source_of(value: Any) -> str:
    if isinstance(value, property):
        value = value.fget
    return inspect.getsource(inspect.unwrap(value) if callable(value) else value)


def problems(entry: Internal) -> list[str]:
    """What is wrong with one entry on the installed versions (empty when it holds)."""
    try:
        owner, value = resolve(entry)
    except Missing as exc:
        return [str(exc)]
    found: list[str] = []
    if entry.params:
        try:
            missing = sorted(set(entry.params) - parameter_names(value))
        except (TypeError, ValueError) as exc:
            missing, found = [], [*found, f"parameters cannot be read ({exc})"]
        if missing:
            found.append(f"no longer takes/has {missing}")
    if entry.value is not None and value != entry.value:
        found.append(f"value is {value!r}, the adapter expects {entry.value!r}")
    if entry.source:
        try:
            text = source_of(value)
        except (OSError, TypeError) as exc:
            found.append(f"source cannot be read ({exc})")
        else:
            found += [f"source no longer contains {needle!r}" for needle in entry.source if needle not in text]
    return found


def test_every_internal_the_adapter_relies_on_is_there_as_expected():
    report = {entry.name + f" [{entry.use}]": found for entry in INTERNALS if (found := problems(entry))}

    assert report == {}, "framework internals missing or changed:\n" + "\n".join(
        f"  {name}: {'; '.join(found)}" for name, found in report.items()
    )


def test_every_entry_says_what_why_and_where():
    for entry in INTERNALS:
        assert entry.module and entry.why and entry.where, entry
        assert entry.use in ("read", "called", "constructed", "relied on"), entry
        assert entry.side in ("workflow", "activity", "workflow+activity", "workflow+client", "hosting", "client"), (
            entry
        )


def test_langgraphs_own_configurable_keys_are_all_dropped_from_a_tools_config():
    """A new LangGraph configurable key that is neither '__'-prefixed nor known would cross into the
    activity (and differ between a plain run and a durable one): the adapter must learn it."""
    constants = importlib.import_module("langgraph._internal._constants")
    keys = {name: value for name, value in vars(constants).items() if name.startswith("CONFIG_KEY_")}
    assert keys, "LangGraph's CONFIG_KEY_* constants moved"
    unknown = {
        name: value
        for name, value in keys.items()
        if not value.startswith("__") and value not in _internals.PREGEL_CONFIGURABLE + _internals.USER_CONFIGURABLE
    }
    assert unknown == {}


def original_of(point: InterceptedPoint) -> Any:
    """The framework's own function at a point (the original, once the table is installed)."""
    value = vars(point.owner)[point.attribute]
    return value.__wrapped__ if PATCHES.installed else value


def replaced_parameters(point: InterceptedPoint) -> list[str]:
    """The parameters a replacement names (after ``original``): the original must take them all."""
    parameters = list(inspect.signature(point.replacement).parameters.values())[1:]
    return [p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def point_problems(point: InterceptedPoint) -> list[str]:
    """What is wrong with one point of the table on the installed versions (empty when it holds)."""
    if inspect.isclass(point.owner):
        if point.attribute not in vars(point.owner):
            return [f"{point.attribute!r} is no longer defined on {point.owner.__name__} itself (patched there)"]
    elif not callable(getattr(point.owner, point.attribute, None)):
        return [f"{point.attribute!r} is not a function of {point.owner.__name__} the adapter can wrap"]
    found: list[str] = []
    original = original_of(point)
    if inspect.iscoroutinefunction(point.replacement) != inspect.iscoroutinefunction(original):
        found.append("the original is no longer (or now) a coroutine function, unlike its replacement")
    try:
        taken = set(inspect.signature(original).parameters)
    except (TypeError, ValueError) as exc:
        return [*found, f"parameters cannot be read ({exc})"]
    if missing := sorted(set(replaced_parameters(point)) - taken):
        found.append(f"no longer takes {missing}")
    return found


def test_every_point_of_the_interception_table_is_there_as_replaced():
    report = {point.dotted: found for point in PATCHES.table() if (found := point_problems(point))}

    assert report == {}, "intercepted framework points missing or changed:\n" + "\n".join(
        f"  {name}: {'; '.join(found)}" for name, found in report.items()
    )


def test_every_point_says_its_side_and_why_and_is_installed_with_its_original_kept():
    _interception.install()
    assert len(PATCHES.table()) == 15  # 12, the two checkpoint-id points and the sync Functional API point
    for point in PATCHES.table():
        assert point.side in ("workflow", "activity", "worker") and len(point.why) > 20, point
        installed = getattr(point.owner, point.attribute)
        assert getattr(installed, "__wrapped__", None) is original_of(point), point.dotted


def test_the_tool_classes_langchain_ships_override_invoke_only_where_the_table_replaces_it():
    """A LangChain release that adds an ainvoke/invoke override to one of its tool classes would
    have it intercepted only once a graph using the class is hosted: the table must name it."""
    declared = {(point.owner, point.attribute) for point in PATCHES.table()}
    for cls in (BaseTool, StructuredTool, Tool):
        for name in ("ainvoke", "invoke"):
            assert (name in vars(cls)) == ((cls, name) in declared), f"{cls.__name__}.{name}"


def test_docs_architecture_lists_every_point_of_the_table():
    text = ARCHITECTURE.read_text()
    missing = [point.dotted for point in PATCHES.table() if f"`{point.dotted}`" not in text]
    assert missing == [], f"docs/architecture.md does not list {missing}"
    # Each row as the table declares it: the docs say what the code says.
    rows = [f"| `{point.dotted}` | {point.side} | {point.why} |" for point in PATCHES.table()]
    assert [row for row in rows if row not in text.splitlines()] == []


@pytest.mark.parametrize(
    "corrupt",
    [
        dict(path="BaseChatModel._agenerate_with_cache_renamed"),
        dict(params=("messages", "stop", "run_manager", "no_such_parameter")),
        dict(module="langchain_core.no_such_module"),
        dict(source=("no such text in the source",)),
    ],
)
def test_a_changed_internal_is_reported_by_name(corrupt):
    """The check above is real: an entry that no longer matches the framework is reported."""
    (entry,) = [e for e in INTERNALS if e.path == "BaseChatModel._agenerate_with_cache" and e.use == "relied on"]
    entry = dataclasses.replace(entry, params=("messages", "stop", "run_manager"))
    assert problems(entry) == []
    assert problems(dataclasses.replace(entry, **corrupt)) != []


@pytest.mark.parametrize(
    "corrupt",
    [
        dict(attribute="_agenerate_with_cache_renamed"),
        dict(replacement=lambda original, self, messages, no_such_parameter=None: None),
        dict(replacement=lambda original, self, messages, stop=None, run_manager=None: None),  # not async
        dict(owner=StructuredTool),  # a class that does not define it itself
    ],
)
def test_a_changed_point_of_the_table_is_reported_by_name(corrupt):
    """The check of the table is real: a point that no longer matches the framework is reported."""
    (point,) = [p for p in PATCHES.table() if p.dotted.endswith(":BaseChatModel._agenerate_with_cache")]
    assert point_problems(point) == []
    assert point_problems(dataclasses.replace(point, **corrupt)) != []

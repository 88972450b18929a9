"""Every framework internal the adapter relies on (``_internals.INTERNALS``) is still there, as the
adapter expects it, on the installed LangChain/LangGraph: run on each end of the claimed ranges.

No Temporal server: only imports and inspection. A failure names every point that is missing or
changed, so a new framework release shows at once what the adapter has to follow.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from typing import Any

import pytest

from durable_adapters_langgraph import _internals
from durable_adapters_langgraph._internals import INTERNALS, Internal


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
    last = entry.path.rsplit(".", 1)[-1]
    if entry.use == "patched" and not (isinstance(owner, type) and last in owner.__dict__):
        found.append(f"{last!r} is no longer defined on {owner.__name__} itself (the adapter patches it there)")
    if entry.use == "rebound" and not callable(value):
        found.append(f"{last!r} is not a function the adapter can wrap")
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
        assert entry.use in ("patched", "rebound", "read", "called", "constructed", "relied on"), entry
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


def test_the_rebound_names_are_those_the_adapter_installs():
    from durable_adapters_langgraph import _adapter

    _adapter.install()
    for module, name in _internals.rebound():
        routed = getattr(importlib.import_module(module), name)
        assert getattr(routed, "__wrapped__", None) is not None, f"{module}.{name} is not routed"


@pytest.mark.parametrize(
    "corrupt",
    [
        dict(path="BaseChatModel._agenerate_with_cache_renamed"),
        dict(params=("messages", "stop", "run_manager", "no_such_parameter")),
        dict(module="langchain_core.no_such_module"),
        dict(source=("no such text in the source",)),
    ],
)
def test_a_changed_point_is_reported_by_name(corrupt):
    """The check above is real: an entry that no longer matches the framework is reported."""
    (entry,) = [e for e in INTERNALS if e.path == "BaseChatModel._agenerate_with_cache" and e.use == "patched"]
    assert problems(entry) == []
    assert problems(dataclasses.replace(entry, **corrupt)) != []

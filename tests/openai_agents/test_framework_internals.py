"""The SDK internals the adapter relies on are all present, with the parameters it depends on.

Each entry of ``durable_adapters_openai_agents._internals.INTERNALS`` is resolved against the
installed openai-agents release. A new release that renames, removes or reshapes one of them fails
here, naming every such point, before any durable run meets it. No Temporal server is needed.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest

from durable_adapters_openai_agents import _internals
from durable_adapters_openai_agents._interception import EXTENSION_POINTS, PATCHES, ExtensionPoint
from durable_adapters_openai_agents._internals import INTERNALS, Internal

_FIELD_WITHOUT_DEFAULT = object()


def _declared(cls: type, name: str) -> bool:
    """``name`` is a dataclass field or an annotated attribute of ``cls`` (no class attribute needed)."""
    if dataclasses.is_dataclass(cls) and name in {f.name for f in dataclasses.fields(cls)}:
        return True
    return any(name in getattr(base, "__annotations__", {}) for base in cls.__mro__)


def _names(target: Any) -> set[str]:
    """The parameter names a callable accepts (a class: its constructor's, and its dataclass fields)."""
    names: set[str] = set()
    try:
        names |= set(inspect.signature(target).parameters)
    except (TypeError, ValueError):
        pass
    if isinstance(target, type) and dataclasses.is_dataclass(target):
        names |= {f.name for f in dataclasses.fields(target)}
    return names


def problem(entry: Internal) -> str | None:
    """Why ``entry`` does not hold on the installed SDK, or None."""
    try:
        target: Any = importlib.import_module(entry.module)
    except ImportError as exc:
        return f"module {entry.module} cannot be imported ({exc})"
    parts = entry.path.split(".")
    for position, part in enumerate(parts):
        if hasattr(target, part):
            target = getattr(target, part)
        elif position == len(parts) - 1 and isinstance(target, type) and _declared(target, part):
            target = _FIELD_WITHOUT_DEFAULT
        else:
            return f"{'.'.join(parts[: position + 1])} is missing"
    if target is _FIELD_WITHOUT_DEFAULT:
        # A per-instance field (e.g. FunctionTool.on_invoke_tool): present is all a class can show.
        return "is a field, not a callable with parameters" if entry.params else None
    if entry.use == "called" and not callable(target):
        return f"is not callable ({type(target).__name__})"
    if entry.use == "subclassed" and not (isinstance(target, type) or callable(target)):
        return "is neither a class nor a method"
    if not entry.params:
        return None
    if entry.use == "subclassed" and isinstance(target, type):
        # A subclassed class: the params are the methods the adapter overrides.
        missing = [name for name in entry.params if not callable(getattr(target, name, None))]
        return f"has no method(s) {missing}" if missing else None
    accepted = _names(target)
    missing = [name for name in entry.params if name not in accepted]
    return f"no longer takes {missing} (takes {sorted(accepted)})" if missing else None


@pytest.mark.parametrize("entry", INTERNALS, ids=[f"{e.use}:{e.dotted}" for e in INTERNALS])
def test_internal_is_present_in_the_installed_sdk(entry: Internal):
    from agents.version import __version__

    why = problem(entry)
    assert why is None, f"openai-agents {__version__}: {entry.dotted} ({entry.use}, {entry.side}): {why}"


def test_each_entry_names_an_adapter_module_that_still_uses_it():
    """The table stays in step with the code: the module named in ``used_in`` mentions the point."""
    package = Path(_internals.__file__).parent
    stale = [
        f"{entry.dotted} (used_in={entry.used_in!r})"
        for entry in INTERNALS
        if not (package / f"{entry.used_in}.py").is_file()
        or entry.path.rsplit(".", 1)[-1] not in (package / f"{entry.used_in}.py").read_text()
    ]
    assert not stale, "entries whose adapter module does not mention them:\n" + "\n".join(stale)


def test_the_check_names_a_missing_point():
    """The check itself is not vacuous: a point the SDK lacks is reported by its path."""
    renamed = Internal("agents.handoffs", "Handoff._agent_reference", "read", "hosting", "test")
    changed = Internal("agents.tool_context", "ToolContext", "called", "activity", "test", params=("tool_call_ident",))
    gone = Internal("agents.no_such_module", "X", "read", "hosting", "test")

    assert problem(renamed) == "Handoff._agent_reference is missing"
    assert "tool_call_ident" in (problem(changed) or "")
    assert "cannot be imported" in (problem(gone) or "")


# -- where a call leaves the workflow (_interception) ---------------------------------------

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def test_the_adapter_replaces_no_sdk_point_process_wide():
    """The calls are carried by the SDK's extension points; a patch added later must be declared."""
    assert PATCHES.table() == ()


@pytest.mark.parametrize("point", EXTENSION_POINTS, ids=[p.point for p in EXTENSION_POINTS])
def test_every_extension_point_carrying_a_call_is_in_the_installed_sdk(point: ExtensionPoint):
    from agents.version import __version__

    module, path = point.point.split(":")
    why = problem(Internal(module, path, "read", "workflow", "extension point"))
    assert why is None, f"openai-agents {__version__}: {point.point}: {why}"
    assert point.side in ("workflow", "activity", "worker") and point.why


def test_docs_architecture_lists_every_point_of_the_table_and_every_extension_point():
    text = ARCHITECTURE.read_text()
    missing = [
        name
        for name in [p.dotted for p in PATCHES.table()] + [p.point for p in EXTENSION_POINTS]
        if f"`{name}`" not in text
    ]
    assert missing == [], f"docs/architecture.md does not list {missing}"
    # The docs' rows are the table's, word for word, so the two cannot drift apart.
    rows = [f"| `{p.dotted}` | {p.side} | {p.why} |" for p in PATCHES.table()]
    rows += [f"| `{p.point}` | {p.side} | {p.why} |" for p in EXTENSION_POINTS]
    absent = [row for row in rows if row not in text.splitlines()]
    assert absent == [], "docs/architecture.md rows differ from _interception:\n" + "\n".join(absent)


# -- a function tool that runs another agent (_tool_runs) ------------------------------------


def test_a_function_tools_body_and_function_are_where_the_adapter_reads_them():
    """The instance attributes the table cannot check: the invoker holds the body, the body the function."""
    import copy

    from agents import function_tool
    from agents.tool import _FUNCTION_TOOL_WRAPPED_CALLABLE_MARKER

    from durable_adapters_openai_agents import _tool_runs

    def shout(text: str) -> str:
        """Shout."""
        return text.upper()

    tool = function_tool(shout)
    assert _tool_runs._WRAPPED_CALLABLE == _FUNCTION_TOOL_WRAPPED_CALLABLE_MARKER
    assert callable(getattr(tool.on_invoke_tool, "_invoke_tool_impl", None))
    assert _tool_runs.tool_function(tool) is shout
    # A copy of the tool gets an invoker bound to the copy, around the same body.
    copied = copy.copy(tool)
    assert copied.on_invoke_tool is not tool.on_invoke_tool
    assert copied.on_invoke_tool._invoke_tool_impl is tool.on_invoke_tool._invoke_tool_impl

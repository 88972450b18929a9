"""One format for a reference to a class or function by name: ``module:qualname``.

Adapters write such references into history (the type of a run context, of a structured-output
model, of a tool's exception) and resolve them in another process, so the format is
compatibility data. ``module:qualname`` is unambiguous for nested classes; :func:`resolve` also
reads the dotted ``module.qualname`` form that some older histories hold.
"""

from __future__ import annotations

import importlib
from typing import Any


def reference(obj: Any) -> str:
    """``module:qualname`` of a class or function (what :func:`resolve` turns back into it)."""
    return f"{obj.__module__}:{obj.__qualname__}"


def resolve(ref: str) -> Any:
    """The object ``ref`` names, imported. Raises ``ImportError`` or ``AttributeError`` naming ``ref``."""
    if ":" in ref:
        module_name, _, qualname = ref.partition(":")
        return _walk(importlib.import_module(module_name), qualname, ref)
    # The dotted form: the longest importable module prefix, then attributes.
    parts = ref.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        return _walk(module, ".".join(parts[split:]), ref)
    raise ImportError(f"no module found for {ref!r}")


def _walk(target: Any, qualname: str, ref: str) -> Any:
    for part in qualname.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise AttributeError(f"{ref!r}: {part!r} not found") from None
    return target

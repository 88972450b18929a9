"""Loading what a worker hosts from ``MODULE:ATTR`` references, and finding it again for replay."""

from __future__ import annotations

import importlib
import runpy
import sys
from pathlib import Path
from typing import Any

from ._adapter import installed_adapters
from ._durable import DurableCore, host
from ._errors import ConfigurationError


def _accepted(obj: Any) -> bool:
    return hasattr(obj, "__durable_core__") or any(a.accepts(obj) for a in installed_adapters().values())


def load_target(reference: str) -> DurableCore:
    """Host the object ``MODULE:ATTR`` names: an agent, a ``durable(...)`` wrapper, or a zero-argument factory.

    A ``durable(...)`` wrapper keeps its options (``task_queue=``, call policies).
    ``NAME=MODULE:ATTR`` hosts the object under ``NAME`` instead of its own name.
    """
    name, _, reference = reference.rpartition("=")
    module_name, _, attr = reference.partition(":")
    if not module_name or not attr:
        raise ConfigurationError(f"{reference!r} is not MODULE:ATTR (e.g. examples.weather:agent)")
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # like `python -m`: modules of the current directory
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"cannot import {module_name!r} for {reference!r}: {exc}") from exc
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConfigurationError(f"{module_name!r} has no attribute {attr!r}") from None
    if not _accepted(obj) and callable(obj):
        obj = obj()  # a factory
    source = {"module": module_name, "attr": attr, **({"name": name} if name else {})}
    core = getattr(obj, "__durable_core__", None)
    if core is not None:
        if not core.hosted.source.get("attr"):
            core.hosted.source.update(source)
        if name and name != core.name:
            raise ConfigurationError(
                f"{reference!r} is durable(..., name={core.name!r}); it cannot be hosted as {name!r}"
            )
        return core  # type: ignore[no-any-return]
    return DurableCore(host(obj, name=name or None, source=source))


def load_source(source: dict[str, str]) -> None:
    """Import the code a run was started from (its memo), so the objects it hosted are registered again."""
    if source.get("attr"):
        prefix = f"{source['name']}=" if source.get("name") else ""
        load_target(f"{prefix}{source['module']}:{source['attr']}")
    elif source.get("module") and source["module"] != "__main__":
        importlib.import_module(source["module"])
    elif source.get("file"):
        # A script: run it under a name other than __main__, so its `if __name__ == "__main__"`
        # block (the part that starts runs) stays off; its module-level durable(...) calls host.
        runpy.run_path(source["file"], run_name="__durable_replay__")
    else:
        raise ConfigurationError(
            "the run does not record where its agent was defined; pass it: durable-adapters replay RUN_ID MODULE:ATTR"
        )

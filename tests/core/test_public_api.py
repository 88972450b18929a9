"""The adapters and examples use the core's public API only.

The adapters are separate distributions, released on their own: a private core module they
import could change under a released adapter in any core release. ``durable_adapters.adapter``
is their API; ``durable_adapters`` (the root) and ``durable_adapters.testing`` are the user's.
"""

from __future__ import annotations

import ast
from pathlib import Path

import durable_adapters
import durable_adapters.adapter

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE_THE_CORE = ["integrations", "examples"]


def private_core_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "durable_adapters" and any(part.startswith("_") for part in parts[1:]):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
                break
    return found


def test_no_module_outside_the_core_imports_a_private_core_module():
    offenders = [
        line
        for folder in OUTSIDE_THE_CORE
        for path in sorted((ROOT / folder).rglob("*.py"))
        if ".nox" not in path.parts
        for line in private_core_imports(path)
    ]
    assert offenders == [], "import these from durable_adapters.adapter (or the root) instead:\n" + "\n".join(offenders)


def test_the_root_exports_the_user_api_only():
    adapter_api = {"Adapter", "Hosted", "DurableCalls", "DurableCore", "Interceptions", "InterceptedPoint"}
    assert not adapter_api & set(durable_adapters.__all__)
    assert {"durable", "RunHandle", "RunFailedError"} <= set(durable_adapters.__all__)


def test_every_name_the_adapter_api_promises_is_there():
    for name in durable_adapters.adapter.__all__:
        assert getattr(durable_adapters.adapter, name) is not None

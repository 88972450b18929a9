"""Print the installed version of each named distribution, one per line: what a test run ran against.

    python -m durable_adapters.testing._versions temporalio openai-agents openai

The test environments (``noxfile.py``) call it before their tests, so every CI log says which
framework releases its results hold for. A name that is not installed prints ``not installed``.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata


def describe(names: list[str]) -> list[str]:
    lines = [f"python {platform.python_version()} ({sys.executable})"]
    for name in names:
        try:
            lines.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} not installed")
    return lines


if __name__ == "__main__":
    print("== versions: " + "; ".join(describe(sys.argv[1:])), flush=True)

"""durable-adapters: existing agents made durable on Temporal with one call.

```python
from durable_adapters import durable

dagent = durable(agent)                 # an OpenAI Agents Agent, a LangGraph graph, a CrewAI crew
result = await dagent.run("Weather in Paris?", run_id="trip-42")
```

Every model call and every tool call of the framework's own loop becomes a Temporal activity
of one generic workflow; a run survives its worker and resumes at the call it was at.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names are imported on first use (PEP 562): the pytest plugin of this package loads in every
# test run of a project that has it installed, and must not pull in Temporal and pydantic then.
_LAZY: dict[str, str] = {
    "Adapter": "._adapter",
    "adapter_for": "._adapter",
    "installed_adapters": "._adapter",
    "DurableCallError": "._calls",
    "DurableCalls": "._calls",
    "DurableCore": "._durable",
    "durable": "._durable",
    "host": "._durable",
    "run_sync": "._durable",
    "ConfigurationError": "._errors",
    "DeterminismError": "._errors",
    "DurableError": "._errors",
    "RunFailedError": "._errors",
    "UnsupportedError": "._errors",
    "RunHandle": "._handle",
    "CallPolicy": "._payloads",
    "REGISTRY": "._registry",
    "Hosted": "._registry",
    "DurableSettings": "._settings",
}

if TYPE_CHECKING:
    from ._adapter import Adapter, adapter_for, installed_adapters
    from ._calls import DurableCallError, DurableCalls
    from ._durable import DurableCore, durable, host, run_sync
    from ._errors import ConfigurationError, DeterminismError, DurableError, RunFailedError, UnsupportedError
    from ._handle import RunHandle
    from ._payloads import CallPolicy
    from ._registry import REGISTRY, Hosted
    from ._settings import DurableSettings


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "REGISTRY",
    "Adapter",
    "CallPolicy",
    "ConfigurationError",
    "DeterminismError",
    "DurableCallError",
    "DurableCalls",
    "DurableCore",
    "DurableError",
    "DurableSettings",
    "Hosted",
    "RunFailedError",
    "RunHandle",
    "UnsupportedError",
    "adapter_for",
    "durable",
    "host",
    "installed_adapters",
    "run_sync",
]

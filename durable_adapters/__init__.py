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
import warnings
from typing import TYPE_CHECKING, Any

# Names are imported on first use (PEP 562): the pytest plugin of this package loads in every
# test run of a project that has it installed, and must not pull in Temporal and pydantic then.
_LAZY: dict[str, str] = {
    "durable": "._durable",
    "host": "._durable",
    "attach": "._durable",
    "RunHandle": "._handle",
    "StreamEvent": "._stream",
    "CallPolicy": "._payloads",
    "DurableSettings": "._settings",
    "DurableCallError": "._calls",
    "ConfigurationError": "._errors",
    "DeterminismError": "._errors",
    "DurableError": "._errors",
    "RunFailedError": "._errors",
    "UnsupportedError": "._errors",
}

# The adapter API lives in durable_adapters.adapter. Adapters released before it imported these
# names from the root; they still resolve here, with a DeprecationWarning, so such a release keeps
# working on a newer core.
_MOVED_TO_ADAPTER_API = {
    "Adapter",
    "DurableCalls",
    "DurableCore",
    "Hosted",
    "REGISTRY",
    "adapter_for",
    "installed_adapters",
    "run_sync",
}

if TYPE_CHECKING:
    from ._calls import DurableCallError
    from ._durable import attach, durable, host
    from ._errors import ConfigurationError, DeterminismError, DurableError, RunFailedError, UnsupportedError
    from ._handle import RunHandle
    from ._payloads import CallPolicy
    from ._settings import DurableSettings
    from ._stream import StreamEvent


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_ADAPTER_API:
        warnings.warn(
            f"durable_adapters.{name} moved to durable_adapters.adapter.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(".adapter", __name__), name)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "CallPolicy",
    "ConfigurationError",
    "DeterminismError",
    "DurableCallError",
    "DurableError",
    "DurableSettings",
    "RunFailedError",
    "RunHandle",
    "StreamEvent",
    "UnsupportedError",
    "attach",
    "durable",
    "host",
]

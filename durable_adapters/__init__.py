"""durable-adapters: existing agents made durable on Temporal with one call.

```python
from durable_adapters import durable

dagent = durable(agent)                 # an OpenAI Agents Agent, a LangGraph graph, a CrewAI crew
result = await dagent.run("Weather in Paris?", run_id="trip-42")
```

Every model call and every tool call of the framework's own loop becomes a Temporal activity
of one generic workflow; a run survives its worker and resumes at the call it was at.
"""

from ._adapter import Adapter, adapter_for, installed_adapters
from ._calls import DurableCallError, DurableCalls
from ._durable import DurableCore, durable, host, run_sync
from ._errors import (
    ConfigurationError,
    DeterminismError,
    DurableError,
    RunFailedError,
    UnsupportedError,
)
from ._handle import RunHandle
from ._payloads import CallPolicy
from ._registry import REGISTRY, Hosted
from ._settings import DurableSettings

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

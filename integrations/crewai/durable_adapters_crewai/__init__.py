"""CrewAI adapter for durable-adapters.

``durable(crew)`` / ``durable(agent)`` from ``durable_adapters`` find this adapter through its
entry point; import nothing from here unless you need the types. Importing this package does not
import CrewAI; ``DurableCrew``, ``DurableCrewAgent`` and ``CallRestarted`` (the chunk a streamed
crew's output yields when a model call restarted after its worker died) do.
"""

from typing import Any

from ._adapter import CrewAIAdapter

__all__ = ["CallRestarted", "CrewAIAdapter", "DurableCrew", "DurableCrewAgent"]


def __getattr__(name: str) -> Any:
    if name in ("DurableCrew", "DurableCrewAgent"):
        from . import _client

        return getattr(_client, name)
    if name == "CallRestarted":
        from . import _stream

        return _stream.CallRestarted
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""LangGraph adapter for durable-adapters.

``durable(graph, name=...)`` from ``durable_adapters`` finds this adapter through its entry
point; import nothing from here unless you need the types.
"""

from ._adapter import LangGraphAdapter
from ._client import DurableGraph

__all__ = ["DurableGraph", "LangGraphAdapter"]

"""OpenAI Agents SDK adapter for durable-adapters.

``durable(agent)`` from ``durable_adapters`` finds this adapter through its entry point; import
nothing from here unless you need the types.
"""

from ._adapter import OpenAIAgentsAdapter
from ._agent import DurableAgent
from ._session import serve_sessions
from ._stream_events import ModelCallRestarted

__all__ = ["DurableAgent", "ModelCallRestarted", "OpenAIAgentsAdapter", "serve_sessions"]

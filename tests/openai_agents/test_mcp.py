"""MCP servers (``mcp_servers=[...]``): not durable yet, so refused at once, before any model call."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from agents import Agent
from agents.mcp import MCPServerStdio

from durable_adapters import UnsupportedError, durable
from tests.apps.openai_weather import model


def test_an_agent_with_mcp_servers_is_refused_when_wrapped(scripted_model: Any, unique: str) -> None:
    server = scripted_model([])
    mcp = MCPServerStdio(params={"command": sys.executable, "args": ["-c", "pass"]}, name="files")
    agent = Agent(name=f"mcp-user-{unique}", instructions="Use your tools.", mcp_servers=[mcp], model=model())

    with pytest.raises(UnsupportedError) as refusal:
        durable(agent)

    message = str(refusal.value)
    assert "mcp_servers" in message and agent.name in message and "@function_tool" in message
    assert server.served == []  # nothing was paid for

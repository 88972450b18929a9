"""OpenAI Agents apps with MCP servers for the tests, written as a user writes them.

The server is tests/apps/openai_mcp_server.py over stdio, not connected here: the worker that
hosts the agent connects it on first use.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from agents import Agent
from agents.mcp import MCPServerStdio

from tests.apps.openai_weather import model

ROOT = Path(__file__).resolve().parents[2]


def forecast_server(name: str = "forecasts") -> MCPServerStdio:
    # The server gets this process's environment (TOOL_LOG/TOOL_HOLD reach its hold points).
    return MCPServerStdio(
        name=name,
        params={
            "command": sys.executable,
            "args": ["-m", "tests.apps.openai_mcp_server", "stdio"],
            "cwd": str(ROOT),
            "env": dict(os.environ),
        },
    )


def build_mcp_forecaster() -> Agent:
    return Agent(name="mcp-forecaster", instructions="Answer briefly.", model=model(), mcp_servers=[forecast_server()])

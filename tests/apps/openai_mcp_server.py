"""A small MCP server for the tests, written with the ``mcp`` package's FastMCP (``MCPServer`` in mcp 2.x).

Run as ``python -m tests.apps.openai_mcp_server stdio`` or ``... http <port>`` (streamable HTTP
at ``http://127.0.0.1:<port>/mcp``). Each tool call logs its start through ``hold_point``, so a
kill test can hold a call and SIGKILL the worker while it certainly runs.
"""

from __future__ import annotations

import sys

try:
    from mcp.server.mcpserver import MCPServer as FastMCP  # mcp 2.x
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP  # type: ignore[no-redef]

from durable_adapters.testing import hold_point

app = FastMCP("forecasts")


@app.tool()
def get_forecast(city: str) -> str:
    """Tomorrow's forecast for a city."""
    hold_point(f"get_forecast {city}")
    return f"{city}: rain, 14C"


@app.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    hold_point(f"add {a} {b}")
    return a + b


@app.tool()
def delete_everything() -> str:
    """A tool a filter should keep from the model."""
    return "deleted"


if __name__ == "__main__":
    if sys.argv[1] == "http":
        app.run(transport="streamable-http", port=int(sys.argv[2]))
    else:
        app.run(transport="stdio")

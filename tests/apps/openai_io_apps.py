"""OpenAI Agents apps with I/O beyond model and tool calls, written as a user writes them.

Human approval (``needs_approval``), sessions and MCP servers. Tools log each start with
``hold_point`` (see ``tests/apps/openai_weather``), so a kill test can count how often each ran.
"""

from __future__ import annotations

from typing import Any

from agents import Agent, RunContextWrapper, function_tool

from durable_adapters.testing import hold_point
from tests.apps.openai_weather import model


@function_tool(needs_approval=True)
def delete_file(path: str) -> str:
    """Delete a file."""
    hold_point(f"delete_file {path}")
    return f"deleted {path}"


async def _large_refunds(context: RunContextWrapper[Any], params: dict[str, Any], call_id: str) -> bool:
    return bool(params.get("amount", 0) > 100)


@function_tool(needs_approval=_large_refunds)
def refund(order: str, amount: int) -> str:
    """Refund an order."""
    hold_point(f"refund {order}")
    return f"refunded {amount} on {order}"


def build_file_keeper() -> Agent:
    """An agent whose deletions need a person's approval, and whose large refunds do too."""
    return Agent(
        name="file-keeper",
        instructions="Do what the user asks with your tools.",
        tools=[delete_file, refund],
        model=model(),
    )

"""OpenAI Agents apps with I/O beyond model and tool calls, written as a user writes them.

Human approval (``needs_approval``) and sessions. Tools log each start with
``hold_point`` (see ``tests/apps/openai_weather``), so a kill test can count how often each ran.
"""

from __future__ import annotations

import os
from typing import Any

from agents import Agent, RunContextWrapper, SQLiteSession, function_tool
from agents.memory.session import SessionABC

from durable_adapters.testing import hold_point
from durable_adapters_openai_agents import serve_sessions
from tests.apps.openai_weather import get_weather, model


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


# -- sessions ---------------------------------------------------------------------------------


class LoggedSession(SessionABC):
    """A user's own session (the ``Session`` protocol) over an SQLite file, whose writes can be held.

    Each write logs ``session write <length after>`` once it is committed, then waits while the
    test holds that entry: a kill test SIGKILLs the worker after the store committed and before
    the activity completed, the worst moment for a doubled item.
    """

    def __init__(self, session_id: str, db_path: str) -> None:
        self.session_id = session_id
        self.session_settings = None
        self._store = SQLiteSession(session_id, db_path)

    async def get_items(self, limit: int | None = None) -> list[Any]:
        return await self._store.get_items(limit)

    async def add_items(self, items: list[Any]) -> None:
        await self._store.add_items(items)
        hold_point(f"session write {len(await self._store.get_items())}")

    async def pop_item(self) -> Any:
        return await self._store.pop_item()

    async def clear_session(self) -> None:
        await self._store.clear_session()


# A worker process opens a run's session by its id, in the file the test names.
serve_sessions(lambda session_id: LoggedSession(session_id, os.environ["SESSION_DB"]))


def build_chat() -> Agent:
    """A plain chat agent with one tool, run with a session."""
    return Agent(name="chat", instructions="Chat with the user.", tools=[get_weather], model=model())


# -- conformance programs (tests/openai_agents/test_conformance.py), as the SDK's examples write them


@function_tool(needs_approval=True)
def cancel_order(order_id: str) -> str:
    """Cancel an order."""
    return f"order {order_id} cancelled"


async def human_in_the_loop(runner: Any) -> Any:
    """human_in_the_loop: a tool needing approval; approve it on the state and run again."""
    agent = Agent(name="Support", instructions="Help the customer; cancel orders when asked.", tools=[cancel_order])
    result = await runner.run(agent, "Please cancel order 42.")
    pending = [item.tool_name for item in result.interruptions]
    while result.interruptions:
        state = result.to_state()
        for interruption in result.interruptions:
            state.approve(interruption)
        result = await runner.run(agent, state)
    return [pending, result.final_output]


async def sqlite_memory(runner: Any) -> Any:
    """memory/sqlite_session: two runs on one SQLiteSession; the second remembers the first."""
    agent = Agent(name="Assistant", instructions="Reply very concisely.")
    session = SQLiteSession("conversation_123")
    first = await runner.run(agent, "What city is the Golden Gate Bridge in?", session=session)
    second = await runner.run(agent, "What state is it in?", session=session)
    return [first.final_output, second.final_output, len(await session.get_items())]

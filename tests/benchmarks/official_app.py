"""The benchmark agent as Temporal's official OpenAI Agents integration wants it written.

A hand-written workflow, a model *name* (the plugin rejects model objects), and the tool as an
activity wrapped with ``activity_as_tool``: the work a user does to use the official plugin,
which ``durable(agent)`` does not ask for.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from agents import Agent, Runner
    from temporalio.openai_agents.workflow import activity_as_tool


@activity.defn
async def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: sunny, 21C"


@workflow.defn
class OfficialLooper:
    @workflow.run
    async def run(self, turns: int) -> str:
        agent = Agent(
            name="looper",
            instructions="Check the weather of every city.",
            model="gpt-4o-mini",
            tools=[activity_as_tool(get_weather, start_to_close_timeout=timedelta(seconds=30))],
        )
        result = await Runner.run(agent, "go", max_turns=turns + 1)
        return str(result.final_output)

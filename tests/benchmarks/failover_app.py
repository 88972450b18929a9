"""The agents the failover benchmark runs, one per framework, sharing one tool body.

The tool logs each call's city and worker pid. A call whose city is the text of ``$TOOL_HOLD``
waits while that file says so, so the benchmark can kill the very worker that runs it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from agents import Agent, OpenAIChatCompletionsModel, function_tool
from openai import AsyncOpenAI


def check_city(city: str) -> str:
    """The tool body every framework's agent calls."""
    with open(os.environ["TOOL_LOG"], "a") as log:
        log.write(f"{city} {os.getpid()}\n")
    hold = Path(os.environ["TOOL_HOLD"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if hold.read_text() != city:
                break
        except FileNotFoundError:
            break
        time.sleep(0.01)
    return f"{city}: sunny"


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return check_city(city)


def build_openai_agents() -> Agent:
    return Agent(
        name="failover",
        instructions="Check every city.",
        tools=[get_weather],
        model=OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=AsyncOpenAI()),
    )


def build_langgraph():
    """A prebuilt LangGraph ReAct agent around the same tool."""
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI
    from langgraph.prebuilt import create_react_agent

    @tool("get_weather")
    def get_weather_tool(city: str) -> str:
        """The current weather in a city."""
        return check_city(city)

    return create_react_agent(ChatOpenAI(model="gpt-4o-mini"), tools=[get_weather_tool])


def build_crewai():
    """A one-agent CrewAI crew around the same tool (CrewAI's native OpenAI tool calls)."""
    from crewai import LLM, Agent, Crew, Task
    from crewai.tools import tool

    @tool("get_weather")
    def get_weather_tool(city: str) -> str:
        """The current weather in a city."""
        return check_city(city)

    agent = Agent(
        role="Checker",
        goal="Check every city",
        backstory="Thorough.",
        llm=LLM(model="gpt-4o-mini"),
        tools=[get_weather_tool],
        max_iter=200,
    )
    task = Task(description="Check every city.", expected_output="done", agent=agent)
    return Crew(name="failover", agents=[agent], tasks=[task])


if os.environ.get("BENCH_LOCAL_TOOLS") == "1":
    # ``failover --local-tools``: the worker makes tool calls as local activities (the experiment
    # of tests.benchmarks.local_tools; the library has no such switch).
    from tests.benchmarks.local_tools import LOCAL, redirect_tools

    redirect_tools()
    LOCAL["on"] = True

"""LangGraph and LangChain apps written the way their tutorials, how-tos and agent docs write them.

Each builder returns what a user would hand to ``durable(...)``: no durability code, no
``name=`` added for it. Models are ``ChatOpenAI`` built with the app (they read
``OPENAI_BASE_URL``: the scripted server). ``tests/langgraph/test_conformance.py`` runs each
plainly and durably and compares the requests and the output; ``test_structured_output.py`` uses
the structured-output apps.
"""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool
from langgraph.graph import START, StateGraph
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from tests.apps.langgraph_apps import get_weather, llm

# -- structured output: the schema kinds LangChain accepts -----------------------------------


class Weather(BaseModel):
    """The weather in a city."""

    city: str = Field(description="the city")
    sunny: bool


class WeatherDict(TypedDict):
    """The weather in a city."""

    city: str
    sunny: bool


WEATHER_JSON_SCHEMA: dict[str, Any] = {
    "title": "WeatherSchema",
    "description": "The weather in a city.",
    "type": "object",
    "properties": {"city": {"type": "string"}, "sunny": {"type": "boolean"}},
    "required": ["city", "sunny"],
}

SCHEMAS: dict[str, Any] = {"pydantic": Weather, "typeddict": WeatherDict, "json_schema_dict": WEATHER_JSON_SCHEMA}
"""Each schema kind, and (for the scripted tool call) the name LangChain gives its tool."""
SCHEMA_TOOL_NAMES = {"pydantic": "Weather", "typeddict": "WeatherDict", "json_schema_dict": "WeatherSchema"}


class Asked(TypedDict):
    question: str
    answer: Any


def build_structured_output(schema: str, method: str, include_raw: bool = False):
    """A node asking ``llm().with_structured_output(schema, method=..., include_raw=...)``."""
    model = llm().with_structured_output(SCHEMAS[schema], method=method, include_raw=include_raw)  # type: ignore[call-overload]

    async def ask(state: Asked) -> dict:
        return {"answer": await model.ainvoke(state["question"])}

    return StateGraph(Asked).add_node("ask", ask).add_edge(START, "ask").compile()


def build_structured_output_sync(schema: str, method: str):
    """The same in a sync node (``model.invoke``)."""
    model = llm().with_structured_output(SCHEMAS[schema], method=method)  # type: ignore[call-overload]

    def ask(state: Asked) -> dict:
        return {"answer": model.invoke(state["question"])}

    return StateGraph(Asked).add_node("ask", ask).add_edge(START, "ask").compile()


def build_bound_response_format():
    """``llm().bind(response_format=Weather)``: the raw AIMessage carries the parsed instance."""
    model = llm().bind(response_format=Weather)

    async def ask(state: Asked) -> dict:
        message = await model.ainvoke(state["question"])
        return {"answer": message.additional_kwargs["parsed"]}

    return StateGraph(Asked).add_node("ask", ask).add_edge(START, "ask").compile()


def build_agent_with_response_format(strategy: str):
    """``create_agent(..., response_format=ToolStrategy(Weather) | ProviderStrategy(Weather) | Weather)``."""
    from langchain.agents import create_agent
    from langchain.agents.structured_output import ProviderStrategy, ToolStrategy

    response_format: Any = {"tool": ToolStrategy(Weather), "provider": ProviderStrategy(Weather), "bare": Weather}[
        strategy
    ]
    return create_agent(llm(), [get_weather], system_prompt="Report the weather.", response_format=response_format)


# -- retries of the graph's own around model and tool calls ------------------------------------


def retrying_llm(max_retries: int):
    """A ChatOpenAI whose client retries ``max_retries`` times itself."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model="gpt-4o-mini", temperature=0, max_retries=max_retries)


def build_agent_with_model_retry(client_retries: int = 1):
    """create_agent whose model calls are retried by ``ModelRetryMiddleware`` (twice, no jitter)."""
    from langchain.agents import create_agent
    from langchain.agents.middleware import ModelRetryMiddleware

    return create_agent(
        retrying_llm(client_retries),
        [get_weather],
        middleware=[ModelRetryMiddleware(max_retries=2, initial_delay=0.05, jitter=False)],
    )


def build_node_with_retry_policy(client_retries: int = 0):
    """A hand-written chatbot node with a LangGraph ``retry_policy`` for the provider's 5xx errors."""
    import openai
    from langgraph.graph import MessagesState
    from langgraph.types import RetryPolicy

    model = retrying_llm(client_retries)

    async def chatbot(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    policy = RetryPolicy(max_attempts=3, initial_interval=0.05, jitter=False, retry_on=openai.InternalServerError)
    builder.add_node("chatbot", chatbot, retry_policy=policy)
    builder.add_edge(START, "chatbot")
    return builder.compile()


@tool
def flaky_forecast(city: str) -> str:
    """Tomorrow's forecast for a city (a service that fails while ``$FLAKY_FAILURES`` says so)."""
    import os
    from pathlib import Path

    counter = Path(os.environ["FLAKY_FAILURES"])
    left = int(counter.read_text())
    if left > 0:
        counter.write_text(str(left - 1))
        raise ConnectionError(f"forecast service unreachable for {city}")
    return f"{city}: rain tomorrow"


def build_agent_with_tool_retry():
    """create_agent whose tool calls are retried by ``ToolRetryMiddleware`` (twice, no jitter)."""
    from langchain.agents import create_agent
    from langchain.agents.middleware import ToolRetryMiddleware

    return create_agent(
        llm(),
        [flaky_forecast],
        middleware=[ToolRetryMiddleware(max_retries=2, initial_delay=0.05, jitter=False)],
    )

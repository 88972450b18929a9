"""LangGraph and LangChain apps written the way their tutorials, how-tos and agent docs write them.

Each builder returns what a user would hand to ``durable(...)``: no durability code, no
``name=`` added for it. Models are ``ChatOpenAI`` built with the app (they read
``OPENAI_BASE_URL``: the scripted server). ``tests/langgraph/test_conformance.py`` runs each
plainly and durably and compares the requests and the output; ``test_structured_output.py`` uses
the structured-output apps.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal

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


# -- create_agent with LangChain's built-in middleware ----------------------------------------


def _agent(*middleware: Any, tools: list[Any] | None = None, **options: Any):
    from langchain.agents import create_agent

    return create_agent(
        llm(),
        [get_weather] if tools is None else tools,
        system_prompt="You are a weather assistant.",
        middleware=list(middleware),
        **options,
    )


def build_agent_summarizing():
    """SummarizationMiddleware: once the conversation has 3 messages, older ones are summarised."""
    from langchain.agents.middleware import SummarizationMiddleware

    return _agent(SummarizationMiddleware(llm(), trigger=("messages", 3), keep=("messages", 2)))


def build_agent_with_model_call_limit():
    """ModelCallLimitMiddleware: one model call per run, then the agent ends."""
    from langchain.agents.middleware import ModelCallLimitMiddleware

    return _agent(ModelCallLimitMiddleware(run_limit=1, exit_behavior="end"))


def build_agent_with_tool_call_limit():
    """ToolCallLimitMiddleware: get_weather at most once per run."""
    from langchain.agents.middleware import ToolCallLimitMiddleware

    return _agent(ToolCallLimitMiddleware(tool_name="get_weather", run_limit=1))


def build_agent_with_fallback():
    """ModelFallbackMiddleware: when the primary model fails, a second model answers."""
    from langchain.agents.middleware import ModelFallbackMiddleware
    from langchain_openai import ChatOpenAI

    fallback = ChatOpenAI(model="gpt-4o", temperature=0, max_retries=0)
    return _agent(ModelFallbackMiddleware(fallback))


def build_agent_with_todos():
    """TodoListMiddleware: the agent plans with its write_todos tool."""
    from langchain.agents.middleware import TodoListMiddleware

    return _agent(TodoListMiddleware())


def build_agent_with_pii_redaction():
    """PIIMiddleware: e-mail addresses in the user's input are redacted before the model sees them."""
    from langchain.agents.middleware import PIIMiddleware

    return _agent(PIIMiddleware("email", strategy="redact"))


def build_agent_with_context_editing():
    """ContextEditingMiddleware: old tool results are cleared past a (tiny) token budget."""
    from langchain.agents.middleware import ClearToolUsesEdit, ContextEditingMiddleware

    return _agent(ContextEditingMiddleware(edits=[ClearToolUsesEdit(trigger=10, keep=0)]))


# -- hand-written graphs ----------------------------------------------------------------------


class Ticket(TypedDict):
    question: str
    topic: str
    answer: str


def build_router():
    """A classifier node and conditional edges to one of two specialists (a routing how-to)."""
    from langchain_core.messages import HumanMessage, SystemMessage
    from langgraph.graph import END

    model = llm()

    async def classify(state: Ticket) -> dict:
        reply = await model.ainvoke([SystemMessage("Answer 'weather' or 'other'."), HumanMessage(state["question"])])
        return {"topic": reply.text.strip().lower()}

    def route(state: Ticket) -> str:
        return "forecaster" if state["topic"] == "weather" else "generalist"

    async def forecaster(state: Ticket) -> dict:
        reply = await model.ainvoke([SystemMessage("You forecast."), HumanMessage(state["question"])])
        return {"answer": reply.text}

    async def generalist(state: Ticket) -> dict:
        reply = await model.ainvoke([HumanMessage(state["question"])])
        return {"answer": reply.text}

    builder = StateGraph(Ticket)
    builder.add_node("classify", classify)
    builder.add_node("forecaster", forecaster)
    builder.add_node("generalist", generalist)
    builder.add_edge(START, "classify")
    builder.add_conditional_edges("classify", route, ["forecaster", "generalist"])
    builder.add_edge("forecaster", END)
    builder.add_edge("generalist", END)
    return builder.compile()


def build_handoffs():
    """A supervisor hands the conversation to a specialist with ``Command(goto=...)``, and the
    specialist hands it back (multi-agent handoffs written by hand)."""
    from langchain_core.messages import AIMessage, SystemMessage
    from langgraph.graph import END, MessagesState
    from langgraph.types import Command

    model = llm()

    async def supervisor(state: MessagesState) -> Command[Literal["weather_expert", "__end__"]]:
        reply = await model.ainvoke([SystemMessage("Reply 'weather_expert' or 'done'."), *state["messages"]])
        if reply.text.strip() == "weather_expert":
            return Command(goto="weather_expert")
        return Command(goto=END, update={"messages": [AIMessage("All done.", name="supervisor")]})

    async def weather_expert(state: MessagesState) -> Command[Literal["supervisor"]]:
        reply = await model.ainvoke([SystemMessage("You know the weather."), *state["messages"]])
        return Command(goto="supervisor", update={"messages": [AIMessage(reply.text, name="weather_expert")]})

    builder = StateGraph(MessagesState)
    builder.add_node("supervisor", supervisor)
    builder.add_node("weather_expert", weather_expert)
    builder.add_edge(START, "supervisor")
    return builder.compile()


class Plan(TypedDict):
    city: str
    notes: Annotated[list[str], operator.add]


def build_parallel_branches():
    """Two branches fan out from START and join (a parallel-execution how-to); their model calls
    run concurrently."""
    from langchain_core.messages import HumanMessage
    from langgraph.graph import END

    model = llm()

    async def weather(state: Plan) -> dict:
        return {"notes": [(await model.ainvoke([HumanMessage(f"Weather in {state['city']}?")])).text]}

    async def sights(state: Plan) -> dict:
        return {"notes": [(await model.ainvoke([HumanMessage(f"Sights in {state['city']}?")])).text]}

    builder = StateGraph(Plan)
    builder.add_node("weather", weather)
    builder.add_node("sights", sights)
    builder.add_edge(START, "weather")
    builder.add_edge(START, "sights")
    builder.add_edge("weather", END)
    builder.add_edge("sights", END)
    return builder.compile()


def build_functional_async():
    """A Functional API agent with async @tasks and ``entrypoint.final`` (value returned vs saved)."""
    from langchain_core.messages import AnyMessage
    from langgraph.func import entrypoint, task

    model = llm().bind_tools([get_weather])

    @task
    async def call_model(messages: list[AnyMessage]) -> Any:
        return await model.ainvoke(messages)

    @task
    async def call_tool(tool_call: dict) -> Any:
        return await get_weather.ainvoke(tool_call)

    @entrypoint()
    async def agent(messages: list[AnyMessage]) -> Any:
        history = list(messages)
        response = await call_model(history)
        while response.tool_calls:
            history += [response, *[await call_tool(call) for call in response.tool_calls]]
            response = await call_model(history)
        return entrypoint.final(value=response.text, save=[*history, response])

    return agent


# -- structured output across a worker kill ------------------------------------------------------


class Checked(TypedDict):
    question: str
    answer: Any
    report: str


def build_checked_forecast():
    """A structured answer (``with_structured_output(Weather)``, the default method), then a tool
    checks it: a kill test holds the tool, so the structured call is in history when the worker dies."""
    model = llm().with_structured_output(Weather)

    async def forecast(state: Checked) -> dict:
        return {"answer": await model.ainvoke(state["question"])}

    async def check(state: Checked) -> dict:
        return {"report": await get_weather.ainvoke({"city": state["answer"].city})}

    builder = StateGraph(Checked)
    builder.add_node("forecast", forecast)
    builder.add_node("check", check)
    builder.add_edge(START, "forecast")
    builder.add_edge("forecast", "check")
    return builder.compile()

"""LangGraph apps for the tests, written as a user writes them (no durability code).

Every model is a ``ChatOpenAI`` built when the app is built, so it reads ``OPENAI_BASE_URL``
(the scripted server) of the process that builds it. Tools log each start to ``$TOOL_LOG`` (if
set); a call whose log entry is the text of the file ``$TOOL_HOLD`` waits while that file exists,
so a kill test can SIGKILL a worker while that call is certainly running. Nothing here sleeps
to hope.
"""

from __future__ import annotations

import operator
import os
from typing import Annotated, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import InjectedToolCallId, tool
from langchain_openai import ChatOpenAI
from langgraph.func import entrypoint, task
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import InjectedState, ToolNode, ToolRuntime, create_react_agent, tools_condition
from langgraph.types import Command, Send, interrupt
from pydantic import BaseModel

from durable_adapters.testing import hold_point

SECRET_KEY = "sk-test-key-never-in-history"


def _log_and_wait(entry: str) -> None:
    hold_point(entry)  # log the start; wait while the test holds this call


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    _log_and_wait(f"get_weather {city}")
    return f"{city}: sunny, 21C"


@tool
async def get_local_time(city: str) -> str:
    """The local time in a city."""
    _log_and_wait(f"get_local_time {city}")
    return f"{city}: 12:00"


def llm() -> ChatOpenAI:
    # The key is passed explicitly on purpose: tests check it never reaches a history.
    return ChatOpenAI(model="gpt-4o-mini", api_key=os.environ.get("OPENAI_API_KEY", SECRET_KEY), temperature=0)


# -- a prebuilt agent with two tools ---------------------------------------------------------


def build_react_agent():
    return create_react_agent(
        llm(), [get_weather, get_local_time], prompt="Answer with the tools.", name="weather-agent"
    )


# -- a hand-written StateGraph: a sync node calling llm.invoke, ToolNode, tools_condition -----


def build_sync_graph():
    model = llm().bind_tools([get_weather, get_local_time])

    def chatbot(state: MessagesState) -> dict:
        return {"messages": [model.invoke([SystemMessage("Check every city."), *state["messages"]])]}

    builder = StateGraph(MessagesState)
    builder.add_node("chatbot", chatbot)
    builder.add_node("tools", ToolNode([get_weather, get_local_time]))
    builder.add_edge(START, "chatbot")
    builder.add_conditional_edges("chatbot", tools_condition)
    builder.add_edge("tools", "chatbot")
    return builder.compile()


# -- Send map-reduce ---------------------------------------------------------------------------


class Essay(TypedDict):
    topics: list[str]
    drafts: Annotated[list[str], operator.add]
    summary: str


class Draft(TypedDict):
    topic: str


def build_map_reduce():
    model = llm()

    def fan_out(state: Essay) -> list[Send]:
        return [Send("write", {"topic": topic}) for topic in state["topics"]]

    async def write(state: Draft) -> dict:
        answer = await model.ainvoke([HumanMessage(f"One line about {state['topic']}.")])
        return {"drafts": [f"{state['topic']}: {answer.text}"]}

    async def summarise(state: Essay) -> dict:
        answer = await model.ainvoke([HumanMessage("Summarise:\n" + "\n".join(sorted(state["drafts"])))])
        return {"summary": answer.text}

    builder = StateGraph(Essay)
    builder.add_node("write", write)
    builder.add_node("summarise", summarise)
    builder.add_conditional_edges(START, fan_out, ["write"])
    builder.add_edge("write", "summarise")
    builder.add_edge("summarise", END)
    return builder.compile()


# -- a subgraph as a node -----------------------------------------------------------------------


class Report(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    report: str


def build_subgraph_parent():
    research = create_react_agent(llm(), [get_weather], name="research")

    async def write_report(state: Report) -> dict:
        answer = await llm().ainvoke([SystemMessage("Write a one-line report."), *state["messages"]])
        return {"report": answer.text}

    builder = StateGraph(Report)
    builder.add_node("research", research)
    builder.add_node("write_report", write_report)
    builder.add_edge(START, "research")
    builder.add_edge("research", "write_report")
    builder.add_edge("write_report", END)
    return builder.compile()


# -- the Functional API ---------------------------------------------------------------------


def build_functional():
    model = llm().bind_tools([get_weather])
    tools_by_name = {"get_weather": get_weather}

    @task
    def call_model(messages: list[AnyMessage]) -> AIMessage:
        return model.invoke(messages)  # a sync task: run through the bridge

    @task
    async def call_tool(tool_call: dict):
        return await tools_by_name[tool_call["name"]].ainvoke(tool_call)

    @entrypoint()
    async def agent(messages: list[AnyMessage]) -> list[AnyMessage]:
        history = list(messages)
        response = await call_model(history)
        while response.tool_calls:
            results = [await call_tool(call) for call in response.tool_calls]
            history += [response, *results]
            response = await call_model(history)
        return [*history, response]

    return agent


# -- human in the loop ------------------------------------------------------------------------


def build_approval():
    model = llm()

    async def draft(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    def review(state: MessagesState) -> dict:
        verdict = interrupt({"question": "Send this answer?", "draft": state["messages"][-1].text})
        return {"messages": [HumanMessage(f"Reviewer says: {verdict}")]}

    async def final(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("draft", draft)
    builder.add_node("review", review)
    builder.add_node("final", final)
    builder.add_edge(START, "draft")
    builder.add_edge("draft", "review")
    builder.add_edge("review", "final")
    builder.add_edge("final", END)
    return builder.compile()


# -- tools that use LangGraph's injections, return Commands, and fail -------------------------


class Visits(MessagesState):
    visited: Annotated[list[str], operator.add]


@tool
def count_messages(state: Annotated[dict, InjectedState]) -> str:
    """How many messages the conversation has."""
    return f"{len(state['messages'])} messages so far"


@tool
def remember_city(city: str, runtime: ToolRuntime) -> Command:
    """Remember a city as visited."""
    return Command(
        update={
            "visited": [city],
            "messages": [
                ToolMessage(f"remembered {city} (user {runtime.context['user']})", tool_call_id=runtime.tool_call_id)
            ],
        }
    )


@tool
def echo_call_id(tool_call_id: Annotated[str, InjectedToolCallId]) -> str:
    """Say which tool call this is."""
    return f"I am {tool_call_id}"


@tool
def broken(city: str) -> str:
    """Always fails."""
    raise ValueError(f"no data for {city}")


def build_tool_showcase():
    tools = [count_messages, remember_city, echo_call_id, broken]
    model = llm().bind_tools(tools)

    async def agent(state: Visits) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(Visits, context_schema=dict)
    builder.add_node("agent", agent)
    builder.add_node("tools", ToolNode(tools, handle_tool_errors=True))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    return builder.compile()


@tool
def weather_lookup(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: sunny, 21C"


def build_react_agent_edited():
    """``build_react_agent`` after a deliberate edit (a tool renamed): recorded runs must not replay on it."""
    return create_react_agent(
        llm(), [weather_lookup, get_local_time], prompt="Answer with the tools.", name="weather-agent"
    )


# -- LangChain's create_agent (langchain >= 1.0; what LangChain recommends over create_react_agent) --
# Imported inside the builders: langchain is optional for a LangGraph user, and this module must
# import where it is not installed.


def build_create_agent():
    from langchain.agents import create_agent

    return create_agent(
        llm(), [get_weather, get_local_time], system_prompt="Answer with the tools.", name="weather-create-agent"
    )


class Forecast(BaseModel):
    """A city's forecast, as the agent's structured answer."""

    city: str
    summary: str


def build_create_agent_structured():
    """create_agent with a structured answer given through a tool call (ToolStrategy) and a
    middleware that edits the prompt before each model call."""
    from langchain.agents import create_agent
    from langchain.agents.middleware import before_model
    from langchain.agents.structured_output import ToolStrategy

    @before_model
    def count_turns(state, runtime) -> dict | None:
        turns = sum(isinstance(m, AIMessage) for m in state["messages"])
        return {"messages": [HumanMessage(f"(turn {turns + 1})")]} if turns else None

    return create_agent(
        llm(),
        [get_weather],
        system_prompt="Answer with the tools, then give the forecast.",
        middleware=[count_turns],
        response_format=ToolStrategy(Forecast),
        name="forecast-create-agent",
    )


def build_create_agent_native_structured():
    """create_agent given the schema alone: for ChatOpenAI LangChain picks the provider's native
    structured output (a JSON-schema ``response_format`` bound to the model call)."""
    from langchain.agents import create_agent

    return create_agent(llm(), [get_weather], response_format=Forecast, name="native-forecast-create-agent")


def build_create_agent_with_approval():
    """create_agent whose get_weather calls wait for a human's decision (LangChain's
    HumanInTheLoopMiddleware, which stops the graph in interrupt())."""
    from langchain.agents import create_agent
    from langchain.agents.middleware import HumanInTheLoopMiddleware

    return create_agent(
        llm(),
        [get_weather],
        middleware=[HumanInTheLoopMiddleware(interrupt_on={"get_weather": True})],
        name="approved-weather-create-agent",
    )


# -- interrupt(value, response_schema=...) (langgraph 1.2.x; 1.2.0 has no response_schema) ---------


class Verdict(BaseModel):
    approved: bool
    note: str


class Reviewed(MessagesState):
    verdict: str


def build_typed_approval():
    model = llm()

    async def draft(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    def review(state: MessagesState) -> dict:
        verdict = interrupt({"draft": state["messages"][-1].text}, response_schema=Verdict)
        # LangGraph validates the answer against the schema and returns the model
        return {"verdict": f"{type(verdict).__name__}: approved={verdict.approved}, {verdict.note}"}

    builder = StateGraph(Reviewed)
    builder.add_node("draft", draft)
    builder.add_node("review", review)
    builder.add_edge(START, "draft")
    builder.add_edge("draft", "review")
    builder.add_edge("review", END)
    return builder.compile()


# -- streaming: a node that reports progress (get_stream_writer) and asks the model ---------------


def build_streaming_agent():
    """model → tool → model, with the model node writing a 'custom' progress chunk before each call."""
    from langgraph.config import get_stream_writer

    model = llm().bind_tools([get_weather])

    async def agent(state: MessagesState) -> dict:
        get_stream_writer()({"progress": f"asking the model (turn {len(state['messages'])})"})
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_node("tools", ToolNode([get_weather]))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    return builder.compile(name="streaming-agent")


def build_astream_node():
    """A node that streams the model itself (``llm.astream``) and keeps the merged answer."""
    model = llm()

    async def talk(state: MessagesState) -> dict:
        answer = None
        async for chunk in model.astream(state["messages"]):
            answer = chunk if answer is None else answer + chunk
        return {"messages": [answer]}

    return StateGraph(MessagesState).add_node("talk", talk).add_edge(START, "talk").compile(name="astream-node")

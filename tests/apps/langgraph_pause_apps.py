"""LangGraph apps that pause in ``interrupt()`` where LangGraph allows it, written as a user
writes them (no durability code): in a tool (ToolNode, ``create_agent``), in a subgraph, in a
``@task``.

Every model is a ``ChatOpenAI`` built when the app is built (it reads ``OPENAI_BASE_URL``). Tools
log each start to ``$TOOL_LOG`` (if set), so a test can count how often a tool really ran.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.func import entrypoint, task
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import interrupt

from durable_adapters.testing import hold_point
from tests.apps.langgraph_apps import llm

# -- a tool that asks a human (LangGraph's get-started tutorial's step) -------------------------


@tool
def human_assistance(query: str) -> str:
    """Ask a human expert for help."""
    hold_point(f"human_assistance {query}")
    answer = interrupt({"query": query})
    return f"Expert says: {answer['data']}"


def build_tool_interrupt_graph():
    """A chatbot with a ToolNode and tools_condition; its tool stops in interrupt() until a
    human answers (the tool is called again with the answer, as LangGraph does)."""
    model = llm().bind_tools([human_assistance])

    async def chatbot(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("chatbot", chatbot)
    builder.add_node("tools", ToolNode([human_assistance]))
    builder.add_conditional_edges("chatbot", tools_condition)
    builder.add_edge("tools", "chatbot")
    builder.add_edge(START, "chatbot")
    return builder.compile(name="tool-interrupt-chatbot")


# -- create_agent tools that each ask (parallel tool calls, one interrupt each) ------------------


@tool
def book_flight(city: str) -> str:
    """Book a flight to a city, once a human approves."""
    hold_point(f"book_flight {city}")
    decision = interrupt({"action": "book_flight", "city": city})
    return f"flight to {city}: {decision}"


@tool
async def book_hotel(city: str, nights: int) -> str:
    """Book a hotel in a city, once a human approves (asked twice: the hotel, then the nights)."""
    hold_point(f"book_hotel {city}")
    decision = interrupt({"action": "book_hotel", "city": city})
    confirmed = interrupt({"action": "confirm_nights", "nights": nights})
    return f"hotel in {city}: {decision}, {nights} nights {confirmed}"


def build_agent_with_asking_tools():
    """create_agent whose tools stop in interrupt(): parallel tool calls stop together, each
    with its own interrupt id; a tool may ask more than once."""
    from langchain.agents import create_agent

    return create_agent(
        llm(), [book_flight, book_hotel], system_prompt="Book what is asked.", name="asking-tools-agent"
    )


# -- a subgraph that asks ------------------------------------------------------------------------


def build_subgraph_interrupt():
    """A parent graph whose subgraph node stops in interrupt() between two model calls."""
    model = llm()

    async def draft(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    def review(state: MessagesState) -> dict:
        verdict = interrupt({"draft": state["messages"][-1].text})
        return {"messages": [HumanMessage(f"Reviewer: {verdict}")]}

    inner = StateGraph(MessagesState)
    inner.add_node("draft", draft)
    inner.add_node("review", review)
    inner.add_edge(START, "draft")
    inner.add_edge("draft", "review")
    inner.add_edge("review", END)

    async def final(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    outer = StateGraph(MessagesState)
    outer.add_node("writer", inner.compile())
    outer.add_node("final", final)
    outer.add_edge(START, "writer")
    outer.add_edge("writer", "final")
    outer.add_edge("final", END)
    return outer.compile(name="subgraph-interrupt")


# -- a @task that asks ---------------------------------------------------------------------------


def build_task_interrupt():
    """A Functional API workflow whose @task stops in interrupt() after the model's draft."""
    model = llm()

    @task
    async def write(messages: list[AnyMessage]) -> Any:
        return await model.ainvoke(messages)

    @task
    def approve(draft: str) -> str:
        return str(interrupt({"draft": draft}))

    @entrypoint()
    async def writer(messages: list[AnyMessage]) -> dict:
        draft = await write(messages)
        verdict = await approve(draft.text)
        return {"draft": draft.text, "verdict": verdict}

    return writer

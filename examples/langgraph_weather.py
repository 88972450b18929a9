"""An ordinary LangGraph app: nothing in this file knows about durability.

A hand-written StateGraph in the LangGraph tutorial style — a *sync* node calling
``llm.invoke()``, a ``ToolNode`` and ``tools_condition`` — plus a review step that stops on
``interrupt()`` for a human. ``examples/langgraph_demo.py`` runs it durably (streaming its
updates, answering the review through the run's handle, continuing on the same thread). Workers
for it, any number of them:

    durable-adapters worker examples.langgraph_weather:graph
"""

from __future__ import annotations

import os

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import interrupt


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: sunny, 21°C"


@tool
async def get_local_time(city: str) -> str:
    """The local time in a city."""
    return f"{city}: 12:00"


tools = [get_weather, get_local_time]
# ChatOpenAI reads OPENAI_API_KEY / OPENAI_BASE_URL from the environment.
llm = ChatOpenAI(model=os.environ.get("DEMO_MODEL", "gpt-4o-mini")).bind_tools(tools)


def chatbot(state: MessagesState) -> dict:
    return {
        "messages": [llm.invoke([SystemMessage("Use the tools, then answer in one sentence."), *state["messages"]])]
    }


def review(state: MessagesState) -> dict:
    verdict = interrupt({"question": "Publish this answer?", "answer": state["messages"][-1].text})
    return {"messages": [HumanMessage(f"Reviewer: {verdict}")]}


def route(state: MessagesState) -> str:
    return "tools" if tools_condition(state) == "tools" else "review"


builder = StateGraph(MessagesState)
builder.add_node("chatbot", chatbot)
builder.add_node("tools", ToolNode(tools))
builder.add_node("review", review)
builder.add_edge(START, "chatbot")
builder.add_conditional_edges("chatbot", route, ["tools", "review"])
builder.add_edge("tools", "chatbot")
builder.add_edge("review", END)
graph = builder.compile(name="weather-graph")

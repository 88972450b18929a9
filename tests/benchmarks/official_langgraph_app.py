"""The benchmark graph as Temporal's official LangGraph integration (``temporalio-langgraph``) wants it written.

What a user writes for the official plugin and ``durable(graph)`` does not ask for (the same
graph for LangGraph alone is ``build_looper`` in compare_langgraph):
* every node labelled in its metadata: ``execute_in`` plus an activity timeout;
* the uncompiled ``StateGraph``, registered by name with ``LangGraphPlugin`` on the worker, and a
  hand-written workflow that fetches it by that name and compiles it;
* nodes as module-level functions: the plugin refuses closures (it names activities after them);
* routing as an async function: LangGraph runs a sync one (``tools_condition``) on a thread
  executor, which the workflow's event loop refuses (``NotImplementedError``);
* the tool node by hand: ``ToolNode`` as an activity gets the state as plain dicts (the payload
  converter's JSON of the messages) and raises "No AIMessage found in input".
"""

from __future__ import annotations

import functools
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from langchain_core.messages import HumanMessage, SystemMessage, convert_to_messages
    from langchain_core.tools import tool
    from langgraph.graph import END, START, MessagesState, StateGraph
    from temporalio.langgraph import graph

GRAPH = "looper"
IN_ACTIVITY = {"execute_in": "activity", "start_to_close_timeout": timedelta(seconds=30)}


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: sunny, 21C"


@functools.cache
def model():
    """Made on first use, in the worker, so it reads the worker's ``OPENAI_BASE_URL``."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model="gpt-4o-mini", temperature=0).bind_tools([get_weather])


async def chatbot(state: MessagesState) -> dict:
    return {"messages": [await model().ainvoke([SystemMessage("Check every city."), *state["messages"]])]}


async def tools(state: MessagesState) -> dict:
    """The tool node by hand: the messages arrive as plain dicts."""
    last = convert_to_messages(state["messages"][-1:])[0]
    return {"messages": [await get_weather.ainvoke(call) for call in last.tool_calls]}


async def route(state: MessagesState) -> str:
    """``tools_condition``, async: routing runs in the workflow."""
    return "tools" if state["messages"][-1].tool_calls else END


def build_official_graph() -> StateGraph:
    """The looper (model node, tool node) as an uncompiled graph, each node run as an activity."""
    builder = StateGraph(MessagesState)
    builder.add_node("chatbot", chatbot, metadata=IN_ACTIVITY)
    builder.add_node("tools", tools, metadata=IN_ACTIVITY)
    builder.add_edge(START, "chatbot")
    builder.add_conditional_edges("chatbot", route, ["tools", END])
    builder.add_edge("tools", "chatbot")
    return builder


@workflow.defn
class OfficialLangGraphLooper:
    @workflow.run
    async def run(self, turns: int) -> str:
        app = graph(GRAPH).compile()
        result = await app.ainvoke({"messages": [HumanMessage("go")]}, {"recursion_limit": 2 * turns + 5})
        return str(result["messages"][-1].content)

"""LangGraph apps for the fault tests (tests/langgraph/test_faults.py), written as a user writes them.

Each ``build_*`` function returns a compiled graph; variants named ``*_edited`` are the same app
after a deliberate code change, for the replay tests. Tools log their starts through
``hold_point`` (``$TOOL_LOG``), as in ``langgraph_apps``.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TypedDict

from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from durable_adapters.testing import hold_point
from tests.apps.langgraph_apps import get_local_time, get_weather, llm

# -- two lookups in a fixed order; the edit swaps them ---------------------------------------------


class Trip(TypedDict, total=False):
    city: str
    weather: str
    time: str
    summary: str


def _trip(first: str, second: str):
    async def weather(state: Trip) -> dict:
        return {"weather": await get_weather.ainvoke({"city": state["city"]})}

    async def local_time(state: Trip) -> dict:
        return {"time": await get_local_time.ainvoke({"city": state["city"]})}

    model = llm()

    async def summarise(state: Trip) -> dict:
        answer = await model.ainvoke([HumanMessage(f"Summarise: {state['weather']}; {state['time']}")])
        return {"summary": answer.text}

    builder = StateGraph(Trip)
    builder.add_node("weather", weather)
    builder.add_node("local_time", local_time)
    builder.add_node("summarise", summarise)
    builder.add_edge(START, first)
    builder.add_edge(first, second)
    builder.add_edge(second, "summarise")
    return builder.compile()


def build_trip():
    """weather → local_time → summarise: calls 1 tool get_weather, 2 tool get_local_time, 3 model."""
    return _trip("weather", "local_time")


def build_trip_edited():
    """``build_trip`` after an edit that swaps the two lookups: the calls come in another order."""
    return _trip("local_time", "weather")


# -- one model call, with the client options a test needs ---------------------------------------------


def build_chat(**client_options):
    """One async node asking a ``ChatOpenAI`` built with ``client_options`` (``timeout``, ``max_retries``...)."""
    model = ChatOpenAI(model="gpt-4o-mini", temperature=0, **client_options)

    async def chatbot(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    return StateGraph(MessagesState).add_node("chatbot", chatbot).add_edge(START, "chatbot").compile()


# -- a tool that raises, with and without ToolNode's error handling --------------------------------


@tool
def flaky_weather(city: str) -> str:
    """The current weather in a city."""
    hold_point(f"flaky_weather {city}")
    raise RuntimeError(f"weather service down for {city}")


def build_flaky(handle_tool_errors: bool):
    model = llm().bind_tools([flaky_weather])

    async def chatbot(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("chatbot", chatbot)
    builder.add_node("tools", ToolNode([flaky_weather], handle_tool_errors=handle_tool_errors))
    builder.add_edge(START, "chatbot")
    builder.add_conditional_edges("chatbot", tools_condition)
    builder.add_edge("tools", "chatbot")
    return builder.compile()


# -- sync model calls from code the sync bridge did not start --------------------------------------


def build_model_in_own_thread(how: str):
    """A sync node that calls the model from a thread it starts itself.

    ``how``: ``"thread"`` (a ``threading.Thread``), ``"pool"`` (a ``ThreadPoolExecutor``),
    ``"asyncio_run"`` (``asyncio.run(model.ainvoke(...))`` in the node), ``"batch"``
    (``model.batch``, which LangChain runs on its own thread pool), ``"tool_pool"`` (a tool
    called on a ``ThreadPoolExecutor``), ``"own_work"`` (a thread pool for the node's own
    computation, then the model called from the node itself).
    """
    model = llm()

    def node(state: MessagesState) -> dict:
        messages = state["messages"]
        if how == "thread":
            answers: list = []
            worker = threading.Thread(target=lambda: answers.append(model.invoke(messages)))
            worker.start()
            worker.join()
            answer = answers[0]
        elif how == "pool":
            with ThreadPoolExecutor(1) as pool:
                answer = pool.submit(model.invoke, messages).result()
        elif how == "asyncio_run":
            answer = asyncio.run(model.ainvoke(messages))
        elif how == "batch":
            answer = model.batch([messages, messages])[0]
        elif how == "tool_pool":
            with ThreadPoolExecutor(1) as pool:
                answer = HumanMessage(pool.submit(get_weather.invoke, {"city": "Lima"}).result())
        elif how == "own_work":
            with ThreadPoolExecutor(2) as pool:
                total = sum(pool.map(len, [m.text for m in messages]))
            answer = model.invoke([*messages, HumanMessage(f"{total} characters so far")])
        else:
            raise ValueError(how)
        return {"messages": [answer]}

    return StateGraph(MessagesState).add_node("node", node).add_edge(START, "node").compile()


# -- a node that writes a value JSON cannot hold into the state -------------------------------------


class Handle:
    """Not data: no JSON form, no serializer knows it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


class Holder(TypedDict, total=False):
    city: str
    handle: object


def build_unserialisable_state():
    def node(state: Holder) -> dict:
        return {"handle": Handle()}

    return StateGraph(Holder).add_node("node", node).add_edge(START, "node").compile()

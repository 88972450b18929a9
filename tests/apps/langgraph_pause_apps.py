"""LangGraph apps that pause in ``interrupt()`` where LangGraph allows it, written as a user
writes them (no durability code): in a tool (ToolNode, ``create_agent``), in a subgraph, in a
``@task``.

Every model is a ``ChatOpenAI`` built when the app is built (it reads ``OPENAI_BASE_URL``). Tools
log each start to ``$TOOL_LOG`` (if set), so a test can count how often a tool really ran.
"""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.messages import AnyMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.func import entrypoint, task
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import InjectedStore, ToolNode, ToolRuntime, tools_condition
from langgraph.store.base import BaseStore
from langgraph.types import interrupt
from pydantic import BaseModel

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


# -- the Functional API, sync style (LangGraph's functional ReAct how-to pattern) ----------------


def build_sync_functional_agent():
    """A sync @entrypoint that blocks on task(...).result(): model and tool calls as @tasks,
    the tool calls of one answer started together and then waited for."""
    from langgraph.graph.message import add_messages

    from tests.apps.langgraph_apps import get_weather

    tools_by_name = {get_weather.name: get_weather}
    model = llm().bind_tools(list(tools_by_name.values()))

    @task
    def call_model(messages: list[AnyMessage]) -> Any:
        return model.invoke(messages)

    @task
    def call_tool(tool_call: dict) -> Any:
        return tools_by_name[tool_call["name"]].invoke(tool_call)

    @entrypoint()
    def agent(messages: list[AnyMessage]) -> list[AnyMessage]:
        response = call_model(messages).result()
        while response.tool_calls:
            futures = [call_tool(tool_call) for tool_call in response.tool_calls]
            results = [future.result() for future in futures]
            messages = add_messages(messages, [response, *results])
            response = call_model(messages).result()
        return add_messages(messages, response)

    return agent


def build_sync_functional_memory():
    """A sync @entrypoint with a checkpointer-style memory: ``previous`` holds the last turn's
    saved value, ``entrypoint.final`` returns one value and saves another."""
    from langgraph.graph.message import add_messages

    model = llm()

    @task
    def call_model(messages: list[AnyMessage]) -> Any:
        return model.invoke(messages)

    @entrypoint()
    def chat(messages: list[AnyMessage], *, previous: list[AnyMessage] | None = None) -> Any:
        history = add_messages(previous or [], messages)
        answer = call_model(history).result()
        history = add_messages(history, answer)
        return entrypoint.final(value=answer.text, save=history)

    return chat


def build_sync_functional_fallback():
    """A sync @entrypoint that catches a failing task's exception from ``.result()`` and falls
    back to another task."""
    model = llm()

    @task
    def flaky_lookup(city: str) -> str:
        raise LookupError(f"no forecast for {city}")

    @task
    def ask_model(city: str) -> str:
        return model.invoke([HumanMessage(f"Forecast for {city}?")]).text

    @entrypoint()
    def forecast(city: str) -> dict:
        try:
            return {"forecast": flaky_lookup(city).result()}
        except LookupError as error:
            return {"forecast": ask_model(city).result(), "fallback_because": str(error)}

    return forecast


# -- stores: the graph's long-term memory --------------------------------------------------------


def build_store_graph(store: Any = None):
    """A graph compiled with a store: an async node writes through ``runtime.store``, a sync node
    reads with ``get_store()``, and the model answers with what was remembered."""
    from langgraph.config import get_store
    from langgraph.runtime import Runtime
    from langgraph.store.memory import InMemoryStore

    model = llm()

    async def remember(state: MessagesState, runtime: Runtime) -> dict:
        assert runtime.store is not None
        await runtime.store.aput(("memories", "ana"), "first", {"fact": state["messages"][-1].text})
        await runtime.store.aput(("memories", "ana"), "second", {"fact": "likes the sea"})
        return {}

    def recall(state: MessagesState) -> dict:
        store = get_store()
        facts = [item.value["fact"] for item in store.search(("memories", "ana"))]
        first = store.get(("memories", "ana"), "first")
        facts.append(f"first seen: {first.value['fact'] if first else None}")
        return {"messages": [HumanMessage("Known: " + "; ".join(facts))]}

    async def answer(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("remember", remember)
    builder.add_node("recall", recall)
    builder.add_node("answer", answer)
    builder.add_edge(START, "remember")
    builder.add_edge("remember", "recall")
    builder.add_edge("recall", "answer")
    builder.add_edge("answer", END)
    return builder.compile(store=store if store is not None else InMemoryStore(), name="store-graph")


def build_store_agent(store: Any = None):
    """create_agent(store=...) whose tools save and recall through ``ToolRuntime.store`` and an
    ``InjectedStore`` argument."""
    from langchain.agents import create_agent
    from langgraph.store.memory import InMemoryStore

    @tool
    def save_memory(fact: str, runtime: ToolRuntime) -> str:
        """Remember a fact about the user."""
        assert runtime.store is not None
        runtime.store.put(("facts",), fact, {"fact": fact})
        return f"saved: {fact}"

    @tool
    async def recall_memories(store: Annotated[BaseStore, InjectedStore()]) -> str:
        """Recall every fact about the user."""
        return "; ".join(sorted(item.value["fact"] for item in await store.asearch(("facts",))))

    return create_agent(
        llm(),
        [save_memory, recall_memories],
        system_prompt="Remember what matters.",
        store=store if store is not None else InMemoryStore(),
        name="store-agent",
    )


class FileStore:
    """A BaseStore kept in a JSON file (``$STORE_FILE``), so it outlives a killed worker; each
    put is logged (``hold_point``: a kill test can hold it). get, put/delete and search by prefix."""

    def __new__(cls, path: str) -> Any:
        import json
        from datetime import UTC, datetime
        from pathlib import Path

        from langgraph.store.base import BaseStore, GetOp, Item, PutOp, SearchItem, SearchOp

        class _FileStore(BaseStore):
            def __init__(self) -> None:
                self.path = Path(path)

            def _load(self) -> dict[str, dict[str, Any]]:
                return json.loads(self.path.read_text()) if self.path.exists() else {}

            def batch(self, ops: Any) -> list[Any]:
                results: list[Any] = []
                for op in ops:
                    data = self._load()
                    if isinstance(op, PutOp):
                        hold_point(f"store put {op.key}")
                        key = "/".join([*op.namespace, op.key])
                        if op.value is None:
                            data.pop(key, None)
                        else:
                            now = datetime.now(UTC).isoformat()
                            created = data.get(key, {}).get("created_at", now)
                            data[key] = {"value": dict(op.value), "created_at": created, "updated_at": now}
                        self.path.write_text(json.dumps(data))
                        results.append(None)
                    elif isinstance(op, GetOp):
                        found = data.get("/".join([*op.namespace, op.key]))
                        results.append(None if found is None else Item(namespace=op.namespace, key=op.key, **found))
                    elif isinstance(op, SearchOp):
                        prefix = "/".join(op.namespace_prefix) + "/"
                        results.append(
                            [
                                SearchItem(tuple(k.split("/")[:-1]), k.split("/")[-1], **v)
                                for k, v in sorted(data.items())
                                if k.startswith(prefix)
                            ]
                        )
                    else:
                        raise NotImplementedError(type(op).__name__)
                return results

            async def abatch(self, ops: Any) -> list[Any]:
                return self.batch(ops)

        return _FileStore()


def build_file_store_graph():
    """build_store_graph with the store kept in ``$STORE_FILE`` (for kill tests)."""
    import os

    return build_store_graph(FileStore(os.environ["STORE_FILE"]))


# -- a tool whose interrupt() says what answer it expects (langgraph 1.2.x after 1.2.0) ----------


class Approval(BaseModel):
    """A reviewer's answer to a booking."""

    approved: bool
    note: str


@tool
def approve_booking(city: str) -> str:
    """Have a human approve a booking."""
    approval = interrupt({"city": city}, response_schema=Approval)  # type: ignore[call-arg]
    return f"approved={approval.approved} ({approval.note})"


def build_typed_tool_interrupt():
    """A ToolNode tool stopping in interrupt(value, response_schema=Approval): the answer comes
    back validated into Approval."""
    model = llm().bind_tools([approve_booking])

    async def chatbot(state: MessagesState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("chatbot", chatbot)
    builder.add_node("tools", ToolNode([approve_booking]))
    builder.add_conditional_edges("chatbot", tools_condition)
    builder.add_edge("tools", "chatbot")
    builder.add_edge(START, "chatbot")
    return builder.compile(name="typed-tool-interrupt")

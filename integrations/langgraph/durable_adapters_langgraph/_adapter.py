"""The LangGraph adapter: what is specific to running a compiled LangGraph graph durably.

* Hosting: the graph's tools are found (``ToolNode``s, subgraphs, what node functions refer to)
  and registered by tool name; chat models need no registration — each call carries the
  model's serialised form (see ``_model``).
* In the workflow: Pregel's own loop on the user's graph (see ``_graph``), with every chat-model
  generation and every tool invocation intercepted at class level and LangChain's run ids made
  replay-stable: every replaced point is in one table, ``_interception.PATCHES``.
* In activities: the real chat model and the real tool.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.pregel import Pregel

from durable_adapters.adapter import Adapter, DurableCalls, DurableCore, Hosted

from . import _graph, _interception, _model, _run, _store, _toolset
from ._client import DurableGraph
from ._payloads import RunPayload, RunResult
from ._values import decode, encode

_DEFAULT_NAMES = {"LangGraph", ""}


class LangGraphAdapter(Adapter):
    framework = "langgraph"

    def accepts(self, obj: Any) -> bool:
        return isinstance(obj, Pregel)

    def default_name(self, obj: Any) -> str | None:
        # "LangGraph" is every compiled graph's default name: not a name to host under.
        name = getattr(obj, "name", None)
        return None if not name or name in _DEFAULT_NAMES else str(name)

    def host(self, hosted: Hosted) -> None:
        _interception.install()
        hosted.state = _run.HostedGraph()
        for tool_class in _toolset.host_tools(hosted):
            _interception.intercept_tool_class(tool_class)

    def client(self, core: DurableCore) -> DurableGraph:
        return DurableGraph(core)

    def decode_result(self, hosted: Hosted, payload: dict[str, Any]) -> Any:
        return decode(RunResult.model_validate(payload).output)

    async def run(self, hosted: Hosted, payload: dict[str, Any], calls: DurableCalls) -> dict[str, Any]:
        run = _run.DurableRun(calls=calls, hosted=hosted)
        # Every model and tool call of the graph leaves the workflow through the points of
        # _interception.PATCHES, which act while `intercepting(run)`. A refusal the graph
        # swallowed (ToolNode turns exceptions into messages) still fails the run: it is
        # recorded on ``calls`` (see DurableCalls.refuse).
        with _interception.intercepting(run):
            try:
                result = await _graph.run_graph(hosted.obj, RunPayload.model_validate(payload), calls)
            finally:
                run.active = False  # threads the graph started may outlive the run
        return result.data()

    async def call_model(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        return await _model.call_model(hosted, request)

    async def call_tool(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        if key == _store.STORE_KEY:  # a batch of the graph's store operations (see _store)
            return await _store.call_store(_store.live_store(hosted.obj), request)
        store = _store.live_store(hosted.obj) if getattr(hosted.obj, "store", None) is not None else None
        return await _toolset.call_tool(hosted.tool(key), request, store)

    def payload_from_text(self, hosted: Hosted, text: str) -> dict[str, Any]:
        return RunPayload(input=encode({"messages": [HumanMessage(text)]})).data()

    def result_text(self, result: Any) -> str:
        if isinstance(result, dict) and isinstance(result.get("messages"), list) and result["messages"]:
            last = result["messages"][-1]
            if isinstance(last, BaseMessage):
                return str(last.text if isinstance(last.text, str) else last.content)
        return str(result)

    def describe_model(self, hosted: Hosted, key: str) -> str:
        return key

"""LangGraph stores: every read and write of the graph's store is an activity on the live store.

The store a graph is compiled with (``graph.compile(store=...)``, ``create_agent(store=...)``)
lives in the worker, shared by the runs of that process as LangGraph's own would be. Inside a
durable run the graph sees :class:`DurableStore` in its place (``runtime.store``,
``get_store()``, ``ToolRuntime.store``, ``InjectedStore``): a ``BaseStore`` whose every batch
of operations (``get``/``search``/``put``/``delete``/``list_namespaces`` and their async forms
all reach ``batch``/``abatch``) is one ``tool_call`` activity under the key :data:`STORE_KEY`,
which runs the batch on the live store (:func:`call_store`). A replay takes the answers from
history: nothing is read again, nothing written twice; a worker killed during a write retries
it, and a ``put`` of the same key and value is the same write.

A tool runs in an activity already: its ``ToolRuntime.store`` / ``InjectedStore`` is the live
store itself there (``_toolset``), so its reads and writes belong to the tool call (at least
once, as the tool).

Operations and results cross as plain JSON (:class:`StoreRequest`, :class:`StoreResponse`):
namespaces as lists, values in ``_values.encode`` form, times as ISO 8601.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)

from durable_adapters.adapter import UnsupportedError, in_bridge

from . import _run
from ._payloads import StoreRequest, StoreResponse
from ._values import decode, encode

STORE_KEY = "langgraph:store"
"""The activity key of the graph's store (no tool can have this name: OpenAI-style tool names
have no ':')."""

# -- operations and results as data ----------------------------------------------------------


def encode_op(op: Op) -> dict[str, Any]:
    if isinstance(op, GetOp):
        return {"get": {"namespace": list(op.namespace), "key": op.key, "refresh_ttl": op.refresh_ttl}}
    if isinstance(op, SearchOp):
        return {
            "search": {
                "namespace_prefix": list(op.namespace_prefix),
                "filter": encode(op.filter),
                "limit": op.limit,
                "offset": op.offset,
                "query": op.query,
                "refresh_ttl": op.refresh_ttl,
            }
        }
    if isinstance(op, PutOp):
        value = None if op.value is None else encode(dict(op.value))
        index = list(op.index) if isinstance(op.index, list) else op.index
        return {"put": {"namespace": list(op.namespace), "key": op.key, "value": value, "index": index, "ttl": op.ttl}}
    if isinstance(op, ListNamespacesOp):
        conditions = None
        if op.match_conditions is not None:
            conditions = [{"match_type": c.match_type, "path": list(c.path)} for c in op.match_conditions]
        return {
            "list_namespaces": {
                "match_conditions": conditions,
                "max_depth": op.max_depth,
                "limit": op.limit,
                "offset": op.offset,
            }
        }
    raise UnsupportedError(f"a store operation of type {type(op).__name__} is not supported in durable runs")


def decode_op(data: dict[str, Any]) -> Op:
    ((kind, fields),) = data.items()
    if kind == "get":
        return GetOp(namespace=tuple(fields["namespace"]), key=fields["key"], refresh_ttl=fields["refresh_ttl"])
    if kind == "search":
        return SearchOp(
            namespace_prefix=tuple(fields["namespace_prefix"]),
            filter=decode(fields["filter"]),
            limit=fields["limit"],
            offset=fields["offset"],
            query=fields["query"],
            refresh_ttl=fields["refresh_ttl"],
        )
    if kind == "put":
        value = None if fields["value"] is None else decode(fields["value"])
        return PutOp(
            namespace=tuple(fields["namespace"]),
            key=fields["key"],
            value=value,
            index=fields["index"],
            ttl=fields["ttl"],
        )
    if kind == "list_namespaces":
        conditions = fields["match_conditions"]
        return ListNamespacesOp(
            match_conditions=None
            if conditions is None
            else tuple(MatchCondition(match_type=c["match_type"], path=tuple(c["path"])) for c in conditions),
            max_depth=fields["max_depth"],
            limit=fields["limit"],
            offset=fields["offset"],
        )
    raise ValueError(f"unknown store operation {kind!r}")


def _encode_item(item: Item) -> dict[str, Any]:
    data = {
        "namespace": list(item.namespace),
        "key": item.key,
        "value": encode(item.value),
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
    }
    if isinstance(item, SearchItem):
        data["score"] = item.score
    return data


def _decode_item(data: dict[str, Any]) -> Item:
    fields = {
        "namespace": tuple(data["namespace"]),
        "key": data["key"],
        "value": decode(data["value"]),
        "created_at": datetime.fromisoformat(data["created_at"]),
        "updated_at": datetime.fromisoformat(data["updated_at"]),
    }
    if "score" in data:
        return SearchItem(score=data["score"], **fields)
    return Item(**fields)


def encode_result(result: Result) -> Any:
    if result is None:
        return None
    if isinstance(result, Item):
        return {"item": _encode_item(result)}
    items = list(result)
    if all(isinstance(item, Item) for item in items):
        return {"items": [_encode_item(item) for item in items]}  # type: ignore[arg-type]
    return {"namespaces": [list(namespace) for namespace in items if isinstance(namespace, tuple)]}


def decode_result(data: Any) -> Result:
    if data is None:
        return None
    if "item" in data:
        return _decode_item(data["item"])
    if "items" in data:
        return [_decode_item(item) for item in data["items"]]  # type: ignore[return-value]
    return [tuple(namespace) for namespace in data["namespaces"]]


# -- workflow side ----------------------------------------------------------------------------


class DurableStore(BaseStore):
    """The graph's store as the graph sees it inside a durable run: each batch of operations is
    one activity on the live store, its answer recorded in history."""

    def __init__(self, live: BaseStore) -> None:
        self.live = live
        # put() checks these before it batches: answer as the live store would
        self.supports_ttl = live.supports_ttl
        self.ttl_config = live.ttl_config

    def _request(self, ops: Iterable[Op]) -> tuple[dict[str, Any], str]:
        encoded = [encode_op(op) for op in ops]
        summary = "store · " + ", ".join(next(iter(op)) for op in encoded)
        return StoreRequest(ops=encoded).data(), summary

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        run = _run.entered("a store operation")
        if run is None:
            return await self.live.abatch(ops)
        request, summary = self._request(ops)
        return _results(await run.calls.tool(STORE_KEY, request, summary=summary))

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        run = _run.entered("a store operation")
        if run is None:
            return self.live.batch(ops)
        if not in_bridge():
            raise run.calls.refuse(
                UnsupportedError(
                    "a sync store operation (store.get/put/search/delete/list_namespaces) was made in "
                    "async code of a durable LangGraph run, where it cannot wait for its activity; "
                    "use the async form (await store.aget(...), aput, asearch, adelete, alist_namespaces)"
                )
            )
        request, summary = self._request(ops)
        return _results(run.calls.tool_sync(STORE_KEY, request, summary=summary))


def _results(data: dict[str, Any]) -> list[Result]:
    return [decode_result(result) for result in StoreResponse.model_validate(data).results]


def durable_store(graph: Any) -> DurableStore | None:
    """The store the graph runs with inside the workflow, or None when it has none."""
    store = getattr(graph, "store", None)
    if store is None:
        return None
    if isinstance(store, DurableStore):
        return store
    return DurableStore(store)


# -- activity side ----------------------------------------------------------------------------


def live_store(hosted_graph: Any) -> BaseStore:
    store = getattr(hosted_graph, "store", None)
    if store is None:
        raise UnsupportedError("a store operation reached a worker whose graph has no store (deploy the same code)")
    return store.live if isinstance(store, DurableStore) else store  # type: ignore[no-any-return]


async def call_store(store: BaseStore, data: dict[str, Any]) -> dict[str, Any]:
    """Run one recorded batch of operations on the live store (the activity side)."""
    request = StoreRequest.model_validate(data)
    results = await store.abatch([decode_op(op) for op in request.ops])
    return StoreResponse(results=[encode_result(result) for result in results]).data()

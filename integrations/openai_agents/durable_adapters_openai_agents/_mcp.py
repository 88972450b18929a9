"""MCP servers: listing and calling their tools as tool-call activities.

Workflow side, :func:`durable_servers` gives a stand-in agent a proxy for each of the user's
MCP servers: a shallow copy whose ``list_tools`` and ``call_tool`` run activities, so the SDK's
own ``MCPUtil`` (tool conversion, names, failure handling, structured content) runs unchanged in
the workflow and the tool list the model sees is the plain run's. The workflow never touches the
server itself (no I/O in the workflow).

Activity side, :func:`call_mcp` uses the user's live server object hosted in the worker,
connecting it on first use (once, under a lock) and reusing it across runs; the server's own
``cache_tools_list`` and static ``tool_filter`` apply there as in a plain run.

A callable ``tool_filter`` needs the run's context and agent, so the worker lists such a
server's tools unfiltered and the proxy applies the filter in the workflow with the SDK's own
method (the filter must be deterministic: it runs again on replay). ``require_approval`` needs
nothing here: the proxy keeps the server's policy, the SDK's ``MCPUtil`` gives each tool its
``needs_approval`` from it, and the run pauses as for any tool that needs approval (``_approval``).

Errors: a failure that may heal (see ``_transient``) raises ``TransientCallError`` and Temporal
retries the activity; any other is sent back as data (``{"error": ToolError}``) and raised again
in the workflow as its own class, so the SDK's MCP code handles it as in a plain run.

Activity keys (persisted): ``mcp:<server name>:list`` and ``mcp:<server name>/<tool name>``.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from agents.mcp import MCPServer
from mcp.types import CallToolResult, Tool

from durable_adapters.adapter import DurableCalls, TransientCallError, UnsupportedError

from ._payloads import ToolError
from ._toolset import raised_again, tool_error
from ._transient import connection_lost, is_transient

_PREFIX = "mcp:"
_LOCKS: dict[int, asyncio.Lock] = {}
_LIST_LOCKS: dict[int, asyncio.Lock] = {}


def server_key(server: MCPServer) -> str:
    """Where a worker keeps ``server`` among its hosted tools: ``mcp:<server name>``."""
    return f"{_PREFIX}{server.name}"


def is_mcp_key(key: str) -> bool:
    return key.startswith(_PREFIX)


def check_server(agent_name: str, server: Any) -> None:
    """Refuse, at hosting time, what an MCP server cannot do durably."""
    if not isinstance(server, MCPServer):
        raise UnsupportedError(f"agent {agent_name!r} lists {server!r} in mcp_servers, which is not an MCPServer")
    if has_callable_filter(server) and not callable(getattr(server, "_apply_tool_filter", None)):
        raise UnsupportedError(
            f"MCP server {server.name!r} of agent {agent_name!r} has a callable tool_filter but is not one of "
            "the SDK's MCP servers (MCPServerStdio, MCPServerStreamableHttp, MCPServerSse), whose filtering a "
            "durable run applies in the workflow; use a static filter (create_static_tool_filter) instead"
        )


def has_callable_filter(server: Any) -> bool:
    """Whether ``server`` filters its tools with a function (``ToolFilterCallable``), not a static dict."""
    return callable(getattr(server, "tool_filter", None))


def requires_approval(server: Any) -> bool:
    """Whether any tool of ``server`` may need approval (``require_approval`` other than "never")."""
    # The SDK keeps require_approval as a normalized policy; False means no tool needs approval.
    policy = getattr(server, "_needs_approval_policy", False)
    if isinstance(policy, dict):
        return any(policy.values())
    return policy not in (False, None)


def durable_servers(servers: list[MCPServer], calls: DurableCalls) -> list[MCPServer]:
    """Proxies of ``servers`` whose tool listing and tool calls run as activities (workflow side)."""
    return [_proxy(server, calls) for server in servers]


def _proxy(server: MCPServer, calls: DurableCalls) -> MCPServer:
    name = server.name
    proxy = copy.copy(server)

    async def list_tools(run_context: Any = None, agent: Any = None) -> list[Tool]:
        response = _raise_error(await calls.tool(f"{_PREFIX}{name}:list", {}, summary=f"mcp · {name} · list tools"))
        tools = [Tool.model_validate(tool) for tool in response["tools"]]
        if has_callable_filter(proxy):
            # The worker listed them unfiltered: the filter needs this run's context and agent,
            # which live here. The SDK's own method applies it, as in a plain run (sync or async
            # filter, ToolFilterContext, a raising filter drops the tool).
            tools = await proxy._apply_tool_filter(tools, run_context, agent)  # type: ignore[attr-defined]
        return tools

    async def call_tool(
        tool_name: str, arguments: dict[str, Any] | None, meta: dict[str, Any] | None = None
    ) -> CallToolResult:
        request = {"tool": tool_name, "arguments": arguments, "meta": meta}
        response = _raise_error(
            await calls.tool(f"{_PREFIX}{name}/{tool_name}", request, summary=f"mcp · {name} · {tool_name}")
        )
        return CallToolResult.model_validate(response["result"])

    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise UnsupportedError(
            f"MCP server {name!r}: only listing and calling tools are supported in a durable run; "
            "connect, prompts and resources are the worker's, not the workflow's"
        )

    # Instance attributes shadow the class's methods: the SDK calls these on the proxy.
    proxy.__dict__["list_tools"] = list_tools
    proxy.__dict__["call_tool"] = call_tool
    for method in ("connect", "cleanup", "list_prompts", "get_prompt", "list_resources", "read_resource"):
        proxy.__dict__[method] = refused
    return proxy


def _raise_error(response: dict[str, Any]) -> dict[str, Any]:
    """``response``, or the server's permanent error raised again as its own class (same message)."""
    if response.get("error") is not None:
        raise raised_again(ToolError.model_validate(response["error"]))
    return response


async def _connected(server: MCPServer) -> MCPServer:
    """``server`` connected: once per worker process, under a lock.

    A failure that may heal (refused, timed out, HTTP 5xx) is a :class:`TransientCallError`:
    Temporal retries the activity with the run's tool policy, so a server that comes up late is
    connected by a later attempt. Any other failure ends the call for good.
    """
    if getattr(server, "session", None) is not None:
        return server
    lock = _LOCKS.setdefault(id(server), asyncio.Lock())
    async with lock:
        if getattr(server, "session", None) is not None:
            return server
        try:
            await server.connect()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated
        except Exception as exc:
            message = f"MCP server {server.name!r} could not be connected from the worker: {type(exc).__name__}: {exc}"
            if is_transient(exc):
                raise TransientCallError(message) from exc
            raise ConnectionError(message) from exc
    return server


async def _disconnected(server: MCPServer) -> None:
    """Drop ``server``'s dead session (its connection closed under it), so the next call connects again."""
    async with _LOCKS.setdefault(id(server), asyncio.Lock()):
        if getattr(server, "session", None) is None:
            return  # another call got there first
        try:
            await server.cleanup()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated
        except Exception:
            pass  # what is left of a dead connection; the SDK's cleanup logs it
        server.session = None  # type: ignore[attr-defined]


async def _unfiltered_if_dynamic(server: MCPServer) -> list[Tool]:
    """The server's tools, the callable filter left for the workflow (a static filter applies here).

    The server lists (and caches, with ``cache_tools_list``) its tools unfiltered anyway; the
    callable filter is set aside for the one listing, under the server's lock so no other
    listing of this worker sees it unset.
    """
    if not has_callable_filter(server):
        return await server.list_tools(None, None)
    async with _LIST_LOCKS.setdefault(id(server), asyncio.Lock()):
        tool_filter = server.tool_filter  # type: ignore[attr-defined]
        server.tool_filter = None  # type: ignore[attr-defined]
        try:
            return await server.list_tools(None, None)
        finally:
            server.tool_filter = tool_filter  # type: ignore[attr-defined]


async def call_mcp(hosted_tools: dict[str, Any], key: str, request: dict[str, Any]) -> dict[str, Any]:
    """Run one MCP activity (``mcp:<server>:list`` or ``mcp:<server>/<tool>``) on the live server."""
    rest = key[len(_PREFIX) :]
    if "/" in rest:
        name, tool_name = rest.split("/", 1)
    else:
        name, tool_name = rest.removesuffix(":list"), None
    server = hosted_tools.get(f"{_PREFIX}{name}")
    if server is None:
        raise UnsupportedError(f"this worker hosts no MCP server named {name!r}; deploy the same code as the client")
    server = await _connected(server)
    try:
        if tool_name is None:
            tools = await _unfiltered_if_dynamic(server)
            return {"tools": [tool.model_dump(mode="json", by_alias=True, exclude_unset=True) for tool in tools]}
        meta = request.get("meta")
        if meta is None:
            result = await server.call_tool(request["tool"], request.get("arguments"))
        else:
            result = await server.call_tool(request["tool"], request.get("arguments"), meta=meta)
    except Exception as exc:
        if is_transient(exc):
            if connection_lost(exc):
                await _disconnected(server)  # the next attempt connects again
            doing = "listing tools" if tool_name is None else f"calling {tool_name!r}"
            raise TransientCallError(f"MCP server {name!r}, {doing}: {type(exc).__name__}: {exc}") from exc
        # Permanent (an unknown tool, a 4xx, a bad argument): the workflow raises it again as
        # it is, so the SDK turns it into the same message for the model, or the same failure.
        return {"error": tool_error(exc).model_dump(mode="json")}
    return {"result": result.model_dump(mode="json", by_alias=True, exclude_unset=True)}

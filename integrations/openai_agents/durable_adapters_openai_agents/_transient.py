"""Which failures of the SDK's own I/O (an MCP server, a session store) may heal by themselves.

A tool call's own error is the run's business: the SDK hands it to the model or fails the run,
and a durable run does the same, once. But listing or calling an MCP server's tools and reading
or writing a session are I/O the SDK does on the tool's behalf: a server restarting, a dropped
connection, an HTTP 5xx, a timeout or a briefly locked SQLite file says nothing about the call,
and the adapters raise ``TransientCallError`` for them so that Temporal retries the call with
the run's tool policy (backoff, attempts), on any worker.

:func:`is_transient` looks at the exception and everything it was raised from (``__cause__``,
``__context__``, the members of an exception group: the ``mcp`` client reports transport errors
from its task groups). Types are matched by name, so the check holds for every ``httpx`` (the
``mcp`` package 2.x ships it as ``httpx2``), ``anyio`` and ``mcp`` release of the supported range.
Anything not recognised is permanent: a wrong guess there costs a failed run, not a hang.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from durable_adapters.adapter import status_code_of

# Connection refused/reset/lost, timeouts, a stream closed under the client.
_TRANSIENT_TYPE_NAMES = frozenset(
    {
        "ConnectionError",  # the builtin: refused, reset, aborted, broken pipe
        "TimeoutError",
        "NetworkError",  # httpx: ConnectError, ReadError, WriteError, CloseError
        "TimeoutException",  # httpx: connect/read/write/pool timeouts
        "RemoteProtocolError",  # httpx: the server closed the connection mid-response
        "ClosedResourceError",  # anyio: the MCP session's stream was closed
        "BrokenResourceError",
        "EndOfStream",
    }
)
# A status that asks to try again later; any other 4xx is the request's fault.
_TRANSIENT_STATUS = frozenset({408, 425, 429})
# MCP error codes: the connection closed (-32000), a request timed out (408).
_TRANSIENT_MCP_CODES = frozenset({-32000, 408})
# What the mcp client (2.x) makes of an HTTP error status whose body is not a JSON-RPC error
# (a gateway's 502/503/504, a server restarting): INTERNAL_ERROR (-32603) with this message; the
# status itself is dropped. A spec-correct server's own rejection carries its JSON-RPC error instead.
_MCP_HTTP_FALLBACK = (-32603, "Server returned an error response")
# The SDK's own messages for transport errors whose cause it drops (to keep credentials out).
_SDK_STATUS = re.compile(r"HTTP error (\d{3})")
_SDK_TRANSPORT = (
    "Could not reach the server",
    "Connection lost",
    "Connection timeout",
    "Connection closed",
    "Request failed",  # an httpx transport error other than connect/timeout (a dropped response)
)
# SQLite's "try again" conditions (another writer holds the file).
_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) is a failure that a later attempt may not meet."""
    return any(_transient_itself(current) for current in _linked(exc))


def _linked(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, what it was raised from or during, and an exception group's members, each once."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
        pending += list(getattr(current, "exceptions", None) or ())


def _transient_itself(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & _TRANSIENT_TYPE_NAMES:
        return True
    status = status_code_of(exc)
    if status is not None:
        return status >= 500 or status in _TRANSIENT_STATUS
    code = getattr(exc, "code", None)
    if code is None:
        code = getattr(getattr(exc, "error", None), "code", None)  # mcp 1.x McpError(ErrorData)
    if "MCPError" in names or "McpError" in names:
        message = getattr(exc, "message", None) or getattr(getattr(exc, "error", None), "message", None)
        return code in _TRANSIENT_MCP_CODES or (code, message) == _MCP_HTTP_FALLBACK
    message = str(exc)
    if "UserError" in names:
        found = _SDK_STATUS.search(message)
        if found is not None:
            status = int(found.group(1))
            return status >= 500 or status in _TRANSIENT_STATUS
        return any(text in message for text in _SDK_TRANSPORT)
    if "OperationalError" in names:  # sqlite3 (and its async wrappers)
        return any(text in message for text in _SQLITE_BUSY)
    return False


_LOST_TYPE_NAMES = frozenset({"ClosedResourceError", "BrokenResourceError", "EndOfStream", "ConnectionError"})


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection itself is gone (not one request failed): a retry on
    the same connection cannot succeed, so the caller connects again."""
    for current in _linked(exc):
        names = {cls.__name__ for cls in type(current).__mro__}
        code = getattr(current, "code", None)
        if code is None:
            code = getattr(getattr(current, "error", None), "code", None)
        if names & _LOST_TYPE_NAMES or (names & {"MCPError", "McpError"} and code == -32000):
            return True
        if "UserError" in names and ("Connection lost" in str(current) or "Connection closed" in str(current)):
            return True
    return False

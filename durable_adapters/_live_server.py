"""The worker's stream server: live chunks of streamed calls, for consumers in other processes.

Chunks must not pass through Temporal — a signal or an update per token would make history grow
with every token — so a consumer elsewhere reads them from the worker that makes the call. Each
worker process that makes a streamed call listens on one TCP port (``DURABLE_STREAM_HOST`` /
``DURABLE_STREAM_PORT``, 127.0.0.1 and a free port by default) and puts its address, with the
attempt's random stream id, in the call's heartbeat details (``DescribeWorkflowExecution`` shows
them for a pending activity; heartbeats are not history events) and in the call's result. A
consumer that finds them connects and reads the call's chunks as JSON lines; naming the stream
id is what lets it read them.

The protocol, one connection per call: the consumer writes one JSON line
``{"workflow", "call", "stream", "from"}``; the server answers with a line per chunk,
``{"chunk": {...}}``, and a last line ``{"end": "finished" | "failed" | "unknown"}``. A
connection that closes with no last line means the worker went away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
from collections.abc import AsyncIterator
from typing import Any

from . import _live
from ._settings import DurableSettings

_LINE_LIMIT = 64 * 1024 * 1024
_CONNECT_TIMEOUT = 2.0
_QUIET_SECONDS = 2.0


class _Server:
    def __init__(self, server: asyncio.Server, address: str) -> None:
        self.server = server
        self.address = address
        self.loop = asyncio.get_running_loop()


_server: _Server | None = None
_starting: asyncio.Task[None] | None = None


async def ensure_started() -> str:
    """The address of this process's stream server (started on the running loop if need be)."""
    global _starting
    loop = asyncio.get_running_loop()
    if _server is None or _server.loop is not loop or not _server.server.is_serving():
        if _starting is None or _starting.get_loop() is not loop or _starting.done():
            _starting = loop.create_task(_start())
        await asyncio.shield(_starting)
    assert _server is not None
    return _server.address


async def _start() -> None:
    global _server
    loop = asyncio.get_running_loop()
    if _server is None or _server.loop is not loop or not _server.server.is_serving():
        settings = DurableSettings()
        server = await asyncio.start_server(_serve, settings.stream_host, settings.stream_port, limit=_LINE_LIMIT)
        port = server.sockets[0].getsockname()[1]
        host = settings.stream_advertise or (
            socket.gethostname() if settings.stream_host in ("0.0.0.0", "::", "") else settings.stream_host
        )
        if _server is not None and _server.loop is not loop:
            with contextlib.suppress(RuntimeError):
                _server.loop.call_soon_threadsafe(_server.server.close)
        _server = _Server(server, f"{host}:{port}")


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request = json.loads(await reader.readline())
        if not isinstance(request, dict):
            return
        live = _live.find_call(str(request.get("workflow")), str(request.get("call")))
        if live is None or not secrets.compare_digest(str(request.get("stream")), live.stream_id):
            writer.write(b'{"end":"unknown"}\n')
            return
        async for chunk in live.follow(int(request.get("from") or 0)):
            writer.write(json.dumps({"chunk": chunk}, separators=(",", ":")).encode() + b"\n")
            # A slow consumer fills only its own socket buffer; the call never waits for it.
            await writer.drain()
        writer.write(json.dumps({"end": live.ended}).encode() + b"\n")
    except (ConnectionError, ValueError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            await writer.drain()
            writer.close()


async def follow(
    address: str, workflow_id: str, call: str, stream_id: str, start: int = 0
) -> AsyncIterator[dict[str, Any] | str]:
    """A remote call's chunks (dicts), then its end state (a str: ``finished``, ``failed``,
    ``unknown``, or ``lost`` when the connection broke or could not be made). ``quiet`` comes
    in between when nothing arrived for a while: a worker that stopped without closing the
    connection (paused, cut off) looks like that."""
    host, _, port = address.rpartition(":")
    try:
        # A worker that cannot be reached (gone, or behind a firewall) must not hold the consumer.
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, int(port), limit=_LINE_LIMIT), _CONNECT_TIMEOUT
        )
    except (OSError, TimeoutError):
        yield "lost"
        return
    try:
        request = {"workflow": workflow_id, "call": call, "stream": stream_id, "from": start}
        writer.write(json.dumps(request).encode() + b"\n")
        await writer.drain()
        while True:
            try:
                line = await asyncio.wait_for(reader.readline(), _QUIET_SECONDS)
            except TimeoutError:
                yield "quiet"  # the caller checks whether the call moved on (a stopped worker)
                continue
            if not line:
                yield "lost"
                return
            message = json.loads(line)
            if "chunk" in message:
                yield message["chunk"]
            else:
                yield str(message.get("end"))
                return
    except (OSError, ValueError):
        yield "lost"
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()

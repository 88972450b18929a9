"""MCP servers in a durable run: the plain run's requests and output, tools listed and called as activities.

A real FastMCP server (tests/apps/openai_mcp_server.py) over stdio and streamable HTTP; the model
is the scripted server. Each test runs the same agent plainly and durably and compares the
requests body by body: the tool list the model sees comes from the server through an activity,
so it must be the plain run's.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agents import Agent, Runner, set_tracing_disabled
from agents.exceptions import UserError
from agents.mcp import MCPServerStdio, MCPServerStreamableHttp, ToolFilterContext, create_static_tool_filter

from durable_adapters import CallPolicy, durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_line
from tests.apps.openai_mcp_agents import build_mcp_forecaster, forecast_server
from tests.apps.openai_weather import model

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = [Reply.tool_call("get_forecast", {"city": "Oslo"}), Reply.text("Rain in Oslo.")]


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


def stdio_server(name: str, env: dict[str, str] | None = None, **options: Any) -> MCPServerStdio:
    params: Any = {"command": sys.executable, "args": ["-m", "tests.apps.openai_mcp_server", "stdio"], "cwd": str(ROOT)}
    if env is not None:
        params["env"] = env
    return MCPServerStdio(name=name, params=params, **options)


def forecaster(name: str, server: Any) -> Agent:
    return Agent(name=name, instructions="Answer briefly.", model=model(), mcp_servers=[server])


async def test_stdio_server_requests_and_output_equal_plain(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    plain_model = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_model.base_url)
    async with stdio_server("forecasts") as server:
        plain = await Runner.run(forecaster("mcp-plain", server), "Oslo tomorrow?")

    durable_model = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", durable_model.base_url)
    # Not connected by the user: the worker connects it on first use and keeps it.
    server = stdio_server("forecasts")
    try:
        result = await durable(forecaster("mcp-plain", server), name=f"mcp-stdio-{unique}").run("Oslo tomorrow?")
        assert server.session is not None
    finally:
        await server.cleanup()

    assert result.final_output == plain.final_output == "Rain in Oslo."
    assert [r.body for r in durable_model.served] == [r.body for r in plain_model.served]
    tools = {tool["function"]["name"] for tool in durable_model.served[0].body["tools"]}
    assert tools == {"get_forecast", "add", "delete_everything"}
    # The tool's answer came from the MCP server, through the activity.
    assert "Oslo: rain, 14C" in str(durable_model.served[1].body["messages"])


async def test_static_tool_filter_and_cache_as_in_a_plain_run(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    def server() -> MCPServerStdio:
        return stdio_server(
            "filtered",
            tool_filter=create_static_tool_filter(blocked_tool_names=["delete_everything"]),
            cache_tools_list=True,
        )

    plain_model = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_model.base_url)
    async with server() as plain_server:
        plain = await Runner.run(forecaster("mcp-filtered", plain_server), "Oslo tomorrow?")

    durable_model = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", durable_model.base_url)
    async with server() as live:
        result = await durable(forecaster("mcp-filtered", live), name=f"mcp-filter-{unique}").run("Oslo tomorrow?")
        assert [tool.name for tool in live.cached_tools or []] == ["get_forecast", "add", "delete_everything"]

    assert result.final_output == plain.final_output
    assert [r.body for r in durable_model.served] == [r.body for r in plain_model.served]
    tools = {tool["function"]["name"] for tool in durable_model.served[0].body["tools"]}
    assert tools == {"get_forecast", "add"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def http_server_url() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.apps.openai_mcp_server", "http", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # wait until it accepts connections
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "MCP HTTP server did not start"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)


async def test_streamable_http_server_requests_and_output_equal_plain(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str, http_server_url: str
) -> None:
    def server() -> MCPServerStreamableHttp:
        return MCPServerStreamableHttp(name="forecasts-http", params={"url": http_server_url})

    plain_model = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_model.base_url)
    async with server() as plain_server:
        plain = await Runner.run(forecaster("mcp-http", plain_server), "Oslo tomorrow?")

    durable_model = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", durable_model.base_url)
    async with server() as live:
        result = await durable(forecaster("mcp-http", live), name=f"mcp-http-{unique}").run("Oslo tomorrow?")

    assert result.final_output == plain.final_output == "Rain in Oslo."
    assert [r.body for r in durable_model.served] == [r.body for r in plain_model.served]


async def test_a_server_that_stays_down_fails_after_the_tool_policy_attempts_naming_it(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """Connecting is retried (it may heal) with the run's tool policy; then the run fails, naming the server."""
    model_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", model_server.base_url)
    connections = 0

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1  # a server that dies as soon as it is reached
        writer.close()

    listener = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/mcp"
    down = MCPServerStreamableHttp(name="forecasts-down", params={"url": url, "timeout": 2})
    started = time.monotonic()
    try:
        with pytest.raises(Exception) as raised:
            policy = CallPolicy(initial_retry_seconds=0.1, max_attempts=3)
            await durable(forecaster("mcp-down", down), name=f"mcp-down-{unique}", tool_policy=policy).run(
                "Oslo tomorrow?"
            )
    finally:
        listener.close()
    assert time.monotonic() - started < 30
    assert "forecasts-down" in str(raised.value)
    assert connections == 3  # one connection per attempt of the policy
    assert model_server.served == []  # no model call was paid for


def _allowed_by_context(context: ToolFilterContext, tool: Any) -> bool:
    """A sync filter reading what only the run has: its context, the agent and the server's name."""
    allowed = context.run_context.context["allowed"]
    return bool(context.server_name == "dynamic" and context.agent.name == "mcp-dynamic" and tool.name in allowed)


async def _allowed_by_context_async(context: ToolFilterContext, tool: Any) -> bool:
    await asyncio.sleep(0)
    return _allowed_by_context(context, tool)


def _raising_on_add(context: ToolFilterContext, tool: Any) -> bool:
    if tool.name == "add":
        raise ValueError("no adding today")  # the SDK logs it and leaves the tool out
    return _allowed_by_context(context, tool)


@pytest.mark.parametrize("tool_filter", [_allowed_by_context, _allowed_by_context_async, _raising_on_add])
async def test_a_callable_tool_filter_sees_the_run_and_filters_as_in_a_plain_run(
    tool_filter: Any, scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    context = {"allowed": ["get_forecast", "add"]}
    plain_model = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_model.base_url)
    async with stdio_server("dynamic", tool_filter=tool_filter, cache_tools_list=True) as plain_server:
        plain = await Runner.run(forecaster("mcp-dynamic", plain_server), "Oslo tomorrow?", context=context)

    durable_model = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", durable_model.base_url)
    async with stdio_server("dynamic", tool_filter=tool_filter, cache_tools_list=True) as live:
        agent = durable(forecaster("mcp-dynamic", live), name=f"mcp-dynamic-{unique}")
        result = await agent.run("Oslo tomorrow?", context=context)
        assert live.tool_filter is tool_filter  # the worker's listing set it aside only for the call

    assert result.final_output == plain.final_output == "Rain in Oslo."
    assert [r.body for r in durable_model.served] == [r.body for r in plain_model.served]
    tools = {tool["function"]["name"] for tool in durable_model.served[0].body["tools"]}
    assert tools == ({"get_forecast"} if tool_filter is _raising_on_add else {"get_forecast", "add"})


APPROVAL_SCRIPT = [
    Reply.tool_calls(
        [("get_forecast", {"city": "Oslo"}), ("get_forecast", {"city": "Bergen"}), ("add", {"a": 2, "b": 3})]
    ),
    Reply.text("Rain in Oslo; Bergen was not allowed; 5."),
]


def _approve_oslo(result: Any) -> Any:
    state = result.to_state()
    for item in result.interruptions:
        if "Oslo" in (item.arguments or ""):
            state.approve(item)
        else:
            state.reject(item, rejection_message="Not Bergen.")
    return state


async def _forecasts_need_approval(run_context: Any, agent: Any, tool: Any) -> bool:
    """A policy function: the SDK calls it (in the workflow) for each tool of the server."""
    return bool(agent.name == "mcp-approving" and tool.name == "get_forecast")


@pytest.mark.parametrize(
    "policy", [{"always": {"tool_names": ["get_forecast"]}}, _forecasts_need_approval], ids=["tool-list", "function"]
)
async def test_require_approval_pauses_durably_and_goes_on_as_a_plain_run(
    policy: Any, scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str, tmp_path: Path
) -> None:
    def server(log: Path) -> MCPServerStdio:
        monkeypatch.setenv("TOOL_LOG", str(log))  # the server process logs each call it runs
        return stdio_server("approving", require_approval=policy, env=dict(os.environ))

    plain_model = scripted_model(APPROVAL_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_model.base_url)
    async with server(tmp_path / "plain.log") as plain_server:
        agent = forecaster("mcp-approving", plain_server)
        plain_paused = await Runner.run(agent, "Forecasts and a sum?")
        plain = await Runner.run(agent, _approve_oslo(plain_paused))

    durable_model = scripted_model(APPROVAL_SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", durable_model.base_url)
    log = tmp_path / "durable.log"
    async with server(log) as live:
        agent = durable(forecaster("mcp-approving", live), name=f"mcp-approving-{unique}")
        paused = await agent.run("Forecasts and a sum?")
        pending = [(item.tool_name, item.arguments) for item in paused.interruptions]
        assert pending == [(item.tool_name, item.arguments) for item in plain_paused.interruptions]
        assert [name for name, _ in pending] == ["get_forecast", "get_forecast"]
        assert len(durable_model.served) == 1 and paused.final_output is None
        assert log.read_text().splitlines() == ["add 2 3"]  # no approval needed: it ran
        result = await agent.run(_approve_oslo(paused))

    assert result.final_output == plain.final_output
    assert [r.body for r in durable_model.served] == [r.body for r in plain_model.served]
    assert durable_model.repeats == []
    assert "Not Bergen." in str(durable_model.served[1].body)
    # The approved call ran once, the rejected one never, as plainly.
    assert sorted(log.read_text().splitlines()) == sorted((tmp_path / "plain.log").read_text().splitlines())
    assert sorted(log.read_text().splitlines()) == ["add 2 3", "get_forecast Oslo"]


async def test_worker_killed_during_an_mcp_tool_call(
    scripted_model: Any, worker_process: Any, tmp_path: Path, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL while the MCP tool runs: a new worker calls it again, no finished model request is repeated."""
    script = [Reply.tool_call("get_forecast", {"city": "Oslo"}), Reply.text("Rain in Oslo.")]
    reference = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", reference.base_url)
    async with forecast_server() as plain_server:
        plain_agent = build_mcp_forecaster()
        plain_agent.mcp_servers = [plain_server]
        await Runner.run(plain_agent, "Oslo tomorrow?")
    monkeypatch.delenv("OPENAI_BASE_URL")

    server = scripted_model(script)
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    held = "get_forecast Oslo"
    hold.write_text(held)
    name = f"mcp-kill-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    target = f"{name}=tests.apps.openai_mcp_agents:build_mcp_forecaster"

    first = worker_process(target, env=env)
    handle = await durable(build_mcp_forecaster(), name=name, worker=False).start("Oslo tomorrow?")
    await wait_for_line(tool_log, held)
    assert len(server.served) == 1  # the first model call finished; the MCP tool call is in flight
    first.kill()
    assert first.returncode == -9

    hold.unlink()
    worker_process(target, env=env)
    result = await asyncio.wait_for(handle.result(), timeout=90)

    assert result.final_output == "Rain in Oslo."
    assert len(server.served) == 2 and server.repeats == []
    assert [r.body for r in server.served] == [r.body for r in reference.served]
    assert tool_log.read_text().splitlines().count(held) == 2  # the killed call ran again on the new worker
    # The activity keys are persisted names: listing once per turn, then the call, by server and tool.
    calls = await recorded_calls(handle)
    assert [(call.kind, call.key) for call in calls] == [
        ("tool", "mcp:forecasts:list"),
        ("model", "mcp-forecaster"),
        ("tool", "mcp:forecasts/get_forecast"),
        ("tool", "mcp:forecasts:list"),
        ("model", "mcp-forecaster"),
    ]


# -- transient and permanent MCP errors ------------------------------------------------------


class FaultyProxy:
    """A TCP proxy in front of the MCP HTTP server, a double below HTTP: it answers ``status`` to
    the first ``fail`` requests whose JSON-RPC method is one of ``methods`` and forwards all else byte for byte."""

    def __init__(
        self, upstream: str, methods: list[str], fail: int, status: int, error: dict[str, Any] | None = None
    ) -> None:
        self._upstream_port = int(upstream.rsplit(":", 1)[1].split("/")[0])
        names = b"|".join(re.escape(method.encode()) for method in methods)
        self._method = re.compile(rb'"method"\s*:\s*"(' + names + rb')"')
        self._fail, self.status = fail, status
        # A JSON-RPC error body (a server rejecting the request), or none (a gateway's bare status).
        self._body = json.dumps({"jsonrpc": "2.0", "id": None, "error": error}).encode() if error else b""
        self.failed = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> FaultyProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/mcp"
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream_port)

        async def to_server() -> None:
            while data := await reader.read(65536):
                if self.failed < self._fail and self._method.search(data):
                    self.failed += 1
                    head = f"HTTP/1.1 {self.status} Fault\r\ncontent-length: {len(self._body)}\r\n"
                    head += "content-type: application/json\r\n" if self._body else ""
                    writer.write(f"{head}connection: close\r\n\r\n".encode() + self._body)
                    await writer.drain()
                    break
                up_writer.write(data)
                await up_writer.drain()
            up_writer.close()
            writer.close()

        async def to_client() -> None:
            while data := await up_reader.read(65536):
                writer.write(data)
                await writer.drain()
            writer.close()

        await asyncio.gather(to_server(), to_client(), return_exceptions=True)


async def _plain_http(scripted_model: Any, monkeypatch: pytest.MonkeyPatch, url: str) -> tuple[Any, Any]:
    plain_model = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_model.base_url)
    async with MCPServerStreamableHttp(name="forecasts-flaky", params={"url": url}) as server:
        plain = await Runner.run(forecaster("mcp-flaky", server), "Oslo tomorrow?")
    return plain_model, plain


# Connecting is "initialize" in MCP 1.x's protocol, "server/discover" in 2.x's.
@pytest.mark.parametrize(
    "methods", [["initialize", "server/discover"], ["tools/list"], ["tools/call"]], ids=["connect", "list", "call"]
)
async def test_transient_server_errors_are_retried_and_the_run_is_the_plain_one(
    methods: list[str], scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str, http_server_url: str
) -> None:
    """HTTP 503 twice (connecting, listing or calling): Temporal retries the call and the run goes on."""
    plain_model, plain = await _plain_http(scripted_model, monkeypatch, http_server_url)

    durable_model = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", durable_model.base_url)
    async with FaultyProxy(http_server_url, methods, fail=2, status=503) as proxy:
        # Not connected here: the worker connects it, so a fault while connecting hits the activity.
        server = MCPServerStreamableHttp(name="forecasts-flaky", params={"url": proxy.url})
        try:
            result = await durable(forecaster("mcp-flaky", server), name=f"mcp-flaky-{unique}").run("Oslo tomorrow?")
        finally:
            await server.cleanup()
        assert proxy.failed == 2  # each answered with a 503, then retried

    assert result.final_output == plain.final_output == "Rain in Oslo."
    assert [r.body for r in durable_model.served] == [r.body for r in plain_model.served]


async def test_a_permanent_server_error_is_not_retried_and_reaches_the_model_as_plainly(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str, http_server_url: str
) -> None:
    """The server rejects the call (a JSON-RPC error): no retry; the SDK tells the model, as plainly."""
    rejection = {"code": -32602, "message": "Invalid params: the city is closed"}

    async def run(runner: Any, model_server: Any) -> Any:
        monkeypatch.setenv("OPENAI_BASE_URL", model_server.base_url)
        async with FaultyProxy(http_server_url, ["tools/call"], fail=1, status=400, error=rejection) as proxy:
            async with MCPServerStreamableHttp(name="forecasts-strict", params={"url": proxy.url}) as server:
                result = await runner(forecaster("mcp-strict", server))
            assert proxy.failed == 1
        return result

    plain_model = scripted_model(SCRIPT)
    plain = await run(lambda agent: Runner.run(agent, "Oslo tomorrow?"), plain_model)
    durable_model = scripted_model(SCRIPT)
    result = await run(lambda agent: durable(agent, name=f"mcp-strict-{unique}").run("Oslo tomorrow?"), durable_model)

    assert result.final_output == plain.final_output
    assert [r.body for r in durable_model.served] == [r.body for r in plain_model.served]
    # Retried, the call would have passed the proxy and the model would read the forecast instead.
    assert "An error occurred while running the tool" in str(durable_model.served[1].body["messages"])
    assert "Oslo: rain" not in str(durable_model.served[1].body["messages"])


def _mcp_error(code: int, message: str) -> Exception:
    from mcp.shared.exceptions import MCPError

    return MCPError(code, message)


def _raised_from(error: Exception, cause: BaseException) -> Exception:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("make", "transient"),
    [
        (lambda: ConnectionRefusedError(111, "refused"), True),
        (lambda: TimeoutError(), True),
        (lambda: FileNotFoundError("no such command"), False),
        (lambda: UserError("Failed to call tool 'add' on MCP server 's': HTTP error 503"), True),
        (lambda: UserError("Failed to call tool 'add' on MCP server 's': HTTP error 404"), False),
        (lambda: UserError("Failed to connect to MCP server 's': Could not reach the server."), True),
        (lambda: UserError("Tool add not found"), False),
        (lambda: _mcp_error(-32603, "Server returned an error response"), True),
        (lambda: _mcp_error(-32000, "Connection closed"), True),
        (lambda: _mcp_error(-32602, "Invalid params"), False),
        (lambda: ExceptionGroup("task group", [ValueError("x"), ConnectionResetError()]), True),
        (lambda: _raised_from(RuntimeError("wrapped"), BrokenPipeError()), True),
        (lambda: sqlite3.OperationalError("database is locked"), True),
        (lambda: sqlite3.OperationalError("no such table: items"), False),
        (lambda: ValueError("a tool's own error"), False),
    ],
)
def test_what_counts_as_transient(make: Any, transient: bool) -> None:
    from durable_adapters_openai_agents._transient import is_transient

    assert is_transient(make()) is transient

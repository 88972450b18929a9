"""MCP servers in a durable run: the plain run's requests and output, tools listed and called as activities.

A real FastMCP server (tests/apps/openai_mcp_server.py) over stdio and streamable HTTP; the model
is the scripted server. Each test runs the same agent plainly and durably and compares the
requests body by body: the tool list the model sees comes from the server through an activity,
so it must be the plain run's.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agents import Agent, Runner, set_tracing_disabled
from agents.mcp import MCPServerStdio, MCPServerStreamableHttp, ToolFilterContext, create_static_tool_filter

from durable_adapters import durable
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


async def test_a_server_that_is_down_fails_fast_naming_it(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    model_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", model_server.base_url)
    down = MCPServerStreamableHttp(
        name="forecasts-down", params={"url": f"http://127.0.0.1:{_free_port()}/mcp", "timeout": 2}
    )
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        await durable(forecaster("mcp-down", down), name=f"mcp-down-{unique}").run("Oslo tomorrow?")
    assert time.monotonic() - started < 30
    assert "forecasts-down" in str(raised.value) or "forecasts-down" in repr(raised.value.__cause__)
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

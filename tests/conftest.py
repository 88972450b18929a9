from __future__ import annotations

import faulthandler
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from durable_adapters.testing._scripted_server import ScriptedModelServer

SECRET_KEY = "sk-test-key-never-in-history"


@pytest.fixture(scope="session", autouse=True)
def _temporal_env(temporal_server) -> Iterator[None]:
    """Clients and embedded workers of the tests find the test server through TEMPORAL_ADDRESS."""
    previous = os.environ.get("TEMPORAL_ADDRESS")
    os.environ["TEMPORAL_ADDRESS"] = temporal_server.address
    os.environ.setdefault("OPENAI_API_KEY", SECRET_KEY)
    yield
    if previous is None:
        os.environ.pop("TEMPORAL_ADDRESS", None)
    else:
        os.environ["TEMPORAL_ADDRESS"] = previous


@pytest.fixture(scope="session", autouse=True)
async def _embedded_workers_stopped() -> AsyncIterator[None]:
    """Stop embedded workers that a test left running (a handle never awaited) before the loop closes."""
    yield
    from durable_adapters._embedded import stop_all

    await stop_all()


@pytest.fixture
def unique() -> str:
    """A fresh suffix for hosted names and run ids, so tests sharing one server never collide."""
    return uuid.uuid4().hex[:8]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without interpreter teardown, which can abort after a Temporal client was used
    (temporalio/sdk-python#300; see durable_adapters._process). Runs after pytest's report."""
    from durable_adapters._process import exit_now

    status = getattr(config, "_durable_exit_status", None)
    if status is not None:
        exit_now(int(status))


SESSION_LIMIT_SECONDS = float(os.environ.get("DURABLE_TEST_SESSION_LIMIT", 45 * 60))


def pytest_sessionstart(session: pytest.Session) -> None:
    """A hung session (a worker or a loop that never closes) must not hold CI for its 90 minutes:
    past the limit, print every thread's stack and exit 1."""
    faulthandler.dump_traceback_later(SESSION_LIMIT_SECONDS, exit=True, file=sys.stderr)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._durable_exit_status = exitstatus  # type: ignore[attr-defined]


Serve = Callable[..., ScriptedModelServer]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start scripted servers for a test (``serve(script, **options)``); stopped afterwards."""
    servers: list[ScriptedModelServer] = []

    def start(script: Any, **options: Any) -> ScriptedModelServer:
        servers.append(ScriptedModelServer(script, **options).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

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


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._durable_exit_status = exitstatus  # type: ignore[attr-defined]

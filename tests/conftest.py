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

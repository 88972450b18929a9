"""Sync calls (``invoke``, ``run_sync``, ``kickoff``) share one event loop per process.

Frameworks cache async HTTP clients process-wide; a loop per call would close the loop their
connections belong to, and the second sync call of a program would fail inside its first model
call. The framework-level counterparts are each framework's ``test_sync_calls.py``.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from durable_adapters.adapter import run_sync
from durable_adapters.testing import Reply
from tests.conftest import Serve

_cached: dict[str, httpx.AsyncClient] = {}


async def models_status(url: str) -> int:
    """What a framework does: one async client for the process, made on first use."""
    client = _cached.setdefault("client", httpx.AsyncClient())
    return (await client.get(url)).status_code


def test_an_async_client_cached_by_the_first_sync_call_serves_the_next_ones(serve: Serve) -> None:
    url = serve([Reply.text("unused")]).base_url + "/models"
    # With a new loop per call, the second call's request fails: "Event loop is closed".
    assert [run_sync(models_status(url)) for _ in range(3)] == [200, 200, 200]


def test_the_coroutine_sees_the_callers_context() -> None:
    current_user: contextvars.ContextVar[str] = contextvars.ContextVar("current_user")

    async def who() -> str:
        return current_user.get("nobody")

    current_user.set("ada")
    assert run_sync(who()) == "ada"  # a trace or setting the caller opened, as asyncio.run would


def test_sync_calls_from_several_threads_run_at_once() -> None:
    barrier = threading.Barrier(3, timeout=10)

    async def meet(i: int) -> int:
        await asyncio.to_thread(barrier.wait)  # each waits for the other two: all three run at once
        return i

    with ThreadPoolExecutor(3) as pool:
        assert sorted(pool.map(lambda i: run_sync(meet(i)), range(3))) == [0, 1, 2]


def test_the_coroutines_own_exception_reaches_the_caller() -> None:
    async def fails() -> None:
        raise LookupError("no such city")

    with pytest.raises(LookupError, match="no such city"):
        run_sync(fails())


async def test_a_sync_call_on_a_running_loop_says_to_await_instead() -> None:
    async def nothing() -> None:
        return None

    with pytest.raises(RuntimeError, match="await the async variant instead"):
        run_sync(nothing())

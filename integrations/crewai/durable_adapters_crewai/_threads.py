"""The threads model and tool activities run CrewAI's sync code on (worker side only).

``asyncio.to_thread`` uses the loop's default pool, ``min(32, cpus + 4)`` threads: on a 2-core
worker six slow LLM calls would queue every other call behind them, while Temporal hands the
worker up to 100 activities at once. This pool matches that; threads are made only when needed.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_POOL = ThreadPoolExecutor(max_workers=100, thread_name_prefix="durable-crewai-call")


async def in_thread(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``asyncio.to_thread`` on this adapter's pool (the caller's context goes along)."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(_POOL, functools.partial(context.run, fn, *args, **kwargs))

"""Ids that LangChain and LangGraph draw through names the core's guard cannot see.

The core routes ``uuid.uuid4`` / ``time`` / ``random`` to their workflow equivalents, but only
calls made through the module attribute. LangChain's callback run ids come from
``uuid_utils.uuid7`` (a Rust extension: neither clock nor ``random`` is routed), and LangGraph's
message streaming binds ``from uuid import uuid4`` at import. Run ids end up in message ids
(``lc_run-<run id>-0``) that flow into the next model call's input, so inside a durable run they
must be the same on replay. This module re-binds those names to functions that draw from
``workflow.random()`` / ``workflow.now()`` while a durable LangGraph run is active.
"""

from __future__ import annotations

import importlib
import threading
import uuid
from collections.abc import Callable
from typing import Any

from temporalio import workflow

from . import _run
from ._internals import rebound

# (module, name, kind): the "rebound" entries of _internals.INTERNALS, where they are documented.
_ROUTED: list[tuple[str, str, str]] = [(module, name, name) for module, name in rebound()]

_installed = False
_lock = threading.Lock()


def workflow_uuid7(nanoseconds: int | None = None) -> uuid.UUID:
    """A UUIDv7 (RFC 9562 layout) from the workflow's clock and random stream: the same on replay."""
    ms = (nanoseconds // 1_000_000) if nanoseconds is not None else int(workflow.now().timestamp() * 1000)
    rand = workflow.random().getrandbits(74)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def _gated(original: Callable[..., Any], in_run: Callable[..., Any]) -> Callable[..., Any]:
    def routed(*args: Any, **kwargs: Any) -> Any:
        # Only in the workflow itself: a thread a node started has no workflow clock or random
        # stream (a model or tool call made there is refused by its interceptor, naming it).
        if _run.CURRENT.get() is not None and workflow.in_workflow():
            return in_run(*args, **kwargs)
        return original(*args, **kwargs)

    routed.__wrapped__ = original  # type: ignore[attr-defined]
    return routed


def install() -> None:
    """Re-bind the names once per process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        for module_name, name, kind in _ROUTED:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            original = getattr(module, name, None)
            if original is None:
                continue
            # Looked up at call time, so a test can switch the routing off and see replay diverge.
            in_run = (lambda *a, **k: workflow_uuid7(*a, **k)) if kind == "uuid7" else (lambda: workflow.uuid4())
            setattr(module, name, _gated(original, in_run))
        _installed = True

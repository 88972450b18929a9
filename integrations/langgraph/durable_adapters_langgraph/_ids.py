"""Ids that LangChain and LangGraph draw through names the core's guard cannot see.

The core routes ``uuid.uuid4`` / ``time`` / ``random`` to their workflow equivalents, but only
calls made through the module attribute. LangChain's callback run ids come from
``uuid_utils.uuid7`` (a Rust extension: neither clock nor ``random`` is routed), and LangGraph's
message streaming binds ``from uuid import uuid4`` at import. Run ids end up in message ids
(``lc_run-<run id>-0``) that flow into the next model call's input, so inside a durable run they
must be the same on replay. The interception table (``_interception.PATCHES``) re-binds those
names to :func:`routed_uuid7` / :func:`routed_uuid4`, which draw from ``workflow.random()`` /
``workflow.now()`` while a durable LangGraph run's graph runs in the workflow.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from temporalio import workflow


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


def routed_uuid7(original: Callable[..., Any], *args: Any, **kwargs: Any) -> uuid.UUID:
    """LangChain's ``uuid7`` inside a run: :func:`workflow_uuid7` (looked up at call time, so a
    test can switch the routing off and see replay diverge)."""
    return workflow_uuid7(*args, **kwargs)


def routed_uuid4(original: Callable[..., Any]) -> uuid.UUID:
    """A ``uuid4`` bound at import, inside a run: the workflow's replay-stable ``uuid4``."""
    return workflow.uuid4()

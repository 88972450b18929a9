"""Set a context variable for a block, and restore it only in the context it was set in.

A run whose coroutines Temporal drops while they are parked on a call (a worker shut down with
runs in its cache, an abandoned activation) is not unwound by its own task: Python's garbage
collector closes those coroutines later, on whatever thread and in whatever context it happens
to run in -- a scripted server's request thread, or another run's workflow task. A ``finally``
that restored a variable with ``var.set(previous)`` then wrote into *that* context: it switched
off another live run's determinism guard or cleared its current-run pointer, so a thread that
run started next was not marked and its model calls went to the provider unrecorded (once in
about six full test sessions). ``var.reset(token)`` refuses a foreign context with
``ValueError``; the block then leaves that context alone. Its own context is being discarded.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def scoped(var: contextvars.ContextVar[T], value: T) -> Iterator[None]:
    """``var`` is ``value`` for the block; on exit, its previous value, unless the exit runs in another context.

    Guarantees that leaving the block never changes a context other than the one it was
    entered in, whichever thread or coroutine finalisation leaves it.
    """
    token = var.set(value)
    try:
        yield
    finally:
        try:
            var.reset(token)
        except ValueError:
            pass  # left from another context (a dropped run closed by the garbage collector)

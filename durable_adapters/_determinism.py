"""The determinism guard: what framework code may and may not do while it runs in the workflow.

Framework loops were not written for replay. LangGraph stamps messages with ``uuid4()``,
SDKs read the clock and draw random numbers, and those values flow into the next model call's
input. Temporal does not compare activity inputs on replay, so nothing fails; the inputs simply
differ. While a run is active, the guard therefore routes

* ``uuid.uuid4`` to ``workflow.uuid4()``,
* ``time.time`` / ``time.time_ns`` to ``workflow.now()``,
* the ``random`` module's functions to ``workflow.random()``,

so a replay computes the same values, and it refuses what can never be replayed:

* network I/O (``socket`` connect / ``getaddrinfo``): a model or tool call that was not
  intercepted would otherwise run silently inside the workflow;
* ``time.sleep``, which would block the workflow thread;
* ``asyncio.run``, which cannot start a loop on the workflow's thread (a sync step that uses it
  would otherwise fail with asyncio's own, puzzling "running event loop" message).

Threads that code inside a run starts itself (a ``threading.Thread``, a ``ThreadPoolExecutor``)
run outside the workflow and see none of this: the guard marks them, and
:func:`run_thread_context` gives an adapter the context of the run that started the calling
thread, so its interceptors can refuse a model or tool call made there instead of letting it
reach the provider outside an activity.

Refusals raise :class:`DeterminismError`, which fails the run with a message naming the call.
The patches are installed once per process and act only in a context where :func:`guarded` is
active, i.e. in a workflow run of this project; every other thread and task sees the originals.
Names imported before installation (``from time import time``) are not covered; the limits are
documented in docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import contextvars
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from temporalio import workflow

from ._errors import DeterminismError
from ._scoped import scoped

_ACTIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("durable_adapters_guarded", default=False)
# The run's clock (epoch seconds): workflow time, or the replayed time of a fast-forward.
_CLOCK: contextvars.ContextVar[Callable[[], float] | None] = contextvars.ContextVar(
    "durable_adapters_clock", default=None
)
_installed = False
_install_lock = threading.Lock()
_threads = threading.local()

_RANDOM_FUNCTIONS = (
    "random",
    "uniform",
    "randint",
    "randrange",
    "choice",
    "choices",
    "shuffle",
    "sample",
    "getrandbits",
    "gauss",
    "triangular",
    "randbytes",
)


def active() -> bool:
    """Whether the caller runs inside a guarded workflow run."""
    return _ACTIVE.get()


@contextmanager
def guarded(clock: Callable[[], float] | None = None) -> Iterator[None]:
    """Activate the guard for the current context (and the tasks and greenlets it starts).

    ``clock`` (epoch seconds) is what ``time.time`` reads; workflow time by default.
    """
    install()
    # scoped(): a dropped run may be closed from another run's context, which must keep its guard.
    with scoped(_ACTIVE, True), scoped(_CLOCK, clock):
        yield


def _now() -> float:
    clock = _CLOCK.get()
    return clock() if clock is not None else workflow.now().timestamp()


@contextmanager
def unguarded() -> Iterator[None]:
    """Lift the guard for a block that is known to be replay-safe (e.g. code that reads the real clock on purpose)."""
    with scoped(_ACTIVE, False):
        yield


def run_thread_context() -> contextvars.Context | None:
    """The context of the guarded run that started the calling thread, or None.

    Set in threads started (``Thread.start``) by code running inside a guarded run, whatever
    the thread runs; None in every other thread (the workflow's own, activities', the user's).
    """
    return getattr(_threads, "run_context", None)


def _marking_thread_start(original: Callable[..., Any]) -> Callable[..., Any]:
    def start(self: threading.Thread) -> None:
        if _ACTIVE.get():
            context = contextvars.copy_context()
            run = self.run

            def run_marked() -> None:
                _threads.run_context = context
                run()

            self.run = run_marked  # type: ignore[method-assign]
        original(self)

    start.__wrapped__ = original  # type: ignore[attr-defined]
    start.__doc__ = original.__doc__
    return start


def _routed(original: Callable[..., Any], in_workflow: Callable[..., Any]) -> Callable[..., Any]:
    def guarded_call(*args: Any, **kwargs: Any) -> Any:
        if _ACTIVE.get():
            return in_workflow(*args, **kwargs)
        return original(*args, **kwargs)

    guarded_call.__wrapped__ = original  # type: ignore[attr-defined]
    guarded_call.__name__ = getattr(original, "__name__", "guarded")
    guarded_call.__doc__ = getattr(original, "__doc__", None)
    return guarded_call


def _refused(what: str, advice: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise DeterminismError(f"{what} inside a durable workflow run: {advice}")

    return refuse


def _refuse_asyncio_run(main: Any, *args: Any, **kwargs: Any) -> Any:
    if asyncio._get_running_loop() is None:
        # Not on the workflow's loop (a thread of the run's own, say): asyncio.run works there.
        return asyncio.run.__wrapped__(main, *args, **kwargs)  # type: ignore[attr-defined]
    if asyncio.iscoroutine(main):
        main.close()  # never run: keep the "never awaited" warning out of the logs
    raise DeterminismError(
        "asyncio.run() inside a durable workflow run: the code runs on the workflow's own event "
        "loop (sync steps included), where another loop cannot be started. Make the function async "
        "and await the coroutine instead"
    )


def _random_method(name: str) -> Callable[..., Any]:
    return lambda *args, **kwargs: getattr(workflow.random(), name)(*args, **kwargs)


def install() -> None:
    """Install the routed functions once per process. Idempotent and thread-safe."""
    global _installed
    with _install_lock:
        if _installed:
            return
        uuid.uuid4 = _routed(uuid.uuid4, workflow.uuid4)
        time.time = _routed(time.time, _now)
        time.time_ns = _routed(time.time_ns, lambda: int(_now() * 1_000_000_000))
        for name in _RANDOM_FUNCTIONS:
            if hasattr(random, name):
                setattr(random, name, _routed(getattr(random, name), _random_method(name)))

        network_advice = (
            "a model or tool call was not intercepted and tried to reach the network from the "
            "workflow. Make it through a model/tool object the adapter supports (see the docs "
            "page of your framework), so it runs as an activity"
        )
        socket.getaddrinfo = _routed(socket.getaddrinfo, _refused("a DNS lookup", network_advice))
        socket.create_connection = _routed(socket.create_connection, _refused("a network connection", network_advice))
        socket.socket.connect = _routed(  # type: ignore[method-assign]
            socket.socket.connect, _refused("a network connection", network_advice)
        )
        socket.socket.connect_ex = _routed(  # type: ignore[method-assign]
            socket.socket.connect_ex, _refused("a network connection", network_advice)
        )
        time.sleep = _routed(
            time.sleep,
            _refused("time.sleep()", "it would block the workflow; use asyncio.sleep in async code"),
        )
        threading.Thread.start = _marking_thread_start(threading.Thread.start)  # type: ignore[method-assign]
        asyncio.run = _routed(asyncio.run, _refuse_asyncio_run)
        _installed = True

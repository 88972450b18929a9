"""The adapter API: what a framework adapter builds on, and nothing else.

An adapter (``integrations/<framework>/``, its own distribution) imports from here only; the
private ``durable_adapters._*`` modules may change between any two releases, this module does
not without a deprecation. ``tests/core/test_public_api.py`` fails when a module outside the
core imports a private one.

* :class:`Adapter` — the seam: how to recognise a framework's object, host it (find its model
  and tool calls), run its loop in the workflow and encode its data.
* :class:`Hosted` — an object as a worker hosts it, with its models and tools by stable name;
  :data:`REGISTRY` — the process's hosted objects; :func:`adapter_for` /
  :func:`installed_adapters` — the adapters found through the entry point group.
* :class:`DurableCalls` — inside a run, the one way out of the workflow: each model or tool
  call becomes an activity (or comes back from history).
* :class:`Interceptions` — the one table of framework points an adapter replaces (what,
  which side, why), installed once and active only inside a durable run.
* :class:`DurableCore`, :class:`RunHandle`, :func:`run_sync` — the client side the wrappers a
  user gets are built on.
* :func:`scoped`, :func:`in_bridge`, :func:`await_only`, :func:`run_thread_context` — run-side
  helpers: a context variable set for a block only in its own context; whether sync framework
  code runs on the sync bridge and how it waits for a durable call there; the context a thread
  started inside a run must run in.
* :func:`reference` / :func:`resolve` — a class or function named as ``module:qualname`` in
  history, and back.
* :func:`live_stream` / :class:`LiveStream` — in a model call made with ``stream=True``, where
  the adapter publishes the response's chunks while it arrives; :class:`StreamEvent` — what
  ``RunHandle.stream()`` yields, from which a wrapper builds its framework's streaming API.
* :class:`TransientCallError` — raised from ``call_tool``/``call_model`` for a failure that may
  heal (a connection refused): Temporal retries that call with backoff instead of failing it.
* :func:`run_failed_class` — a framework's exception class that is also a ``RunFailedError``,
  for the exception a failed run raises on the client; :func:`status_code_of` — the HTTP status
  of a provider's error, whatever SDK raised it.
* :data:`PENDING_INPUT_QUERY`, :class:`RunOutput` — the persisted names and payloads an
  adapter's own client reads.
"""

from __future__ import annotations

from ._adapter import Adapter, adapter_for, installed_adapters
from ._calls import DurableCallError, DurableCalls
from ._determinism import run_thread_context
from ._durable import DurableCore
from ._errors import ConfigurationError, TransientCallError, UnsupportedError, run_failed_class, status_code_of
from ._handle import RunHandle
from ._interception import InterceptedPoint, Interceptions, Side
from ._live import LiveStream, live_stream
from ._names import PENDING_INPUT_QUERY
from ._payloads import RunOutput
from ._references import reference, resolve
from ._registry import REGISTRY, Hosted
from ._scoped import scoped
from ._stream import StreamEvent
from ._sync_bridge import await_only, in_bridge
from ._sync_calls import run_sync

__all__ = [
    "PENDING_INPUT_QUERY",
    "REGISTRY",
    "Adapter",
    "ConfigurationError",
    "DurableCallError",
    "DurableCalls",
    "DurableCore",
    "Hosted",
    "InterceptedPoint",
    "Interceptions",
    "LiveStream",
    "RunHandle",
    "RunOutput",
    "Side",
    "StreamEvent",
    "TransientCallError",
    "UnsupportedError",
    "adapter_for",
    "await_only",
    "in_bridge",
    "installed_adapters",
    "live_stream",
    "reference",
    "resolve",
    "run_failed_class",
    "run_sync",
    "run_thread_context",
    "scoped",
    "status_code_of",
]

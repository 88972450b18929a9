"""pytest fixtures for testing durable agents: a Temporal server, a client, workers, a model.

Registered as the ``durable_adapters`` ``pytest11`` entry point, so pytest imports this module in
every run of every project that has durable-adapters installed. It therefore imports only the
standard library and pytest at module level; Temporal, the dev server and the scripted model are
imported by the fixtures that need them.

Fixtures:

- ``temporal_server`` (session): a dev server on free ports with a SQLite file, or the external
  server named by ``DURABLE_TEST_TEMPORAL_ADDRESS``.
- ``temporal_client`` (session, async): a client of that server with the project's converter.
- ``scripted_model`` (function): ``scripted_model(script, latency=0.0)`` starts a scripted
  OpenAI-compatible model server, stopped at teardown.
- ``worker_process`` (function): ``worker_process(*targets, env=None, task_queue=None, **kw)``
  starts a ready worker subprocess against ``temporal_server``; all are killed at teardown.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from temporalio.client import Client

    from durable_adapters._devserver import DevServer
    from durable_adapters.testing._scripted_server import ScriptedModelServer
    from durable_adapters.testing._worker_process import WorkerProcess

EXTERNAL_ADDRESS_ENV = "DURABLE_TEST_TEMPORAL_ADDRESS"
"""Set to ``host:port`` to run the tests against that server instead of starting a dev server."""

try:
    import pytest_asyncio
except ImportError:  # the async fixture then explains what is missing when it is requested
    pytest_asyncio = None  # type: ignore[assignment]


@dataclass(frozen=True)
class ExternalTemporalServer:
    """A Temporal server this plugin did not start and will not stop (or kill)."""

    address: str
    ui_url: str | None = None


@pytest.fixture(scope="session")
def temporal_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DevServer | ExternalTemporalServer]:
    """The Temporal server of the test session; ``.address`` is what clients connect to.

    With ``DURABLE_TEST_TEMPORAL_ADDRESS`` set, that server (nothing is started). Otherwise a
    :class:`~durable_adapters._devserver.DevServer` on free ports, UI included, whose state is
    a SQLite file in a session temp dir (so fault tests can restart it and keep histories); it
    is stopped when the session ends. Its log is ``temporal.log`` next to the database.
    """
    external = os.environ.get(EXTERNAL_ADDRESS_ENV)
    if external:
        yield ExternalTemporalServer(address=external)
        return
    from durable_adapters._devserver import DevServer, free_port

    directory = tmp_path_factory.mktemp("temporal")
    server = DevServer(
        port=free_port(),
        ui_port=free_port(),
        db_filename=directory / "temporal.db",
        log_file=directory / "temporal.log",
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


if pytest_asyncio is not None:

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def temporal_client(temporal_server: DevServer | ExternalTemporalServer) -> Client:
        """A client of ``temporal_server`` (namespace ``default``) using the project's data
        converter, shared by the whole session on pytest-asyncio's session loop."""
        from temporalio.client import Client

        from durable_adapters._converter import DATA_CONVERTER

        return await Client.connect(temporal_server.address, data_converter=DATA_CONVERTER)

else:

    @pytest.fixture(scope="session")
    def temporal_client() -> Client:
        """Unavailable: the async client fixture needs pytest-asyncio."""
        raise pytest.UsageError("the temporal_client fixture needs pytest-asyncio: pip install pytest-asyncio")


@pytest.fixture
def scripted_model() -> Iterator[Callable[..., ScriptedModelServer]]:
    """Factory: ``scripted_model(script, latency=0.0)`` returns a started
    :class:`~durable_adapters.testing._scripted_server.ScriptedModelServer`; every server it
    started is stopped at teardown."""
    servers: list[ScriptedModelServer] = []

    def start(script: Any, latency: float = 0.0) -> ScriptedModelServer:
        from durable_adapters.testing._scripted_server import ScriptedModelServer

        server = ScriptedModelServer(script, latency=latency)
        server.start()
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in reversed(servers):
            server.stop()


@pytest.fixture
def worker_process(
    temporal_server: DevServer | ExternalTemporalServer,
) -> Iterator[Callable[..., WorkerProcess]]:
    """Factory: ``worker_process(*targets, env=None, task_queue=None, ready_timeout=60.0, **kw)``
    returns a :class:`~durable_adapters.testing._worker_process.WorkerProcess` connected to
    ``temporal_server`` and already ready (``kw`` goes to its constructor: ``cwd``,
    ``extra_args``, ``argv``). Every process it made is SIGKILLed at teardown."""
    from durable_adapters.testing._worker_process import WorkerProcess

    processes: list[WorkerProcess] = []

    def start(
        *targets: str,
        env: Mapping[str, str] | None = None,
        task_queue: str | None = None,
        ready_timeout: float = 60.0,
        **kw: Any,
    ) -> WorkerProcess:
        process = WorkerProcess(targets, temporal_address=temporal_server.address, env=env, task_queue=task_queue, **kw)
        # Registered before start(), so a process that fails to become ready is reaped too.
        processes.append(process)
        return process.start(ready_timeout)

    try:
        yield start
    finally:
        for process in processes:
            process.kill()

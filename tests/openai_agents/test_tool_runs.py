"""``Runner.run`` / ``Runner.run_sync`` called from a ``@function_tool``: durable call by call.

The SDK's "agents as tools with custom logic": a function tool whose body runs a sub-agent and
returns or post-processes its result. A function tool whose code names an agent runs its body in
the workflow, so the nested run's model and tool calls are activities one by one (as for
``agent.as_tool()``); the model receives the plain run's requests and the run returns the plain
run's result. The rest of such a tool's body must be deterministic: I/O there fails the run with
``DeterminismError`` naming the tool. The agents are written as users write them, at module level.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
from agents import Agent, Runner, function_tool, set_tracing_disabled

from durable_adapters import RunFailedError, UnsupportedError, durable
from durable_adapters.testing import Reply, hold_point, recorded_calls, wait_for_line

MODEL = "gpt-4o-mini"  # a model name: the SDK's provider reads OPENAI_BASE_URL per run


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


# -- (a) a tool that runs a sub-agent and returns its final output --------------------------

french = Agent(name="French", instructions="Translate the text into French.", model=MODEL)


@function_tool
async def translate_to_french(text: str) -> str:
    """Translate a text into French."""
    result = await Runner.run(french, text)
    return str(result.final_output)


def build_translator() -> Agent:
    return Agent(name="Translator", instructions="Use your tool.", tools=[translate_to_french], model=MODEL)


def build_closure_translator() -> Agent:
    """The sub-agent held by the tool's closure (a factory), not a module-level variable."""
    german = Agent(name="German", instructions="Translate the text into German.", model=MODEL)

    @function_tool
    async def translate_to_french(text: str) -> str:
        """Translate a text into French."""
        return str((await Runner.run(german, text)).final_output)

    return Agent(name="Closure translator", instructions="Use your tool.", tools=[translate_to_french], model=MODEL)


TRANSLATE = [
    Reply.tool_call("translate_to_french", {"text": "Good morning"}),
    Reply.text("Bonjour"),
    Reply.text("In French: Bonjour"),
]

# -- (b) tools that post-process: two runs in sequence, two runs at once ----------------------

drafter = Agent(name="Drafter", instructions="Write a one-line draft.", model=MODEL)
editor = Agent(name="Editor", instructions="Improve the draft.", model=MODEL)


@function_tool
async def draft_and_edit(topic: str) -> str:
    """Draft a line on a topic, then have it edited."""
    draft = await Runner.run(drafter, f"Topic: {topic}")
    edited = await Runner.run(editor, draft.to_input_list() + [{"role": "user", "content": "Edit it."}])
    return f"{str(edited.final_output).upper()} (from: {draft.final_output})"


def build_writer() -> Agent:
    return Agent(name="Writer", instructions="Use your tool.", tools=[draft_and_edit], model=MODEL)


WRITE = [
    Reply.tool_call("draft_and_edit", {"topic": "rain"}),
    Reply.text("rain falls"),
    Reply.text("soft rain falls"),
    Reply.text("Done."),
]

optimist = Agent(name="Optimist", instructions="Give the upside.", model=MODEL)
pessimist = Agent(name="Pessimist", instructions="Give the downside.", model=MODEL)


@function_tool
async def weigh(question: str) -> str:
    """Weigh a question from two sides at once."""
    up, down = await asyncio.gather(Runner.run(optimist, question), Runner.run(pessimist, question))
    return json.dumps({"up": up.final_output, "down": down.final_output})


def build_weigher() -> Agent:
    return Agent(name="Weigher", instructions="Use your tool.", tools=[weigh], model=MODEL)


# Both sub-agents' requests go out together and take the next reply in arrival order: the two
# replies are equal, so the result does not depend on which one arrives first.
WEIGH = [
    Reply.tool_call("weigh", {"question": "Move?"}),
    Reply.text("Worth it."),
    Reply.text("Worth it."),
    Reply.text("Go."),
]

# -- (c) a sync tool with Runner.run_sync (the SDK runs a sync tool in a thread) -------------

summarizer = Agent(name="Summarizer", instructions="Summarize in three words.", model=MODEL)


@function_tool
def summarize(text: str) -> str:
    """Summarize a text."""
    return str(Runner.run_sync(summarizer, text).final_output)


def build_sync_caller() -> Agent:
    return Agent(name="Sync caller", instructions="Use your tool.", tools=[summarize], model=MODEL)


SUMMARIZE = [
    Reply.tool_call("summarize", {"text": "A long story."}),
    Reply.text("Short story here."),
    Reply.text("Ok."),
]


# -- (f) the SDK docs' own form: the sub-agent built inside the tool on each call -------------


@function_tool
async def translate_to_spanish(text: str) -> str:
    """Translate a text into Spanish."""
    agent = Agent(name="Spanish", instructions="Translate the text into Spanish.", model=MODEL)
    result = await Runner.run(agent, text)
    return str(result.final_output)


def build_spanish_translator() -> Agent:
    return Agent(name="Spanish translator", instructions="Use your tool.", tools=[translate_to_spanish], model=MODEL)


@function_tool
async def translate_to_italian(text: str) -> str:
    """Translate a text into Italian."""
    agent = Agent(name="Italian", instructions="Translate the text into Italian.")  # the SDK's default model
    return str((await Runner.run(agent, text)).final_output)


def build_italian_translator() -> Agent:
    return Agent(name="Italian translator", instructions="Use your tool.", tools=[translate_to_italian])


BUILT_SPANISH = [
    Reply.tool_call("translate_to_spanish", {"text": "Good morning"}),
    Reply.text("Buenos días"),
    Reply.text("In Spanish: Buenos días"),
]
BUILT_ITALIAN = [
    Reply.tool_call("translate_to_italian", {"text": "Good morning"}),
    Reply.text("Buongiorno"),
    Reply.text("In Italian: Buongiorno"),
]


@function_tool
def shout(text: str) -> str:
    """Shout a text."""
    return text.upper() + "!"


@function_tool
async def shout_through_an_agent(text: str) -> str:
    """Have an agent shout a text."""
    agent = Agent(name="Shouter", instructions="Use your tool.", tools=[shout], model=MODEL)
    return str((await Runner.run(agent, text)).final_output)


def build_shouting_caller() -> Agent:
    return Agent(name="Shouting caller", instructions="Use your tool.", tools=[shout_through_an_agent], model=MODEL)


SHOUT = [
    Reply.tool_call("shout_through_an_agent", {"text": "hi"}),
    Reply.tool_call("shout", {"text": "hi"}),
    Reply.text("HI!"),
    Reply.text("Shouted: HI!"),
]


def kinds(result: Any) -> list[str]:
    return [item.type for item in result.new_items]


@pytest.mark.parametrize(
    ("build", "script", "nested", "ordered"),
    [
        (build_translator, TRANSLATE, ["French"], True),
        (build_closure_translator, TRANSLATE, ["German"], True),
        (build_writer, WRITE, ["Drafter", "Editor"], True),
        (build_weigher, WEIGH, ["Optimist", "Pessimist"], False),
        # Built in the tool on each call: called by its name and model name (durable_adapters_openai_agents._inline).
        (build_spanish_translator, BUILT_SPANISH, ["inline:Spanish"], True),
        (build_italian_translator, BUILT_ITALIAN, ["inline:Italian"], True),
    ],
    ids=[
        "returns-final-output",
        "agent-in-a-closure",
        "two-runs-in-sequence",
        "two-runs-gathered",
        "agent-built-in-the-tool",
        "agent-built-in-the-tool-default-model",
    ],
)
async def test_a_tool_running_a_sub_agent_is_durable_call_by_call_with_the_plain_requests(
    build: Callable[[], Agent],
    script: list[Reply],
    nested: list[str],
    ordered: bool,
    scripted_model: Any,
    monkeypatch: pytest.MonkeyPatch,
    unique: str,
) -> None:
    plain_server = scripted_model(list(script))
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(build(), "Go")

    server = scripted_model(list(script))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build(), name=f"{build.__name__}-{unique}").start("Go")
    result = await asyncio.wait_for(handle.result(), 60)

    assert result.final_output == plain.final_output
    assert kinds(result) == kinds(plain)
    bodies, plain_bodies = [r.body for r in server.served], [r.body for r in plain_server.served]
    if ordered:
        assert bodies == plain_bodies
    else:
        assert sorted(map(json.dumps, bodies)) == sorted(map(json.dumps, plain_bodies))
    # Every model request, the sub-agents' included, is a model activity of its own; the tool's
    # body ran in the workflow, not as one activity around a plain nested run.
    calls = await recorded_calls(handle)
    model_calls = [call.key for call in calls if call.kind == "model"]
    assert len(model_calls) == len(server.requests) == len(script)
    assert sorted(set(model_calls) - {build().name}) == sorted(nested)
    assert [call for call in calls if call.kind == "tool"] == []
    assert not server.repeats


async def test_a_tool_building_an_agent_with_tools_runs_as_one_activity_as_before(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """An agent built in the tool with tools of its own cannot be rebuilt by a worker from a
    request: the tool runs as one activity (its nested run a plain run inside), with the plain
    run's requests and result."""
    plain_server = scripted_model(list(SHOUT))
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(build_shouting_caller(), "Go")

    server = scripted_model(list(SHOUT))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_shouting_caller(), name=f"shouting-{unique}").start("Go")
    result = await asyncio.wait_for(handle.result(), 60)

    assert result.final_output == plain.final_output == "Shouted: HI!"
    assert kinds(result) == kinds(plain)
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    calls = await recorded_calls(handle)
    assert [(call.kind, call.key) for call in calls] == [
        ("model", "Shouting caller"),
        ("tool", "Shouting caller/shout_through_an_agent"),
        ("model", "Shouting caller"),
    ]
    assert not server.repeats


def test_the_names_an_agent_built_in_a_tool_is_called_by_are_pinned() -> None:
    """Persisted: the key of its model calls and the request field with its model name."""
    from durable_adapters_openai_agents._inline import INLINE_MODEL_FIELD, INLINE_PREFIX

    assert (INLINE_PREFIX, INLINE_MODEL_FIELD) == ("inline:", "inline_model")


async def test_a_sync_tool_calling_run_sync_is_durable_call_by_call(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """The SDK runs a sync tool in a thread: plainly a thread with no loop, where ``Runner.run_sync``
    starts one; in the workflow the thread is the sync bridge, and the nested call an activity.

    Not compared with a plain run: there, the nested run's own event loop reuses the SDK's shared
    HTTP client, whose connections belong to the caller's loop, and the nested model call fails
    now and then (``Error getting response``: a connection reset, or ``... bound to a different
    event loop``), so the plain run's requests are not stable (see also test_nested_runs).
    """
    server = scripted_model(list(SUMMARIZE))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_sync_caller(), name=f"sync-caller-{unique}").start("Go")
    result = await asyncio.wait_for(handle.result(), 60)

    assert result.final_output == "Ok."
    assert kinds(result) == ["tool_call_item", "tool_call_output_item", "message_output_item"]
    assert server.served[1].last_user_text() == "A long story."  # the nested run's request
    assert server.served[2].body["input"][-1] == {
        "call_id": "call_1_0",
        "output": "Short story here.",  # the tool returned the nested run's output
        "type": "function_call_output",
    }
    calls = await recorded_calls(handle)
    assert [(call.kind, call.key) for call in calls] == [
        ("model", "Sync caller"),
        ("model", "Summarizer"),
        ("model", "Sync caller"),
    ]
    assert not server.repeats


async def test_a_tool_running_a_sub_agent_in_a_streamed_durable_run_sends_the_plain_requests(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """The outer run streamed (``durable(agent).run_streamed``): the tool's nested run is a plain
    ``Runner.run`` there too, whose calls are activities; the stream's events are the plain one's."""
    plain_server = scripted_model(list(TRANSLATE))
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = Runner.run_streamed(build_translator(), "Go")
    plain_events = [event.type async for event in plain.stream_events()]

    server = scripted_model(list(TRANSLATE))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = durable(build_translator(), name=f"streamed-translator-{unique}").run_streamed("Go")
    async with asyncio.timeout(60):
        events = [event.type async for event in result.stream_events()]

    assert result.final_output == plain.final_output == "In French: Bonjour"
    assert events == plain_events
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert not server.repeats


# -- (d) a tool that names an agent and does network I/O --------------------------------------


@function_tool
async def lookup_and_translate(host: str) -> str:
    """Resolve a host, then translate its address."""
    address = socket.getaddrinfo(host, 80)[0][4][0]
    return str((await Runner.run(french, str(address))).final_output)


def build_resolver() -> Agent:
    return Agent(name="Resolver", instructions="Use your tool.", tools=[lookup_and_translate], model=MODEL)


async def test_a_tool_running_an_agent_that_does_io_fails_the_run_naming_the_tool(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """The tool's body runs in the workflow: its I/O is refused by the determinism guard, and the
    run fails with it (not the model told of an error) before the sub-agent's call is made."""
    script = [Reply.tool_call("lookup_and_translate", {"host": "localhost"}), Reply.text("un"), Reply.text("Ok.")]
    plain_server = scripted_model(list(script))
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    assert (await Runner.run(build_resolver(), "Go")).final_output == "Ok."  # plainly, the I/O just runs

    server = scripted_model(list(script))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_resolver(), name=f"resolver-{unique}").start("Go")
    with pytest.raises(RunFailedError) as raised:
        await asyncio.wait_for(handle.result(), 30)

    error = raised.value
    assert error.type == "durable_adapters._errors.DeterminismError"
    message = str(error)
    assert "tool 'lookup_and_translate' of agent 'Resolver' runs another agent" in message
    assert "a DNS lookup inside a durable workflow run" in message and "@function_tool of its own" in message
    # Only the agent's own call was made (and recorded); the error never reached the model.
    calls = await recorded_calls(handle)
    assert [(call.kind, call.key) for call in calls] == [("model", "Resolver")]
    assert len(server.requests) == 1


# -- a tool that streams a sub-agent's run: refused at once ----------------------------------


@function_tool
async def stream_french(text: str) -> str:
    """Translate, streaming."""
    result = Runner.run_streamed(french, text)
    async for _ in result.stream_events():
        pass
    return str(result.final_output)


async def test_a_tool_streaming_a_sub_agent_is_refused_before_any_call(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    server = scripted_model([Reply.text("never")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    agent = Agent(name="Streamer", instructions="Use your tool.", tools=[stream_french], model=MODEL)

    with pytest.raises(UnsupportedError, match="tool 'stream_french' of agent 'Streamer' runs another agent with"):
        await asyncio.wait_for(durable(agent, name=f"streamer-{unique}").run("Go"), 30)
    assert server.requests == []


# -- (e) a worker SIGKILLed in the middle of the nested run -----------------------------------


@function_tool
def look_up(topic: str) -> str:
    """Look a topic up."""
    hold_point(f"look_up {topic}")  # logs the start; waits while the test holds this call
    return f"{topic}: three facts"


researcher = Agent(name="Researcher", instructions="Look it up, then answer.", tools=[look_up], model=MODEL)


@function_tool
async def research(topic: str) -> str:
    """Research a topic with the researcher agent."""
    found = await Runner.run(researcher, topic)
    return f"Research: {found.final_output}"


def build_reporter() -> Agent:
    """An agent whose tool runs a sub-agent that itself calls a tool (the kill test's target)."""
    return Agent(name="Reporter", instructions="Research, then report.", tools=[research], model=MODEL)


RESEARCH = [
    Reply.tool_call("research", {"topic": "tides"}),
    Reply.tool_call("look_up", {"topic": "tides"}),
    Reply.text("Tides follow the moon."),
    Reply.text("Report: tides follow the moon."),
]


async def test_worker_killed_in_the_nested_run_repeats_no_finished_model_call(
    scripted_model: Any, worker_process: Any, tmp_path: Any, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = scripted_model(list(RESEARCH))
    monkeypatch.setenv("OPENAI_BASE_URL", reference.base_url)
    plain = await Runner.run(build_reporter(), "Tides?")
    monkeypatch.delenv("OPENAI_BASE_URL")

    server = scripted_model(list(RESEARCH))
    tool_log, hold = tmp_path / "tools.log", tmp_path / "hold"
    held = "look_up tides"
    hold.write_text(held)  # the sub-agent's tool call waits while this file exists
    name = f"reporter-kill-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tool_log), "TOOL_HOLD": str(hold)}
    target = f"{name}=tests.openai_agents.test_tool_runs:build_reporter"

    first = worker_process(target, env=env)
    handle = await durable(build_reporter(), name=name, worker=False).start("Tides?")
    await wait_for_line(tool_log, held)
    assert len(server.served) == 2  # the agent's call and the sub-agent's first call are done
    first.kill()
    assert first.returncode == -9

    hold.unlink()
    worker_process(target, env=env)
    result = await asyncio.wait_for(handle.result(), timeout=90)

    assert result.final_output == plain.final_output == "Report: tides follow the moon."
    assert kinds(result) == kinds(plain)
    assert server.repeats == []  # no finished model call was sent again
    assert [r.body for r in server.served] == [r.body for r in reference.served]
    assert tool_log.read_text().splitlines().count(held) == 2  # the killed tool call ran again
    calls = await recorded_calls(handle)
    assert [(call.kind, call.key) for call in calls] == [
        ("model", "Reporter"),
        ("model", "Researcher"),
        ("tool", "Researcher/look_up"),
        ("model", "Researcher"),
        ("model", "Reporter"),
    ]

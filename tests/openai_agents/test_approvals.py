"""Human approval (``needs_approval``): a durable run pauses at the approval, durably, and goes on
with the SDK's own flow (``result.interruptions``, ``to_state()``, ``approve``/``reject``,
``run(state)``) or with ``handle.resume(...)``; requests and results are a plain run's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from agents import Runner, set_tracing_disabled

from durable_adapters import durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_pending_input
from tests.apps.openai_io_apps import build_file_keeper

ASK = "Delete a.txt and b.txt, and refund 5 on order o1 and 500 on order o2."
SCRIPT = [
    Reply.tool_calls(
        [
            ("delete_file", {"path": "a.txt"}),
            ("delete_file", {"path": "b.txt"}),
            ("refund", {"order": "o1", "amount": 5}),
            ("refund", {"order": "o2", "amount": 500}),
        ]
    ),
    Reply.text("Done what you allowed."),
]


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


def _decide(result: Any) -> Any:
    """Approve deleting a.txt and the large refund, reject deleting b.txt (with a message)."""
    state = result.to_state()
    for item in result.interruptions:
        arguments = item.arguments or ""
        if "b.txt" in arguments:
            state.reject(item, rejection_message="b.txt stays.")
        else:
            state.approve(item)
    return state


async def _plain(scripted_model: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> tuple[Any, Any, Any]:
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TOOL_LOG", str(tmp_path / "plain-tools.log"))
    agent = build_file_keeper()
    paused = await Runner.run(agent, ASK)
    final = await Runner.run(agent, _decide(paused))
    monkeypatch.delenv("TOOL_LOG")
    return server, paused, final


def _pending(result: Any) -> list[tuple[str | None, str | None]]:
    return [(item.tool_name, item.arguments) for item in result.interruptions]


async def test_the_sdk_flow_pauses_and_goes_on_as_a_plain_run(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, unique: str
) -> None:
    plain_server, plain_paused, plain = await _plain(scripted_model, monkeypatch, tmp_path)

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    tools = tmp_path / "tools.log"
    monkeypatch.setenv("TOOL_LOG", str(tools))
    dagent = durable(build_file_keeper(), name=f"file-keeper-{unique}")
    paused = await dagent.run(ASK)

    assert _pending(paused) == _pending(plain_paused)
    assert [tool for tool, _ in _pending(paused)] == ["delete_file", "delete_file", "refund"]
    assert paused.final_output is None
    assert len(server.served) == 1
    assert tools.read_text().splitlines() == ["refund o1"]  # no approval needed: it ran

    result = await dagent.run(_decide(paused))

    assert result.final_output == plain.final_output == "Done what you allowed."
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert server.repeats == []
    assert result.to_input_list() == plain.to_input_list()
    assert sorted(tools.read_text().splitlines()) == ["delete_file a.txt", "refund o1", "refund o2"]
    assert "b.txt stays." in str(server.served[1].body)  # the rejection message reached the model


async def test_handle_shows_the_pending_calls_and_resume_answers_them(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, unique: str
) -> None:
    plain_server, _, plain = await _plain(scripted_model, monkeypatch, tmp_path)

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    handle = await durable(build_file_keeper(), name=f"file-keeper-{unique}").start(ASK)
    prompt = await wait_for_pending_input(handle)

    pending = prompt["pending"]
    assert [(call["tool_name"], call["agent"]) for call in pending] == [
        ("delete_file", "file-keeper"),
        ("delete_file", "file-keeper"),
        ("refund", "file-keeper"),
    ]
    by_path = {call["arguments"]: call["call_id"] for call in pending}
    b_call = next(call_id for arguments, call_id in by_path.items() if "b.txt" in arguments)
    await handle.resume(
        {
            "approve": [call_id for call_id in by_path.values() if call_id != b_call],
            "reject": [b_call],
            "rejection_messages": {b_call: "b.txt stays."},
        }
    )
    result = await asyncio.wait_for(handle.result(), timeout=60)

    assert result.final_output == plain.final_output
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert server.repeats == []


async def test_worker_killed_during_the_approval_wait(
    scripted_model: Any, worker_process: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, unique: str
) -> None:
    plain_server, _, plain = await _plain(scripted_model, monkeypatch, tmp_path)
    monkeypatch.delenv("OPENAI_BASE_URL")

    server = scripted_model(SCRIPT)
    tools = tmp_path / "tools.log"
    name = f"file-keeper-kill-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(tools)}
    target = f"{name}=tests.apps.openai_io_apps:build_file_keeper"
    first = worker_process(target, env=env)
    dagent = durable(build_file_keeper(), name=name, worker=False)
    run_id = f"{name}-run"
    paused = await asyncio.wait_for(dagent.run(ASK, run_id=run_id), timeout=60)
    assert len(server.served) == 1

    first.kill()  # the run waits for approval: nothing runs, the worker dies all the same
    assert first.returncode == -9
    worker_process(target, env=env)
    result = await asyncio.wait_for(dagent.run(_decide(paused)), timeout=90)

    assert result.final_output == plain.final_output
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert server.repeats == []  # the finished model call was not sent again
    starts = tools.read_text().splitlines()
    assert starts.count("delete_file a.txt") == 1  # approved: ran once
    assert "delete_file b.txt" not in starts  # rejected: never ran
    assert starts.count("refund o1") == 1 and starts.count("refund o2") == 1
    calls = await recorded_calls(await dagent.start(ASK, run_id=run_id))  # the finished run, from history
    assert [call.kind for call in calls] == ["model", "tool", "tool", "tool", "model"]


def test_approval_names_read_by_clients_are_pinned() -> None:
    """The prompt ``pending_input()`` shows and the answer ``resume()`` takes (clients of other releases)."""
    from durable_adapters_openai_agents import _approval

    assert _approval.APPROVAL_KIND == "openai_agents.tool_approval"
    assert list(_approval.ApprovalPrompt.model_fields) == ["kind", "round", "pending", "interruptions", "result"]
    assert list(_approval.PendingToolCall.model_fields) == ["agent", "tool_name", "call_id", "arguments"]
    assert list(_approval.ApprovalAnswer.model_fields) == [
        "approve",
        "reject",
        "always_approve",
        "always_reject",
        "rejection_messages",
    ]


async def test_the_decisions_made_on_a_state_travel_as_made(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """approve(always_approve=True), reject(rejection_message=...) and a call left undecided, read
    from the SDK's own state as the durable client sends them to the run."""
    from durable_adapters_openai_agents import _approval

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    paused = await Runner.run(build_file_keeper(), ASK)
    a, b, large_refund = paused.interruptions
    state = paused.to_state()
    state.approve(a, always_approve=True)
    state.reject(b, rejection_message="b.txt stays.")

    answer = _approval.answer_from_state(state)
    # The workflow applies the answer to its own state with the SDK's approve/reject: each call
    # must then be as approved, rejected or undecided as on the caller's state, in this SDK release.
    rebuilt = paused.to_state()
    for item in paused.interruptions:
        _approval._apply(rebuilt, item, answer)

    def statuses(s: Any) -> list[bool | None]:
        return [s._context.is_tool_approved(item.tool_name, item.call_id) for item in paused.interruptions]

    assert statuses(rebuilt) == statuses(state)
    assert statuses(state)[0] is True and statuses(state)[2] is None  # the large refund: undecided
    assert a.call_id in answer.always_approve  # sticky, as approved
    # Rejected (openai-agents 0.24), its message travels; 0.20 lets the sticky approval of the
    # same tool win over the rejection, on the caller's state as on the workflow's.
    rejected = statuses(state)[1] is False
    assert answer.rejection_messages == ({b.call_id: "b.txt stays."} if rejected else {})

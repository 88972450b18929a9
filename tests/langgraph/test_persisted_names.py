"""The LangGraph adapter's persisted names and payload shapes, pinned with literals.

Recorded runs refer to these: tool and model keys in activity ids, the run ids of a thread's
invocations (how the next invocation finds the previous one), and the fields of run payloads
and results. A failure here means a change breaks runs in flight or threads already started.
"""

from __future__ import annotations

import pytest
from langchain_openai import ChatOpenAI

from durable_adapters_langgraph import _model, _thread
from tests.apps.langgraph_apps import build_sync_graph


def test_thread_run_ids():
    assert _thread.run_id("weather", "user-42", 1) == "weather.thread.user-42.1"
    assert _thread.run_id("weather", "a b/c.d", 12) == "weather.thread.a b/c.d.12"  # used as given


def test_model_and_tool_keys(unique):
    assert _model.model_key(ChatOpenAI(model="gpt-4o-mini", api_key="sk-x")) == "ChatOpenAI/gpt-4o-mini"
    from durable_adapters import durable

    hosted = durable(build_sync_graph(), name=f"keys-{unique}").__durable_core__.hosted
    assert sorted(hosted.tools) == ["get_local_time", "get_weather"]


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_run_payload_and_result_fields():
    from durable_adapters_langgraph._adapter import LangGraphAdapter
    from durable_adapters_langgraph._payloads import CarriedCheckpoint, RunResult

    payload = LangGraphAdapter().payload_from_text(None, "hi")  # type: ignore[arg-type]
    assert list(payload) == ["input", "config", "stream_mode", "context", "checkpoint"]
    assert [payload[key] for key in ("config", "stream_mode", "context", "checkpoint")] == [{}, [], None, None]
    carried = CarriedCheckpoint(checkpoint=["msgpack", "AA=="], metadata=["msgpack", "AQ=="])
    result = RunResult(output={"a": 1}, thread_id="t", checkpoint=carried, interrupts_resumed=0).data()
    assert result == {
        "output": {"a": 1},
        "thread_id": "t",
        "checkpoint": {"checkpoint": ["msgpack", "AA=="], "metadata": ["msgpack", "AQ=="]},
        "interrupts_resumed": 0,
    }


def test_model_and_tool_call_fields():
    from durable_adapters_langgraph._payloads import (
        HostedModel,
        ModelRequest,
        ToolError,
        ToolRequest,
        ToolResponse,
    )

    request = ModelRequest(model=HostedModel(hosted="Custom/x"), messages=[], stop=None, kwargs={}).data()
    assert request == {"model": {"hosted": "Custom/x"}, "messages": [], "stop": None, "kwargs": {}}
    assert isinstance(ModelRequest.model_validate(request).model, HostedModel)
    constructor = {"lc": 1, "type": "constructor", "id": ["x"], "kwargs": {}}
    assert ModelRequest.model_validate({**request, "model": constructor}).model == constructor
    assert list(ToolRequest(input=None, config={}, kwargs={}).data()) == ["input", "config", "kwargs"]
    assert ToolResponse(output=None).data() == {"output": None}  # a tool that returned None
    error = ToolError(type="builtins:ValueError", message="m", args=["m"])
    assert ToolResponse(error=error).data() == {"error": {"type": "builtins:ValueError", "message": "m", "args": ["m"]}}


def test_tool_interrupt_fields():
    """interrupt() in a tool: the task's answers go with the request, the tool's interrupt()
    calls come back with the response; both only when there are any."""
    from durable_adapters_langgraph._payloads import ToolAsked, ToolPause, ToolRequest, ToolResponse

    pause = ToolPause(index=1, resume=["yes"], pending=["later"])
    request = ToolRequest(input=None, config={}, kwargs={}, pause=pause).data()
    assert request["pause"] == {"index": 1, "resume": ["yes"], "pending": ["later"]}
    assert ToolRequest.model_validate(request).pause == pause
    stopped = ToolAsked(answered=1, stopped=True, value={"q": 1})
    assert ToolResponse(asked=stopped).data() == {
        "asked": {"answered": 1, "stopped": True, "value": {"q": 1}, "response_schema": None}
    }
    assert ToolResponse(output="x", asked=ToolAsked(answered=2)).data() == {
        "output": "x",
        "asked": {"answered": 2, "stopped": False, "value": None, "response_schema": None},
    }


def test_store_operation_fields():
    """A batch of store operations (key ``langgraph:store``): operations and answers as plain JSON."""
    from datetime import UTC, datetime

    from langgraph.store.base import GetOp, Item, PutOp

    from durable_adapters_langgraph import _store

    assert _store.STORE_KEY == "langgraph:store"
    assert _store.encode_op(PutOp(("a", "b"), "k", {"v": 1})) == {
        "put": {"namespace": ["a", "b"], "key": "k", "value": {"v": 1}, "index": None, "ttl": None}
    }
    assert _store.encode_op(GetOp(("a",), "k")) == {"get": {"namespace": ["a"], "key": "k", "refresh_ttl": True}}
    when = datetime(2026, 1, 1, tzinfo=UTC)
    item = Item(value={"v": 1}, key="k", namespace=("a",), created_at=when, updated_at=when)
    assert _store.encode_result(item) == {
        "item": {
            "namespace": ["a"],
            "key": "k",
            "value": {"v": 1},
            "created_at": "2026-01-01T00:00:00+00:00",
            "updated_at": "2026-01-01T00:00:00+00:00",
        }
    }
    assert _store.decode_result(_store.encode_result(item)) == item


def test_a_tools_exception_type_is_written_as_module_qualname_and_read_in_both_forms():
    from durable_adapters_langgraph import _toolset
    from durable_adapters_langgraph._payloads import ToolError

    assert _toolset._error(ValueError("no")).type == "builtins:ValueError"
    for recorded in ("builtins:ValueError", "builtins.ValueError"):  # the dotted form: histories before issue 12
        rebuilt = _toolset._reraise(ToolError(type=recorded, message="no", args=["no"]))
        assert type(rebuilt) is ValueError and rebuilt.args == ("no",)
    unknown = _toolset._reraise(ToolError(type="no_such_module:Nope", message="no", args=["no"]))
    assert isinstance(unknown, _toolset.ToolCallFailed) and str(unknown) == "no_such_module:Nope: no"


def test_pending_input_and_stream_event_fields():
    """Not in history, but read by clients of other releases while a run is in flight."""
    from durable_adapters_langgraph._payloads import PendingInput, PendingInterrupt, StreamEvent

    plain = PendingInterrupt(id="i1", value="ok?")
    schema = PendingInterrupt(id="i2", value="ok?", response_schema={"type": "boolean"})
    pending = PendingInput(interrupts=[plain, schema], thread_id="t", values={"a": 1}).data()
    assert pending == {
        "interrupts": [
            {"id": "i1", "value": "ok?"},
            {"id": "i2", "value": "ok?", "response_schema": {"type": "boolean"}},
        ],
        "thread_id": "t",
        "values": {"a": 1},
    }
    assert StreamEvent(mode="updates", chunk={"n": {}}).data() == {"mode": "updates", "chunk": {"n": {}}}
    assert StreamEvent(mode="updates", chunk={}, ns=["sub:1"]).data() == {
        "mode": "updates",
        "chunk": {},
        "ns": ["sub:1"],
    }


def test_streaming_payload_fields():
    """The run payload's subgraphs flag (in history, only when set), and what a streamed model call
    emits and publishes (not in history, but read by clients of other releases)."""
    from durable_adapters_langgraph._payloads import ModelChunk, RunPayload, StreamedCall, StreamView

    assert "subgraphs" not in RunPayload(input=None).data()
    assert RunPayload(input=None, subgraphs=True).data()["subgraphs"] is True
    view = StreamView(ns=[], metadata={"langgraph_node": "agent"})
    assert StreamedCall(streamed_call="lc_run--1", views=[view]).data() == {
        "streamed_call": "lc_run--1",
        "views": [{"ns": [], "metadata": {"langgraph_node": "agent"}}],
    }
    assert ModelChunk(message={"lc": 1}).data() == {"message": {"lc": 1}}

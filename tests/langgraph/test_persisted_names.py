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

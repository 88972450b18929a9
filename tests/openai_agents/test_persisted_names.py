"""The OpenAI Agents adapter's persisted names (tool and model keys), pinned with literals."""

from __future__ import annotations


def test_openai_agents_tool_key_and_framework():
    from durable_adapters_openai_agents import _toolset
    from durable_adapters_openai_agents._adapter import OpenAIAgentsAdapter

    assert _toolset.tool_key("triage", "get_weather") == "triage/get_weather"
    assert OpenAIAgentsAdapter.framework == "openai-agents"


def test_openai_agents_hosted_model_and_tool_keys(unique):
    import durable_adapters
    from tests.apps.openai_weather import build_triage

    hosted = durable_adapters.host(build_triage(), name=f"pin-{unique}")

    assert hosted.name == f"pin-{unique}"
    assert hosted.adapter.framework == "openai-agents"
    assert set(hosted.models) == {"triage", "translator", "reporter"}
    assert set(hosted.tools) == {"triage/get_weather", "triage/get_local_time"}

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


def test_openai_agents_history_payload_field_names():
    """What the adapter writes into history, field by field (renaming one breaks recorded runs)."""
    from durable_adapters_openai_agents import _payloads as p

    def names(model: type) -> list[str]:
        return list(model.model_fields)

    assert names(p.RunPayload) == ["input", "context", "max_turns", "stream", "run_config", "session"]
    from durable_adapters_openai_agents._run_config import SUPPORTED

    assert SUPPORTED == (  # RunPayload.run_config's keys: the SDK's RunConfig field names
        "model_settings",
        "nest_handoff_history",
        "tracing_disabled",
        "trace_include_sensitive_data",
        "workflow_name",
        "trace_id",
        "group_id",
        "trace_metadata",
    )
    assert names(p.RunResultData) == [
        "input",
        "final_output",
        "last_agent",
        "new_items",
        "raw_responses",
        "usage",
        "context",
    ]
    assert names(p.ModelRequest) == [
        "system_instructions",
        "input",
        "model_settings",
        "tools",
        "output_schema",
        "handoffs",
    ]
    assert p.ModelRequest.model_config["extra"] == "allow"  # previous_response_id, conversation_id, prompt...
    assert names(p.FunctionToolSpec) == ["kind", "name", "description", "params_json_schema", "strict_json_schema"]
    assert names(p.HostedToolSpec) == ["kind", "agent", "name"]
    assert names(p.OutputSchemaSpec) == ["plain_text", "name", "json_schema", "strict"]
    assert names(p.HandoffSpec) == [
        "tool_name",
        "tool_description",
        "input_json_schema",
        "agent_name",
        "strict_json_schema",
    ]
    assert names(p.ModelResponseData) == ["output", "usage", "response_id", "request_id"]
    assert names(p.ToolRequest) == ["arguments", "call_id", "tool_name", "context"]
    assert names(p.ToolResponse) == ["output", "context", "value", "error"]
    assert names(p.ToolError) == ["type", "message", "args"]
    assert names(p.AgentsErrorData) == ["type", "args", "attributes", "guardrail", "run_data"]
    assert names(p.GuardrailData) == [
        "guardrail",
        "output_info",
        "tripwire_triggered",
        "behavior",
        "agent_output",
        "agent",
    ]
    assert names(p.GuardrailRef) == ["kind", "agent", "tool", "index"]
    assert names(p.TypedValue) == ["type", "value"]
    assert p.AGENTS_ERROR_TYPE == "durable_adapters_openai_agents.AgentsError"
    # A streamed run's events (the run's stream, read by clients of other releases).
    assert names(p.StreamedItem) == ["kind", "name", "item"]
    assert names(p.StreamedAgent) == ["kind", "agent"]
    assert names(p.StreamedResponse) == ["kind", "event"]
    assert names(p.ModelChunk) == ["event"]


def test_openai_agents_payloads_dump_to_the_json_written_before_them():
    """Built through the models, payloads are the literal dicts earlier releases wrote."""
    from durable_adapters_openai_agents import _payloads as p

    request = p.ModelRequest(
        system_instructions="be brief",
        input="hi",
        model_settings={},
        tools=[
            p.FunctionToolSpec(
                kind="function", name="t", description="d", params_json_schema={}, strict_json_schema=True
            ),
            p.HostedToolSpec(kind="hosted", agent="a", name="web_search"),
        ],
        output_schema=None,
        handoffs=[],
        previous_response_id="resp_1",
    )
    assert request.data() == {
        "system_instructions": "be brief",
        "input": "hi",
        "model_settings": {},
        "tools": [
            {"kind": "function", "name": "t", "description": "d", "params_json_schema": {}, "strict_json_schema": True},
            {"kind": "hosted", "agent": "a", "name": "web_search"},
        ],
        "output_schema": None,
        "handoffs": [],
        "previous_response_id": "resp_1",
    }
    assert p.ModelRequest.model_validate(request.data()).data() == request.data()
    assert p.RunPayload(input="x", context=None, max_turns=10).data() == {
        "input": "x",
        "context": None,
        "max_turns": 10,
    }
    # "stream" is written only for a streamed run, so an unstreamed run's input is unchanged.
    assert p.RunPayload(input="x", context=None, max_turns=10, stream=True).data() == {
        "input": "x",
        "context": None,
        "max_turns": 10,
        "stream": True,
    }
    assert p.ToolResponse(output="ok", context=None).data() == {"output": "ok", "context": None}
    # "value" (the tool's own return value with its type) is written only when there is one.
    assert p.ToolResponse(output="x", context=None, value={"type": None, "value": 1}).data() == {
        "output": "x",
        "context": None,
        "value": {"type": None, "value": 1},
    }
    assert p.ToolRequest(arguments="{}", call_id="c", tool_name="t", context=None).data() == {
        "arguments": "{}",
        "call_id": "c",
        "tool_name": "t",
        "context": None,
    }

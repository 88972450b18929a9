"""The scripted model server speaks to the OpenAI Agents SDK's own models."""

from __future__ import annotations

import json

import openai
import pytest

from durable_adapters.testing._scripted_server import Reply
from tests.conftest import Serve
from tests.core.test_scripted_server import MODEL


@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_openai_agents_runner_with_function_tool(serve: Serve, api: str) -> None:
    from agents import (
        Agent,
        OpenAIChatCompletionsModel,
        OpenAIResponsesModel,
        Runner,
        function_tool,
        set_tracing_disabled,
    )

    set_tracing_disabled(True)
    cities: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        cities.append(city)
        return f"sunny in {city}"

    server = serve([Reply.tool_call("get_weather", {"city": "Paris"}), Reply.text("It is sunny in Paris.")])
    model_class = OpenAIChatCompletionsModel if api == "chat" else OpenAIResponsesModel
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as sdk:
        agent = Agent(
            name="weather",
            instructions="Answer with the weather.",
            model=model_class(model=MODEL, openai_client=sdk),
            tools=[get_weather],
        )
        result = await Runner.run(agent, "Weather in Paris?")

    assert result.final_output == "It is sunny in Paris."
    assert cities == ["Paris"]
    first, second = server.served
    assert (first.api, second.api) == (api, api)
    assert first.tool_names() == ["get_weather"]
    assert first.system_text() == "Answer with the weather."
    # The second call carries the tool result back under the scripted call id.
    assert "call_1_0" in json.dumps(second.body)
    assert "sunny in Paris" in json.dumps(second.body)
    assert server.repeats == []

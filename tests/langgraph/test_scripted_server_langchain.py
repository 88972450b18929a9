"""The scripted model server speaks to LangChain's own OpenAI client."""

from __future__ import annotations

from durable_adapters.testing._scripted_server import Reply
from tests.conftest import Serve
from tests.core.test_scripted_server import MODEL


def test_langchain_chat_openai_bind_tools(serve: Serve) -> None:
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI

    @tool
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        return f"sunny in {city}"

    server = serve([Reply.tool_call("get_weather", {"city": "Paris"})])
    llm = ChatOpenAI(model=MODEL, base_url=server.base_url, api_key="sk-test", max_retries=0)

    message = llm.bind_tools([get_weather]).invoke("Weather in Paris?")

    expected = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1_0", "type": "tool_call"}
    assert message.tool_calls == [expected]
    assert server.requests[0].tool_names() == ["get_weather"]

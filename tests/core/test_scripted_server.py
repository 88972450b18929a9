"""The scripted model server, exercised through the real clients the adapters use.

Every test talks HTTP through the official ``openai`` SDK (or a framework built on it), so a
passing test means the wire format is one those clients accept in production.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openai
import pytest

from durable_adapters.testing._scripted_server import ModelRequest, Reply, ScriptedModelServer
from tests.conftest import Serve

MODEL = "gpt-4o-mini"
WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
CHAT_WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": WEATHER_PARAMETERS},
}
RESPONSES_WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "parameters": WEATHER_PARAMETERS,
    "strict": False,
}
PARALLEL = Reply.tool_calls([("get_weather", {"city": "Paris"}), ("get_time", {"tz": "CET"})])
PARALLEL_CALLS = [("call_1_0", "get_weather", {"city": "Paris"}), ("call_1_1", "get_time", {"tz": "CET"})]


def client(server: ScriptedModelServer, **options: Any) -> openai.OpenAI:
    # max_retries=0: a test sees exactly the answer the server gave, not the SDK's retry.
    return openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0, **options)


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "You are terse."}, {"role": "user", "content": text}]


def chat(server: ScriptedModelServer, text: str, **options: Any) -> Any:
    return client(server).chat.completions.create(model=MODEL, messages=ask(text), **options)


# Chat completions ----------------------------------------------------------------------------


def test_chat_text_reply_and_request_record(serve: Serve) -> None:
    server = serve([Reply.text("Paris is sunny", usage=(12, 3))])

    completion = chat(server, "Weather in Paris?", tools=[CHAT_WEATHER_TOOL])

    assert (completion.id, completion.created, completion.model) == ("chatcmpl-1", 1_700_000_000, MODEL)
    choice = completion.choices[0]
    assert choice.message.content == "Paris is sunny"
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    usage = completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (12, 3, 15)

    [request] = server.requests
    assert (request.path, request.api, request.stream) == ("/v1/chat/completions", "chat", False)
    assert request.status == 200
    assert request.model == MODEL
    assert request.last_user_text() == "Weather in Paris?"
    assert request.system_text() == "You are terse."
    assert request.tool_names() == ["get_weather"]
    assert request.headers["authorization"] == "Bearer sk-test"
    assert server.served == [request]
    assert server.repeats == []


def test_chat_parallel_tool_calls(serve: Serve) -> None:
    server = serve([PARALLEL])

    choice = chat(server, "Paris?", tools=[CHAT_WEATHER_TOOL]).choices[0]

    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls or []
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == PARALLEL_CALLS


def test_chat_stream_text_with_usage_chunk(serve: Serve) -> None:
    server = serve([Reply.text("Paris is sunny and warm", usage=(7, 4))])

    chunks = list(chat(server, "Paris?", stream=True, stream_options={"include_usage": True}))

    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(deltas) > 1, "text should arrive in several deltas"
    assert "".join(deltas) == "Paris is sunny and warm"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert {c.id for c in chunks} == {"chatcmpl-1"}
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == []
    assert (usage_chunk.usage.prompt_tokens, usage_chunk.usage.completion_tokens) == (7, 4)
    assert server.requests[0].stream is True


def test_chat_stream_without_include_usage_sends_no_usage(serve: Serve) -> None:
    server = serve([Reply.text("ok")])

    chunks = list(chat(server, "?", stream=True))

    assert all(c.usage is None and c.choices for c in chunks)


def test_chat_stream_tool_calls_accumulate(serve: Serve) -> None:
    server = serve([PARALLEL])

    calls: dict[int, dict[str, str]] = {}
    finish = None
    for chunk in chat(server, "?", stream=True):
        choice = chunk.choices[0]
        finish = choice.finish_reason or finish
        for delta in choice.delta.tool_calls or []:
            call = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            call["id"] += delta.id or ""
            call["name"] += (delta.function and delta.function.name) or ""
            call["arguments"] += (delta.function and delta.function.arguments) or ""

    assert finish == "tool_calls"
    assert [(c["id"], c["name"], json.loads(c["arguments"])) for c in calls.values()] == PARALLEL_CALLS


def test_structured_output_reply_is_json_text(serve: Serve) -> None:
    server = serve([Reply.json({"city": "Paris", "temp": 21})])

    completion = chat(server, "Paris as JSON")

    assert json.loads(completion.choices[0].message.content) == {"city": "Paris", "temp": 21}


# Responses -----------------------------------------------------------------------------------


def test_responses_text_reply(serve: Serve) -> None:
    server = serve([Reply.text("Paris is sunny", usage=(20, 6))])

    response = client(server).responses.create(model=MODEL, instructions="Be terse.", input="Paris?")

    assert (response.id, response.status, response.output_text) == ("resp_1", "completed", "Paris is sunny")
    assert response.output[0].id == "msg_1"
    assert response.instructions == "Be terse."
    usage = response.usage
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (20, 6, 26)
    assert usage.input_tokens_details.cached_tokens == 0
    assert usage.output_tokens_details.reasoning_tokens == 0

    [request] = server.requests
    assert (request.path, request.api) == ("/v1/responses", "responses")
    assert request.last_user_text() == "Paris?"
    assert request.system_text() == "Be terse."


def test_responses_function_calls(serve: Serve) -> None:
    server = serve([PARALLEL])
    user = {"role": "user", "content": [{"type": "input_text", "text": "Paris?"}]}

    response = client(server).responses.create(
        model=MODEL,
        input=[{"role": "developer", "content": "Use tools."}, user],
        tools=[RESPONSES_WEATHER_TOOL],
    )

    assert [item.type for item in response.output] == ["function_call", "function_call"]
    assert [item.id for item in response.output] == ["fc_1_0", "fc_1_1"]
    calls = [(item.call_id, item.name, json.loads(item.arguments)) for item in response.output]
    assert calls == PARALLEL_CALLS
    assert response.tools[0].name == "get_weather"
    request = server.requests[0]
    assert request.last_user_text() == "Paris?"
    assert request.system_text() == "Use tools."
    assert request.tool_names() == ["get_weather"]


def test_responses_stream_text_event_sequence(serve: Serve) -> None:
    server = serve([Reply.text("Paris is sunny")])

    events = list(client(server).responses.create(model=MODEL, input="Paris?", stream=True))

    kinds = [e.type for e in events]
    assert kinds[:5] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text_deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(text_deltas) == "Paris is sunny"
    done = events[-1].response
    assert (done.id, done.status, done.output_text) == ("resp_1", "completed", "Paris is sunny")
    assert done.usage.total_tokens == 15


def test_responses_stream_function_call(serve: Serve) -> None:
    server = serve([Reply.tool_call("get_weather", {"city": "Paris"})])

    with client(server).responses.stream(model=MODEL, input="Paris?") as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()

    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    [call] = final.output
    assert call.type == "function_call"
    assert (call.call_id, call.name, json.loads(call.arguments)) == PARALLEL_CALLS[0]


# Reply selection -----------------------------------------------------------------------------


def test_repeated_body_gets_the_same_answer_and_counts_as_repeat(serve: Serve) -> None:
    server = serve([Reply.text("first"), Reply.text("second")])

    first = chat(server, "one")
    again = chat(server, "one")
    second = chat(server, "two")

    assert again.model_dump() == first.model_dump()
    assert (first.id, first.choices[0].message.content) == ("chatcmpl-1", "first")
    # The repeat consumed no reply: the next distinct body gets the second one.
    assert (second.id, second.choices[0].message.content) == ("chatcmpl-2", "second")
    assert len(server.served) == 3
    [repeat] = server.repeats
    assert repeat is server.requests[1]


def test_equal_scripts_give_equal_answers_across_servers(serve: Serve) -> None:
    script = [Reply.tool_call("get_weather", {"city": "Paris"})]

    first, second = (client(serve(script)).responses.create(model=MODEL, input="Paris?").model_dump() for _ in range(2))

    assert first == second


def test_concurrent_requests_get_replies_in_arrival_order(serve: Serve) -> None:
    server = serve([Reply.text(f"reply {i}") for i in range(1, 9)], latency=0.05)

    with ThreadPoolExecutor(8) as pool:
        completions = list(pool.map(lambda i: chat(server, f"question {i}"), range(8)))

    assert sorted(c.id for c in completions) == sorted(f"chatcmpl-{n}" for n in range(1, 9))
    assert all(c.choices[0].message.content == f"reply {c.id.removeprefix('chatcmpl-')}" for c in completions)
    id_for_question = {f"question {i}": c.id for i, c in enumerate(completions)}
    arrival = [id_for_question[r.last_user_text()] for r in server.requests]
    assert arrival == [f"chatcmpl-{n}" for n in range(1, 9)]


def test_exhausted_script_answers_500(serve: Serve) -> None:
    server = serve([Reply.text("only one")])
    chat(server, "one")

    with pytest.raises(openai.InternalServerError) as raised:
        chat(server, "two")

    assert raised.value.status_code == 500
    assert "scripted server: script exhausted after 1 replies" in raised.value.message
    assert [r.status for r in server.requests] == [200, 500]
    assert len(server.served) == 1


def test_callable_script_is_called_once_per_distinct_body(serve: Serve) -> None:
    seen: list[ModelRequest] = []

    def script(request: ModelRequest) -> Reply:
        seen.append(request)
        return Reply.text(f"echo: {request.last_user_text()}")

    server = serve(script)

    replies = [chat(server, text).choices[0].message.content for text in ("hello", "hello", "bye")]

    assert replies == ["echo: hello", "echo: hello", "echo: bye"]
    assert [r.last_user_text() for r in seen] == ["hello", "bye"]
    assert len(server.repeats) == 1


def test_callable_script_error_answers_500(serve: Serve) -> None:
    def script(request: ModelRequest) -> Reply:
        raise LookupError("no reply for this prompt")

    server = serve(script)

    with pytest.raises(openai.InternalServerError, match="LookupError: no reply for this prompt"):
        chat(server, "?")


def test_reset_forgets_requests_and_restarts_the_script(serve: Serve) -> None:
    server = serve([Reply.text("first")])
    chat(server, "one")

    server.reset()
    completion = chat(server, "two")

    assert (completion.id, completion.choices[0].message.content) == ("chatcmpl-1", "first")
    assert len(server.requests) == 1
    assert server.repeats == []


def test_reply_needs_content_or_tool_calls() -> None:
    with pytest.raises(ValueError, match="needs content, tool calls, or both"):
        Reply()


# Fault injection -----------------------------------------------------------------------------


def test_fail_next_429_with_retry_after_does_not_consume_a_reply(serve: Serve) -> None:
    server = serve([Reply.text("after the rate limit")])
    server.fail_next(429, retry_after=2)

    with pytest.raises(openai.RateLimitError) as raised:
        chat(server, "?")
    completion = chat(server, "?")

    assert raised.value.response.headers["retry-after"] == "2"
    assert raised.value.code == "rate_limit_exceeded"
    assert completion.choices[0].message.content == "after the rate limit"
    assert [r.status for r in server.requests] == [429, 200]
    assert len(server.served) == 1
    assert server.repeats == [], "a failed call is not cached, so its retry is not a repeat"


def test_sdk_retries_through_injected_failures(serve: Serve) -> None:
    server = serve([Reply.text("eventually")])
    server.fail_next(500, times=2, retry_after=0.01)
    retrying = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=2)

    completion = retrying.chat.completions.create(model=MODEL, messages=ask("?"))

    assert completion.choices[0].message.content == "eventually"
    assert [r.status for r in server.requests] == [500, 500, 200]


def test_fail_next_401_raises_authentication_error_in_openai_shape(serve: Serve) -> None:
    server = serve([Reply.text("unused")])
    server.fail_next(401, message="Incorrect API key provided")

    with pytest.raises(openai.AuthenticationError) as raised:
        client(server).responses.create(model=MODEL, input="?")

    assert raised.value.body == {
        "message": "Incorrect API key provided",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }


def test_hang_next_trips_client_timeout_and_the_retry_is_a_repeat(serve: Serve) -> None:
    server = serve([Reply.text("slow")])
    server.hang_next(seconds=5)

    with pytest.raises(openai.APITimeoutError):
        chat(server, "?", timeout=0.3)
    completion = chat(server, "?", timeout=0.3)

    # The provider had already decided (and billed) the hung call, so the retry was paid twice.
    assert completion.choices[0].message.content == "slow"
    assert len(server.served) == 2
    assert len(server.repeats) == 1


def test_latency_delays_every_answer(serve: Serve) -> None:
    server = serve([Reply.text("ok")], latency=0.2)

    started = time.monotonic()
    chat(server, "?")

    assert time.monotonic() - started >= 0.2


# Other endpoints and lifecycle ---------------------------------------------------------------


def test_models_endpoint_and_unknown_path(serve: Serve) -> None:
    server = serve([Reply.text("unused")])

    assert "gpt-4o-mini" in [model.id for model in client(server).models.list()]
    unknown = urllib.request.Request(f"{server.base_url}/images/generations", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(unknown)

    assert raised.value.code == 404
    assert json.load(raised.value)["error"] == {
        "message": "Invalid URL (POST /v1/images/generations)",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert server.requests == [], "only model calls are recorded"


# Embeddings ----------------------------------------------------------------------------------


def test_embeddings_are_stable_per_text_and_kept_apart_from_model_calls(serve: Serve) -> None:
    server = serve([Reply.text("the one model reply")])
    embeddings = client(server).embeddings  # the SDK asks for base64 by default and decodes it

    first = embeddings.create(model="text-embedding-3-small", input=["Paris is sunny", "Rome is warm"])
    again = embeddings.create(model="text-embedding-3-small", input="Paris is sunny", encoding_format="float")
    short = embeddings.create(model="text-embedding-3-small", input="Paris is sunny", dimensions=8)

    paris, rome = (item.embedding for item in first.data)
    assert len(paris) == 1536 and len(short.data[0].embedding) == 8
    assert again.data[0].embedding == pytest.approx(paris, abs=1e-6)  # one text, one vector
    assert paris != rome
    assert sum(v * v for v in paris) == pytest.approx(1.0, abs=1e-4)  # unit length, like OpenAI's
    assert [r.body["input"] for r in server.embeddings] == [["Paris is sunny", "Rome is warm"], *["Paris is sunny"] * 2]
    assert server.requests == []  # model-call bookkeeping and the script are untouched
    assert chat(server, "hi").choices[0].message.content == "the one model reply"


def test_a_malformed_embeddings_request_is_a_400(serve: Serve) -> None:
    server = serve([])
    with pytest.raises(openai.BadRequestError, match="'input' must be"):
        client(server).embeddings.create(model="text-embedding-3-small", input=[])
    assert [r.status for r in server.embeddings] == [400]


def test_context_manager_stops_the_server() -> None:
    with ScriptedModelServer([Reply.text("ok")]) as server:
        base_url = server.base_url
        assert chat(server, "?").choices[0].message.content == "ok"

    with pytest.raises(openai.APIConnectionError):
        openai.OpenAI(base_url=base_url, api_key="sk-test", max_retries=0).models.list()


# Holding calls in flight (kill tests) ---------------------------------------------------------


def test_hold_after_keeps_later_answers_until_release(serve: Serve) -> None:
    server = serve([Reply.text("one"), Reply.text("two"), Reply.text("three"), Reply.text("four")])
    server.hold_after(1)

    assert chat(server, "first").choices[0].message.content == "one"  # the first is answered
    with ThreadPoolExecutor(2) as pool:
        second = pool.submit(chat, server, "second")
        third = pool.submit(chat, server, "third")
        held = server.wait_for_held(2, timeout=10)
        # Decided on arrival: held requests count as served, but nobody has an answer yet.
        assert {r.last_user_text() for r in held} == {"second", "third"}
        assert len(server.served) == 3 and not second.done() and not third.done()
        server.release()
        answers = {
            second.result(timeout=10).choices[0].message.content,
            third.result(timeout=10).choices[0].message.content,
        }

    assert answers == {"two", "three"}
    assert server.held == []
    assert chat(server, "fourth", timeout=5).choices[0].message.content == "four"  # no longer held


def test_a_held_call_resent_after_its_client_gave_up_is_a_repeat(serve: Serve) -> None:
    server = serve([Reply.text("one"), Reply.text("two")])
    server.hold_after(1)
    chat(server, "first")

    with pytest.raises(openai.APITimeoutError):
        chat(server, "second", timeout=0.3)  # held: the client gives up, as a killed worker would
    assert [r.last_user_text() for r in server.wait_for_held(1, timeout=5)] == ["second"]
    server.release()
    resent = chat(server, "second", timeout=5)

    assert resent.choices[0].message.content == "two"
    assert [r.last_user_text() for r in server.repeats] == ["second"]  # paid twice: at-least-once
    with pytest.raises(TimeoutError):
        server.wait_for_held(1, timeout=0.1)  # released: nothing is held any more

"""A scripted, OpenAI-compatible model server for tests.

Every framework the library adapts (OpenAI Agents SDK, LangGraph/LangChain, CrewAI) reaches its
model through its own OpenAI client. To test them as they run in production, without a real
provider, :class:`ScriptedModelServer` speaks the wire protocol those clients speak --
``POST /v1/chat/completions`` and ``POST /v1/responses``, as plain JSON or as server-sent
events -- and answers from a script instead of a model. Worker processes reach it over HTTP
(``OPENAI_BASE_URL=server.base_url``); only the bookkeeping (:attr:`~ScriptedModelServer.requests`
and friends) is read in the process that started it.

Reply selection: distinct bodies
--------------------------------
Replies are handed out in the order of *distinct* request bodies, not in the order of requests.
A request whose body (canonical JSON, keys sorted) equals the body of an earlier *served*
request to the same endpoint is a **repeat**: it gets exactly the same response bytes as the
first time (same ids), consumes no reply, and is recorded in
:attr:`~ScriptedModelServer.repeats`. A new distinct body takes the next reply.

Why: a durable runtime retries and re-runs model calls, and a re-sent call is byte-identical
to the original. Recognising it means the script only lists the *conversation* -- retries do
not shift later replies -- and a kill test can count exactly how many calls were paid for
twice with ``len(server.repeats)``.

Injected faults (:meth:`~ScriptedModelServer.fail_next`) consume no reply and are not cached,
so a failed call followed by a successful retry gets the reply the failed call would have had.

Holding calls in flight: :meth:`~ScriptedModelServer.hold_after` ``(n)`` keeps the answer to
every request after the ``n``-th served one until :meth:`~ScriptedModelServer.release`, and
:meth:`~ScriptedModelServer.wait_for_held` waits until such a request has arrived. A kill test
uses it to SIGKILL a worker while a chosen model call is certainly in flight. With
``after_events=k`` a streamed answer sends its first ``k`` events before it holds: a model that
is mid-answer. ``stream_interval`` paces a streamed answer's events, like tokens being generated.

Embeddings: ``POST /v1/embeddings`` answers every input with a vector derived from the input
alone (a hash of it, unit length, ``dimensions`` honoured, float or base64 as asked), so a
framework's memory or knowledge can run against the server. Embedding requests take no reply
from the script and no injected fault; they are kept apart from the model requests, in
:attr:`~ScriptedModelServer.embeddings`, so counts of model calls stay what they were.

Determinism: ids are derived from the ordinal ``n`` of the distinct body being answered
(``chatcmpl-n``, ``resp_n``, ``msg_n``, ``fc_n_i``, ``call_n_i``) and timestamps are fixed, so
equal scripts driven by equal requests produce equal bytes on every run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

__all__ = ["ModelRequest", "Reply", "ScriptedModelServer"]

CREATED = 1_700_000_000
"""The fixed ``created`` / ``created_at`` timestamp of every answer."""

DEFAULT_USAGE = (10, 5)
"""Token usage ``(input_tokens, output_tokens)`` reported when a reply does not set its own."""

MODEL_IDS = ("gpt-4o", "gpt-4o-mini", "gpt-4.1-mini")
"""The models ``GET /v1/models`` lists. Any model name is accepted on the model endpoints."""

Api = Literal["chat", "responses", "embeddings"]

_ENDPOINTS: dict[str, Api] = {"/v1/chat/completions": "chat", "/v1/responses": "responses"}


# --------------------------------------------------------------------------------------------
# Script entries
# --------------------------------------------------------------------------------------------

ToolCall = tuple[str, str]
"""One scripted tool call: ``(tool name, arguments as a JSON string)``."""


def _arguments(args: Mapping[str, Any] | str) -> str:
    # A string passes through verbatim so a script can also send malformed arguments.
    return args if isinstance(args, str) else json.dumps(dict(args))


@dataclass(frozen=True)
class Reply:
    """One scripted model answer: assistant text, tool calls, or both.

    Build it with :meth:`text`, :meth:`tool_call`, :meth:`tool_calls` or :meth:`json`; the
    constructor is for the rare reply with both text and tool calls. The same reply renders
    into whichever API and mode (plain or streamed) the request asked for.
    """

    content: str | None = None
    """Assistant text, or ``None`` for a reply that only calls tools."""
    calls: tuple[ToolCall, ...] = ()
    """Tool calls in order; several means parallel tool calls."""
    usage: tuple[int, int] = DEFAULT_USAGE
    """``(input_tokens, output_tokens)`` reported in the answer's usage."""

    def __post_init__(self) -> None:
        if self.content is None and not self.calls:
            raise ValueError("a Reply needs content, tool calls, or both")
        if min(self.usage) < 0:
            raise ValueError(f"token counts cannot be negative: {self.usage}")

    @classmethod
    def text(cls, content: str, *, usage: tuple[int, int] = DEFAULT_USAGE) -> Reply:
        """A final assistant message with this text."""
        return cls(content=content, usage=usage)

    @classmethod
    def json(cls, obj: Any, *, usage: tuple[int, int] = DEFAULT_USAGE) -> Reply:
        """A final assistant message whose text is ``json.dumps(obj)`` (structured output)."""
        return cls(content=json.dumps(obj), usage=usage)

    @classmethod
    def tool_call(cls, name: str, args: Mapping[str, Any] | str, *, usage: tuple[int, int] = DEFAULT_USAGE) -> Reply:
        """One call of tool ``name``; ``args`` is a dict (sent as JSON) or a raw JSON string."""
        return cls(calls=((name, _arguments(args)),), usage=usage)

    @classmethod
    def tool_calls(
        cls,
        calls: Iterable[tuple[str, Mapping[str, Any] | str]],
        *,
        usage: tuple[int, int] = DEFAULT_USAGE,
    ) -> Reply:
        """Parallel tool calls, answered in the given order."""
        return cls(calls=tuple((name, _arguments(args)) for name, args in calls), usage=usage)


# --------------------------------------------------------------------------------------------
# Recorded requests
# --------------------------------------------------------------------------------------------


def _text_of(content: Any) -> str | None:
    """The text of a message ``content``: a string, or the text parts of a part list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)]
        return "".join(texts) if texts else None
    return None


@dataclass
class ModelRequest:
    """One request received on a model endpoint, as the server saw it.

    ``status`` is the HTTP status the server decided to answer; it is set as soon as the
    request arrives, before any ``latency`` or ``hang_next`` delay, so a request whose client
    timed out still shows what it would have been answered.
    """

    path: str
    """``/v1/chat/completions``, ``/v1/responses`` or ``/v1/embeddings``."""
    body: dict[str, Any]
    """The parsed JSON body (empty if it was not a JSON object; such requests get a 400)."""
    headers: dict[str, str] = field(repr=False)
    """Request headers, names lower-cased."""
    api: Api
    """Which API was called: ``"chat"`` (chat completions), ``"responses"`` or ``"embeddings"``."""
    stream: bool
    """Whether the body asked for server-sent events (``"stream": true``)."""
    status: int = 0
    """The HTTP status answered."""

    @property
    def model(self) -> str | None:
        """The requested model name (``body["model"]``)."""
        return self.body.get("model")

    def _messages(self) -> list[dict[str, Any]]:
        # Chat sends ``messages``; Responses sends ``input`` as a string or a list of items.
        items = self.body.get("messages" if self.api == "chat" else "input")
        if isinstance(items, str):
            return [{"role": "user", "content": items}]
        return [item for item in items or [] if isinstance(item, dict)]

    def last_user_text(self) -> str | None:
        """Text of the last user message, or ``None`` if the request has none."""
        for message in reversed(self._messages()):
            if message.get("role") == "user":
                return _text_of(message.get("content"))
        return None

    def system_text(self) -> str | None:
        """Responses ``instructions`` and the text of system/developer messages, joined by
        newlines; ``None`` if there are none."""
        instructions = self.body.get("instructions")
        texts = [instructions] if isinstance(instructions, str) else []
        texts += [
            text
            for message in self._messages()
            if message.get("role") in ("system", "developer") and (text := _text_of(message.get("content"))) is not None
        ]
        return "\n".join(texts) if texts else None

    def tool_names(self) -> list[str]:
        """Names of the tools offered, in order; a hosted tool without a name gives its type."""
        names = []
        for tool in self.body.get("tools") or []:
            # Chat nests function tools under ``function``; Responses puts ``name`` at the top.
            spec = tool.get("function", tool)
            names.append(spec.get("name") or tool.get("type", ""))
        return names


# --------------------------------------------------------------------------------------------
# Rendering: every answer is rendered once to bytes, so a repeat can be served the same bytes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    """A rendered HTTP answer; a repeat is sent the cached instance, byte for byte."""

    status: int
    payload: bytes
    stream: bool = False
    """Server-sent events: sent with ``Connection: close`` instead of a Content-Length."""
    headers: tuple[tuple[str, str], ...] = ()
    events: tuple[bytes, ...] = ()
    """A stream's events one by one (``payload`` is their concatenation), written paced by
    ``stream_interval`` and held mid-stream by ``hold_after(n, after_events=k)``."""


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _json_answer(obj: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> _Answer:
    return _Answer(status, _dumps(obj), headers=headers)


def _pieces(text: str) -> list[str]:
    """Split text into word-sized stream deltas that concatenate back to it."""
    return re.findall(r"\S+\s*|\s+", text)


def _error_answer(status: int, message: str, *, retry_after: float | None = None) -> _Answer:
    """An error in OpenAI's shape, so each client raises its usual exception for ``status``."""
    if status == 429:
        kind, code = "requests", "rate_limit_exceeded"
    elif status == 401:
        kind, code = "invalid_request_error", "invalid_api_key"
    elif status >= 500:
        kind, code = "server_error", None
    else:
        kind, code = "invalid_request_error", None
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    headers = () if retry_after is None else (("retry-after", f"{retry_after:g}"),)
    return _json_answer(body, status, headers)


def _sse(events: Iterable[tuple[str | None, Any]]) -> _Answer:
    """A 200 answer of server-sent events; a ``None`` name writes a bare ``data:`` line, as Chat does."""
    out: list[bytes] = []
    for name, data in events:
        head = f"event: {name}\n".encode() if name is not None else b""
        out.append(head + b"data: " + (data if isinstance(data, bytes) else _dumps(data)) + b"\n\n")
    return _Answer(200, b"".join(out), stream=True, events=tuple(out))


# Chat completions ----------------------------------------------------------------------------


def _chat_usage(reply: Reply) -> dict[str, Any]:
    prompt, completion = reply.usage
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def _render_chat(reply: Reply, n: int, body: dict[str, Any]) -> _Answer:
    finish_reason = "tool_calls" if reply.calls else "stop"
    call_ids = [f"call_{n}_{i}" for i in range(len(reply.calls))]
    envelope = {
        "id": f"chatcmpl-{n}",
        "created": CREATED,
        "model": body.get("model", "scripted"),
        "system_fingerprint": None,
    }

    if body.get("stream") is not True:
        message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": None}
        if reply.calls:
            message["tool_calls"] = [
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}
                for call_id, (name, args) in zip(call_ids, reply.calls, strict=True)
            ]
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        completion = {**envelope, "object": "chat.completion", "choices": [choice]}
        return _json_answer({**completion, "usage": _chat_usage(reply)})

    # Like the real API: with include_usage every chunk carries "usage": null and one extra
    # chunk with no choices carries the totals.
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    chunk_base = {**envelope, "object": "chat.completion.chunk"}
    if include_usage:
        chunk_base["usage"] = None

    def chunk(delta: dict[str, Any], finish: str | None = None) -> tuple[None, dict[str, Any]]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return None, {**chunk_base, "choices": [choice]}

    events: list[tuple[None, Any]] = [
        chunk({"role": "assistant", "content": "" if reply.content is not None else None})
    ]
    events += [chunk({"content": piece}) for piece in _pieces(reply.content or "")]
    for i, (call_id, (name, args)) in enumerate(zip(call_ids, reply.calls, strict=True)):
        # The first delta of a tool call names it; argument text follows in later deltas.
        opening = {
            "index": i,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        events.append(chunk({"tool_calls": [opening]}))
        events.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": args}}]}))
    events.append(chunk({}, finish_reason))
    if include_usage:
        events.append((None, {**chunk_base, "choices": [], "usage": _chat_usage(reply)}))
    events.append((None, b"[DONE]"))
    return _sse(events)


# Responses -----------------------------------------------------------------------------------


def _responses_usage(reply: Reply) -> dict[str, Any]:
    input_tokens, output_tokens = reply.usage
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def _output_items(reply: Reply, n: int) -> list[dict[str, Any]]:
    """The completed output items: the message first, then one item per function call."""
    items: list[dict[str, Any]] = []
    if reply.content is not None:
        text = {"type": "output_text", "text": reply.content, "annotations": [], "logprobs": []}
        message = {"type": "message", "role": "assistant", "status": "completed", "content": [text]}
        items.append({"id": f"msg_{n}", **message})
    for i, (name, args) in enumerate(reply.calls):
        items.append(
            {
                "id": f"fc_{n}_{i}",
                "type": "function_call",
                "call_id": f"call_{n}_{i}",
                "name": name,
                "arguments": args,
                "status": "completed",
            }
        )
    return items


def _response_object(
    n: int, body: dict[str, Any], output: list[dict[str, Any]], usage: dict[str, Any] | None
) -> dict[str, Any]:
    """A Responses ``response`` object echoing the request's settings, as the API does.

    With ``usage`` it is the completed response; without, the in-progress snapshot that a
    stream announces first.
    """
    done = usage is not None
    return {
        "id": f"resp_{n}",
        "object": "response",
        "created_at": CREATED,
        "completed_at": CREATED if done else None,
        "status": "completed" if done else "in_progress",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "metadata": body.get("metadata") or {},
        "model": body.get("model", "scripted"),
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": body.get("reasoning") or {"effort": None, "summary": None},
        "service_tier": "default",
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "usage": usage,
        "user": body.get("user"),
    }


def _render_responses(reply: Reply, n: int, body: dict[str, Any]) -> _Answer:
    items = _output_items(reply, n)
    final = _response_object(n, body, items, _responses_usage(reply))
    if body.get("stream") is not True:
        return _json_answer(final)

    events: list[dict[str, Any]] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append({"type": kind, "sequence_number": len(events), **fields})

    in_progress = _response_object(n, body, [], None)
    emit("response.created", response=in_progress)
    emit("response.in_progress", response=in_progress)
    for index, item in enumerate(items):
        # An item is announced empty and in progress, filled by deltas, then sent complete.
        if item["type"] == "message":
            part = item["content"][0]
            where = {"item_id": item["id"], "output_index": index, "content_index": 0}
            started = {**item, "status": "in_progress", "content": []}
            emit("response.output_item.added", output_index=index, item=started)
            emit("response.content_part.added", **where, part={**part, "text": ""})
            for piece in _pieces(part["text"]):
                emit("response.output_text.delta", **where, delta=piece, logprobs=[])
            emit("response.output_text.done", **where, text=part["text"], logprobs=[])
            emit("response.content_part.done", **where, part=part)
        else:
            where = {"item_id": item["id"], "output_index": index}
            started = {**item, "status": "in_progress", "arguments": ""}
            emit("response.output_item.added", output_index=index, item=started)
            emit("response.function_call_arguments.delta", **where, delta=item["arguments"])
            done = {"name": item["name"], "arguments": item["arguments"]}
            emit("response.function_call_arguments.done", **where, **done)
        emit("response.output_item.done", output_index=index, item=item)
    emit("response.completed", response=final)
    return _sse((event["type"], event) for event in events)


_RENDERERS: dict[Api, Callable[[Reply, int, dict[str, Any]], _Answer]] = {
    "chat": _render_chat,
    "responses": _render_responses,
}


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


EMBEDDING_DIMENSIONS = 1536
"""The length of an embedding when the request does not ask for ``dimensions``."""


def embedding_of(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """The vector the server answers for ``text``: the same text always gets the same vector,
    different texts different ones; unit length, as OpenAI's embeddings are."""
    values: list[float] = []
    block = 0
    while len(values) < dimensions:
        digest = hashlib.sha256(f"{block}:{text}".encode()).digest()
        values.extend(byte / 127.5 - 1.0 for byte in digest)
        block += 1
    del values[dimensions:]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _embedding_inputs(raw: Any) -> list[str] | None:
    """The request's inputs as texts (token arrays keep their JSON form); ``None`` if malformed."""
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(x, int) for x in raw):
        return [json.dumps(raw)]
    if isinstance(raw, list) and raw and all(isinstance(x, (str, list)) for x in raw):
        return [x if isinstance(x, str) else json.dumps(x) for x in raw]
    return None


def _embeddings_answer(body: Any) -> _Answer:
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return _error_answer(400, "scripted server: an embeddings request needs a JSON body with a model")
    texts = _embedding_inputs(body.get("input"))
    if texts is None:
        return _error_answer(400, "scripted server: 'input' must be a string, a list of strings or tokens")
    dimensions = body.get("dimensions", EMBEDDING_DIMENSIONS)
    if not isinstance(dimensions, int) or dimensions < 1:
        return _error_answer(400, "scripted server: 'dimensions' must be a positive integer")
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = embedding_of(text, dimensions)
        encoded: Any = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode() if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(len(text.split()) for text in texts)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return _json_answer({"object": "list", "data": data, "model": body["model"], "usage": usage})


@dataclass(frozen=True)
class _Failure:
    status: int
    message: str
    retry_after: float | None


@dataclass
class _State:
    """Everything :meth:`ScriptedModelServer.reset` forgets; guarded by the server's lock."""

    requests: list[ModelRequest] = field(default_factory=list)
    served: list[ModelRequest] = field(default_factory=list)
    repeats: list[ModelRequest] = field(default_factory=list)
    embeddings: list[ModelRequest] = field(default_factory=list)
    answers: dict[str, _Answer] = field(default_factory=dict)
    """Rendered answer per distinct (endpoint, canonical body); its size is the ordinal."""
    failures: deque[_Failure] = field(default_factory=deque)
    hangs: deque[float] = field(default_factory=deque)
    hold_after: int | None = None
    """Requests served after this many are held (see ``hold_after``); ``None``: none are."""
    hold_after_events: int = 0
    """A held streamed answer sends this many of its events before it holds the rest."""
    gate: threading.Event = field(default_factory=threading.Event)
    """Set by ``release``: held requests wait on it."""
    held: list[ModelRequest] = field(default_factory=list)
    """Requests whose answer is held now, in arrival order."""


class ScriptedModelServer:
    """An OpenAI-compatible HTTP server that answers model calls from a script.

    ``script`` is a list of :class:`Reply` handed out in order of distinct request bodies, or a
    callable that builds the reply for each new distinct body (see the module docstring).
    Start it with :meth:`start` or as a context manager; point clients at :attr:`base_url`.
    All methods are thread-safe.
    """

    def __init__(
        self,
        script: Sequence[Reply] | Callable[[ModelRequest], Reply],
        *,
        latency: float = 0.0,
        stream_interval: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.script = script
        """The script answering new distinct bodies; may be replaced between runs."""
        self.latency = latency
        """Seconds every request waits before its answer is written; may be changed while
        running (benchmarks)."""
        self.stream_interval = stream_interval
        """Seconds between the events of a streamed answer (a model producing tokens one by one);
        0 writes them at once. May be changed while running."""
        self._address = (host, port)
        self._lock = threading.Lock()
        # Wakes wait_for_held() when a request is held; shares the lock.
        self._held_changed = threading.Condition(self._lock)
        self._state = _State()
        # Set by stop() so requests sleeping in latency/hang_next wake up instead of holding
        # the test run hostage.
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle -------------------------------------------------------------------------------

    def start(self) -> ScriptedModelServer:
        """Bind and serve on a daemon thread; returns ``self``. Once it returns, the server
        accepts connections at :attr:`base_url`."""
        if self._httpd is not None:
            raise RuntimeError("the scripted server is already running")
        self._stopping.clear()
        self._httpd = _HTTPServer(self._address, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"scripted-model-server:{self._httpd.server_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and join the server thread. Requests still
        waiting out a delay are woken and answered at once. Calling it twice is harmless."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> ScriptedModelServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/v1``: the value for ``OPENAI_BASE_URL`` or a client's ``base_url``."""
        if self._httpd is None:
            raise RuntimeError("the scripted server is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    # Bookkeeping -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[ModelRequest]:
        """Every model request received, in arrival order, including failed ones (a copy)."""
        with self._lock:
            return list(self._state.requests)

    @property
    def served(self) -> list[ModelRequest]:
        """The requests answered with a 2xx, in arrival order (a copy)."""
        with self._lock:
            return list(self._state.served)

    @property
    def repeats(self) -> list[ModelRequest]:
        """Served requests whose body equals an earlier served body: calls paid for twice."""
        with self._lock:
            return list(self._state.repeats)

    @property
    def embeddings(self) -> list[ModelRequest]:
        """Every ``/v1/embeddings`` request, in arrival order (a copy); not among :attr:`requests`."""
        with self._lock:
            return list(self._state.embeddings)

    @property
    def held(self) -> list[ModelRequest]:
        """Requests whose answer :meth:`hold_after` holds now, in arrival order (a copy)."""
        with self._lock:
            return list(self._state.held)

    def reset(self) -> None:
        """Forget requests, cached answers and pending faults; the script starts over from its
        first reply (and ids from 1). ``script`` and ``latency`` are kept. Held requests are
        released."""
        with self._lock:
            gate = self._state.gate
            self._state = _State()
        gate.set()

    # Fault injection -------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: float | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``times`` model requests with HTTP ``status`` in OpenAI's error shape
        ``{"error": {"message", "type", "param", "code"}}``, so each client raises its own
        exception for that status. ``retry_after`` (seconds) is sent as a ``retry-after``
        header. Failed requests consume no reply and are not cached. Repeated calls queue up."""
        if not 400 <= status <= 599:
            raise ValueError(f"fail_next needs an error status (400-599), got {status}")
        if message is None:
            message = f"scripted server: injected {status} {HTTPStatus(status).phrase}"
        with self._lock:
            self._state.failures.extend([_Failure(status, message, retry_after)] * times)

    def hang_next(self, times: int = 1, seconds: float = 30.0) -> None:
        """Delay the answer to the next ``times`` model requests by ``seconds`` (on top of
        ``latency``), to trip client timeouts. The answer itself is decided on arrival, like a
        provider that has already started billing: a hung request counts as served, and an
        identical retry is recorded as a repeat."""
        with self._lock:
            self._state.hangs.extend([seconds] * times)

    def hold_after(self, n: int, *, after_events: int = 0) -> None:
        """Hold the answer to every model request served after the first ``n`` until
        :meth:`release`; ``n`` counts every request in :attr:`served`, also those served before
        this call (since the start or the last :meth:`reset`).

        A streamed answer first sends its first ``after_events`` server-sent events, then holds
        the rest: a model that has started answering (tokens on their way) and not finished.

        Like :meth:`hang_next`, the answer is decided on arrival: a held request counts as
        served (a provider that has started billing), and an identical request sent again --
        the retry of a call whose worker died while it was held -- is recorded as a repeat.
        Only requests answered with a 2xx are held. Held requests are listed in :attr:`held`;
        :meth:`wait_for_held` waits for them. Calling it again replaces ``n``.
        """
        if n < 0 or after_events < 0:
            raise ValueError(f"hold_after needs n >= 0 and after_events >= 0, got {n}, {after_events}")
        with self._lock:
            self._state.hold_after = n
            self._state.hold_after_events = after_events

    def release(self) -> None:
        """Answer every held request now and hold no more (until the next :meth:`hold_after`).
        A held request whose client has gone away is answered into the void."""
        with self._lock:
            state = self._state
            gate, state.gate = state.gate, threading.Event()
            state.hold_after = None
            state.held.clear()
        gate.set()

    def wait_for_held(self, count: int = 1, timeout: float = 30.0) -> list[ModelRequest]:
        """Block until at least ``count`` requests are held; return the held requests.

        Raises :class:`TimeoutError` after ``timeout`` seconds. From async code, run it in a
        thread (``await asyncio.to_thread(server.wait_for_held)``).
        """
        with self._held_changed:
            if not self._held_changed.wait_for(lambda: len(self._state.held) >= count, timeout):
                held = len(self._state.held)
                raise TimeoutError(f"{held} model request(s) held after {timeout:g} s, expected {count}")
            return list(self._state.held)

    # Answering -------------------------------------------------------------------------------

    def _answer(
        self, path: str, api: Api, raw: bytes, headers: dict[str, str]
    ) -> tuple[_Answer, float, threading.Event | None, int]:
        """Decide the answer to one model request, the delay before sending it, the gate to
        wait on if it is held (else ``None``), and how many stream events go out before that wait.

        The whole decision happens under the lock, so arrival order, reply order and ids agree
        even when requests come in concurrently.
        """
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        valid = isinstance(body, dict)
        request = ModelRequest(
            path=path,
            body=body if valid else {},
            headers=headers,
            api=api,
            stream=valid and body.get("stream") is True,
        )
        with self._lock:
            state = self._state
            state.requests.append(request)
            delay = self.latency + (state.hangs.popleft() if state.hangs else 0.0)
            if not valid:
                answer = _error_answer(400, "scripted server: the request body is not a JSON object")
            elif state.failures:
                failure = state.failures.popleft()
                answer = _error_answer(failure.status, failure.message, retry_after=failure.retry_after)
            else:
                answer = self._reply(request, state)
            request.status = answer.status
            gate = None
            gate_after = 0
            if 200 <= answer.status < 300:
                if state.hold_after is not None and len(state.served) >= state.hold_after:
                    gate = state.gate
                    gate_after = state.hold_after_events if answer.stream else 0
                    state.held.append(request)
                    self._held_changed.notify_all()
                state.served.append(request)
        return answer, delay, gate, gate_after

    def _reply(self, request: ModelRequest, state: _State) -> _Answer:
        """The scripted answer: cached for a repeated body, else rendered from the next reply."""
        key = request.path + " " + json.dumps(request.body, sort_keys=True, separators=(",", ":"))
        cached = state.answers.get(key)
        if cached is not None:
            state.repeats.append(request)
            return cached

        n = len(state.answers) + 1
        if callable(self.script):
            try:
                reply = self.script(request)
            except Exception as exc:
                # A broken script must show up in the test as an error answer, not as a
                # handler thread dying silently.
                return _error_answer(500, f"scripted server: script raised {type(exc).__name__}: {exc}")
            if not isinstance(reply, Reply):
                kind = type(reply).__name__
                return _error_answer(500, f"scripted server: script returned {kind}, not Reply")
        elif n > len(self.script):
            return _error_answer(500, f"scripted server: script exhausted after {n - 1} replies")
        else:
            reply = self.script[n - 1]

        answer = _RENDERERS[request.api](reply, n, request.body)
        state.answers[key] = answer
        return answer

    def _embed(self, raw: bytes, headers: dict[str, str]) -> _Answer:
        """Answer an embeddings request at once (no script reply, no fault) and record it."""
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        answer = _embeddings_answer(body)
        request = ModelRequest(
            path="/v1/embeddings",
            body=body if isinstance(body, dict) else {},
            headers=headers,
            api="embeddings",
            stream=False,
            status=answer.status,
        )
        with self._lock:
            self._state.embeddings.append(request)
        return answer

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _wait_for_release(self, gate: threading.Event) -> None:
        # Bounded waits so stop() (which sets _stopping, not the gate) wakes held requests too.
        while not gate.wait(0.05) and not self._stopping.is_set():
            pass


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    # Handler threads are daemons (ThreadingHTTPServer's default), so a client that keeps an
    # idle keep-alive connection open cannot block stop().
    def __init__(self, address: tuple[str, int], scripted: ScriptedModelServer) -> None:
        self.scripted = scripted
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so clients can keep connections alive between calls, as they do in production.
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/v1/embeddings":
            self._send(self.server.scripted._embed(raw, {k.lower(): v for k, v in self.headers.items()}))
            return
        api = _ENDPOINTS.get(path)
        if api is None:
            self._send(_error_answer(404, f"Invalid URL (POST {path})"))
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        scripted = self.server.scripted
        answer, delay, gate, gate_after = scripted._answer(path, api, raw, headers)
        if gate is not None and not gate_after:
            scripted._wait_for_release(gate)
            gate = None
        scripted._wait(delay)
        self._send(answer, gate, gate_after)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path != "/v1/models":
            self._send(_error_answer(404, f"Invalid URL (GET {path})"))
            return
        model = {"object": "model", "created": CREATED, "owned_by": "scripted"}
        models = [{"id": model_id, **model} for model_id in MODEL_IDS]
        self._send(_json_answer({"object": "list", "data": models}))

    def _send(self, answer: _Answer, gate: threading.Event | None = None, gate_after: int = 0) -> None:
        try:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            if answer.stream:
                # The event stream ends when the connection does.
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
            else:
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.payload)))
            self.end_headers()
            scripted = self.server.scripted
            if not answer.stream or (gate is None and not scripted.stream_interval):
                self.wfile.write(answer.payload)
                self.wfile.flush()
                return
            for i, event in enumerate(answer.events):
                if gate is not None and i == gate_after:
                    scripted._wait_for_release(gate)
                elif i:
                    scripted._wait(scripted.stream_interval)
                self.wfile.write(event)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. timed out during hang_next); there is no one to answer.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        # Requests are recorded in ScriptedModelServer.requests; stderr noise would only
        # drown the test output.
        pass

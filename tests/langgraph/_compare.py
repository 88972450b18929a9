"""What the LangGraph tests compare between a plain run and a durable run."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import BaseMessage


def message_view(message: BaseMessage) -> tuple[Any, ...]:
    """A message as the user reads it: type, name, content, tool calls, tool call id.

    Ids are left out: LangGraph stamps random ids (uuid4, run ids) in plain runs too.
    """
    return (
        type(message).__name__,
        message.name,
        message.content,
        [(c["name"], c["args"], c["id"]) for c in getattr(message, "tool_calls", [])],
        getattr(message, "tool_call_id", None),
        getattr(message, "status", None),
    )


def messages_view(messages: list[BaseMessage]) -> list[tuple[Any, ...]]:
    assert all(isinstance(m, BaseMessage) for m in messages), [type(m) for m in messages]
    return [message_view(m) for m in messages]


def bodies(server: Any) -> list[dict[str, Any]]:
    return [request.body for request in server.served]


def sorted_bodies(server: Any) -> list[str]:
    """Request bodies regardless of arrival order (parallel calls arrive in any order)."""
    return sorted(json.dumps(body, sort_keys=True) for body in bodies(server))


def decoded_history(history_json_text: str) -> str:
    """Every payload of a history JSON, base64-decoded (Temporal's JSON keeps payload data encoded)."""
    import base64

    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("data"), str) and isinstance(node.get("metadata"), dict):
                found.append(base64.b64decode(node["data"]).decode("utf-8", errors="replace"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(history_json_text))
    return "\n".join(found)

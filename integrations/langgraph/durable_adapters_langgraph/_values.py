"""LangChain/LangGraph values as JSON for history, and back.

Messages, documents and every other ``Serializable`` travel in LangChain's own dict form
(``dumpd``), so they read as JSON in the Temporal UI and come back as the same classes
(``AIMessage`` with its ``tool_calls``, ``ToolMessage``...), equal to the originals. A value
``dumpd`` cannot write (a set, a datetime, a dataclass) falls back to LangGraph's own
checkpoint serializer (``JsonPlusSerializer``), base64-encoded: opaque in the UI, but exact.

Everything decoded here was written by this adapter into the run's own history, so it is
revived with ``allowed_objects="all"`` (partner classes such as ``ChatOpenAI`` included).
"""

from __future__ import annotations

import base64
import warnings
from typing import Any

from langchain_core.load import dumpd, load
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

_SERDE = JsonPlusSerializer()
_OPAQUE = "__durable_serde__"


def not_serialisable(data: Any) -> list[str]:
    """The ``repr``s of every part ``dumpd`` could not write (empty when all of it is data)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("lc") == 1 and node.get("type") == "not_implemented":
                found.append(str(node.get("repr") or ".".join(node.get("id") or [])))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return found


def encode(value: Any) -> Any:
    """``value`` as JSON: LangChain's dict form where it can, the checkpoint serializer otherwise."""
    data = dumpd(value)
    if not not_serialisable(data):
        return data
    kind, raw = _SERDE.dumps_typed(value)
    return {_OPAQUE: [kind, base64.b64encode(raw).decode("ascii")]}


def decode(data: Any) -> Any:
    """The value :func:`encode` wrote."""
    if isinstance(data, dict) and set(data) == {_OPAQUE}:
        kind, raw = data[_OPAQUE]
        return _SERDE.loads_typed((kind, base64.b64decode(raw)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # load() is marked beta and warns about its defaults
        return load(data, allowed_objects="all", secrets_from_env=True)


def encode_opaque(value: Any) -> list[str]:
    """``value`` through the checkpoint serializer only (checkpoints: exact, not for reading)."""
    kind, raw = _SERDE.dumps_typed(value)
    return [kind, base64.b64encode(raw).decode("ascii")]


def decode_opaque(data: list[str]) -> Any:
    kind, raw = data
    return _SERDE.loads_typed((kind, base64.b64decode(raw)))


_TUPLE = "__tuple__"


def encode_tree(value: Any) -> Any:
    """:func:`encode` for a tree of dicts, lists and tuples whose tuples must come back as tuples
    (LangGraph's stream metadata: ``langgraph_triggers``, ``langgraph_path``); not for history."""
    if isinstance(value, tuple):
        return {_TUPLE: [encode_tree(item) for item in value]}
    if isinstance(value, list):
        return [encode_tree(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: encode_tree(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return encode(value)


def decode_tree(data: Any) -> Any:
    """The value :func:`encode_tree` wrote."""
    if isinstance(data, list):
        return [decode_tree(item) for item in data]
    if isinstance(data, dict):
        if set(data) == {_TUPLE}:
            return tuple(decode_tree(item) for item in data[_TUPLE])
        if set(data) == {_OPAQUE} or (data.get("lc") == 1 and "type" in data):
            return decode(data)
        return {key: decode_tree(item) for key, item in data.items()}
    return data

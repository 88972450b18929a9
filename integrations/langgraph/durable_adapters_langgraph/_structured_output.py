"""Structured-output schemas bound to a model call, as data in history and as the user's class around it.

``ChatOpenAI.with_structured_output(Schema)`` (``method="json_schema"``, LangChain's default),
``bind(response_format=Schema)`` and ``bind_tools(..., response_format=Schema)`` bind the pydantic
class itself: the provider client sends its strict JSON schema and parses the answer into an
instance (``additional_kwargs["parsed"]``), which LangChain's parser returns. Neither the class nor
the instance is JSON, so:

* workflow side, :func:`kwargs_as_data` writes each bound class as a :class:`SchemaReference`
  (``module:qualname`` plus its JSON schema) and remembers the class in this process;
* activity side, :func:`kwargs_from_data` puts the class back — the one this process saw, or the
  one the reference imports, if its JSON schema is still the recorded one — so the request is the
  plain run's request, byte for byte; :func:`parsed_as_data` writes the parsed instance as its
  JSON dump;
* workflow side again, :func:`parsed_as_class` makes that dump an instance of the user's class
  (also when the answer comes back from history), so the parser, ``include_raw=True`` and the
  graph's state get the same value as in a plain run.

Every other bound value (TypedDicts and JSON-schema dicts, which LangChain turns into a dict
``response_format``; tool definitions) is data already and is left alone.
"""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import BaseModel

from durable_adapters.adapter import UnsupportedError, reference, resolve

from ._payloads import SchemaReference

SCHEMA_KEY = "__durable_schema__"
"""The key of a :class:`SchemaReference` among a request's kwargs (persisted: pinned by tests)."""

_seen: dict[str, type[BaseModel]] = {}
_seen_lock = threading.Lock()


def _is_schema_class(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _key(ref: SchemaReference) -> str:
    import json

    return f"{ref.schema_class} {json.dumps(ref.json_schema, sort_keys=True)}"


def bound_schemas(kwargs: dict[str, Any]) -> list[type[BaseModel]]:
    """The pydantic classes bound among ``kwargs`` (``response_format=Schema``)."""
    return [value for value in kwargs.values() if _is_schema_class(value)]


def kwargs_as_data(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with each bound pydantic class written as a :class:`SchemaReference`."""
    out: dict[str, Any] = {}
    for name, value in kwargs.items():
        if _is_schema_class(value):
            ref = SchemaReference(schema_class=reference(value), json_schema=value.model_json_schema())
            with _seen_lock:
                _seen[_key(ref)] = value
            out[name] = {SCHEMA_KEY: ref.data()}
        else:
            out[name] = value
    return out


def kwargs_from_data(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The kwargs :func:`kwargs_as_data` wrote, each :class:`SchemaReference` the class again (activity side)."""
    return {
        name: _schema_class(value[SCHEMA_KEY]) if isinstance(value, dict) and set(value) == {SCHEMA_KEY} else value
        for name, value in kwargs.items()
    }


def _schema_class(data: dict[str, Any]) -> type[BaseModel]:
    ref = SchemaReference.model_validate(data)
    with _seen_lock:
        seen = _seen.get(_key(ref))
    if seen is not None:
        return seen
    try:
        found = resolve(ref.schema_class)
    except (ImportError, AttributeError) as exc:
        raise UnsupportedError(
            f"the structured-output schema {ref.schema_class} cannot be imported in this worker ({exc}); "
            "a class defined inside a function is known only to the process that ran that function. "
            "Define the schema at module level so every worker can import it"
        ) from None
    if not _is_schema_class(found) or found.model_json_schema() != ref.json_schema:
        raise UnsupportedError(
            f"the structured-output schema {ref.schema_class} in this worker is not the schema the run "
            "recorded (its JSON schema differs): deploy the same code to every worker of the run"
        )
    return found  # type: ignore[no-any-return]


def parsed_as_data(message: BaseMessage) -> BaseMessage:
    """``message`` with a parsed pydantic instance (``additional_kwargs["parsed"]``) as its JSON dump."""
    parsed = message.additional_kwargs.get("parsed")
    if isinstance(parsed, BaseModel):
        message = message.model_copy(
            update={"additional_kwargs": {**message.additional_kwargs, "parsed": parsed.model_dump(mode="json")}}
        )
    return message


def result_as_data(result: ChatResult) -> ChatResult:
    """:func:`parsed_as_data` for each generation of ``result``."""
    for generation in result.generations:
        generation.message = parsed_as_data(generation.message)
    return result


def parsed_as_class(result: ChatResult, classes: list[type[BaseModel]]) -> ChatResult:
    """Each generation's parsed dump an instance of the bound class again, as the provider client made it."""
    if len(classes) != 1:
        return result
    (schema,) = classes
    for generation in result.generations:
        parsed = generation.message.additional_kwargs.get("parsed")
        if isinstance(parsed, dict):
            generation.message.additional_kwargs["parsed"] = schema.model_validate(parsed)
    return result


def parsed_in_chunk(message: BaseMessage, parsed_as: str | None) -> BaseMessage:
    """A live chunk's parsed fields as an instance of the class the activity named (client side),
    when this process can import it; otherwise the fields stay a dict."""
    parsed = message.additional_kwargs.get("parsed")
    if parsed_as is None or not isinstance(parsed, dict):
        return message
    try:
        schema = resolve(parsed_as)
    except (ImportError, AttributeError):
        return message
    if _is_schema_class(schema):
        message.additional_kwargs["parsed"] = schema.model_validate(parsed)
    return message

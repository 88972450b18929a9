"""The run context (``Runner.run(..., context=...)``) as plain data.

A context crosses into history twice: as part of the run's input, and with each tool call, whose
tool reads it in an activity. It must be plain data: ``None``, a dict or list of JSON values, a
pydantic model, or a dataclass. Its type travels as ``module:qualname`` and is rebuilt in the
worker, so tools see the same type they would in a plain run. A tool that changes the context
sends the changed value back, and the workflow applies it, so later turns see the change as in
a plain run.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic_core import to_jsonable_python

from durable_adapters.adapter import UnsupportedError, reference, resolve


def _context_type(path: str) -> type:
    # ``module:qualname``, the core's reference format, which this adapter has always written.
    target = resolve(path)
    if not isinstance(target, type) or not (issubclass(target, BaseModel) or dataclasses.is_dataclass(target)):
        raise UnsupportedError(f"run context type {path} is neither a pydantic model nor a dataclass")
    return target


def encode_context(context: Any) -> dict[str, Any] | None:
    """The context as ``{"type": ..., "value": ...}`` JSON, or None for no context."""
    if context is None:
        return None
    typed = isinstance(context, BaseModel) or (dataclasses.is_dataclass(context) and not isinstance(context, type))
    if typed and "<locals>" in type(context).__qualname__:
        raise UnsupportedError(
            f"the run context type {type(context).__qualname__} is defined inside a function; "
            "define it at module level so a worker can import it"
        )
    try:
        # A model or dataclass with a field holding a live object fails here too, with the advice.
        return {"type": reference(type(context)) if typed else None, "value": to_jsonable_python(context)}
    except Exception as exc:
        raise UnsupportedError(
            f"the run context ({type(context).__qualname__}) cannot be written as JSON: {exc}. "
            "A durable run's context must be plain data: a pydantic model, a dataclass, or JSON values."
        ) from exc


def decode_context(encoded: dict[str, Any] | None) -> Any:
    """Rebuild the context :func:`encode_context` wrote."""
    if encoded is None:
        return None
    if encoded.get("type") is None:
        return encoded["value"]
    return TypeAdapter(_context_type(encoded["type"])).validate_python(encoded["value"])


def apply_context(target: Any, encoded: dict[str, Any] | None) -> None:
    """Copy a tool's changes to the context (``encoded``) into the workflow's context object."""
    if encoded is None or target is None:
        return
    updated = decode_context(encoded)
    if isinstance(target, dict) and isinstance(updated, dict):
        target.clear()
        target.update(updated)
    elif isinstance(target, list) and isinstance(updated, list):
        target[:] = updated
    elif isinstance(target, BaseModel) or dataclasses.is_dataclass(target):
        for name in (
            type(target).model_fields if isinstance(target, BaseModel) else [f.name for f in dataclasses.fields(target)]
        ):
            setattr(target, name, getattr(updated, name))

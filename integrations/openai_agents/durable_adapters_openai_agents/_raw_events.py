"""Raw model stream events (the Responses API's ``ResponseStreamEvent`` types) as JSON, and back.

A streamed call's raw events cross processes as JSON: published by the model activity, read by
the client, which hands the SDK's consumer the same event objects a plain streamed run yields.
"""

from __future__ import annotations

import typing
from typing import Any

from agents.items import TResponseStreamEvent
from openai import BaseModel as OpenAIModel

# ResponseStreamEvent is an annotated union of ~60 models, each with a literal ``type``: map the
# type to its class once instead of letting pydantic try the members of the union one by one.
_union = typing.get_args(TResponseStreamEvent)[0] if typing.get_origin(TResponseStreamEvent) else TResponseStreamEvent
_BY_TYPE: dict[str, type[OpenAIModel]] = {}
for _member in typing.get_args(_union):
    for _literal in typing.get_args(_member.model_fields["type"].annotation):
        _BY_TYPE.setdefault(_literal, _member)


def dump_raw_event(event: Any) -> dict[str, Any]:
    """The event as the provider's JSON: by alias, with only the fields that were set."""
    dumped: dict[str, Any] = event.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return dumped


def load_raw_event(data: dict[str, Any]) -> Any:
    """The event object :func:`dump_raw_event` wrote (an unknown ``type`` is kept, unvalidated)."""
    cls = _BY_TYPE.get(data.get("type", ""))
    if cls is None:
        return OpenAIModel.construct(**data)
    return cls.model_validate(data)

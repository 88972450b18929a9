"""A CrewAI ``Flow`` run durably: its own control logic in the workflow, its calls as activities.

* What defines a flow is its class (``@start``/``@listen``/``@router`` methods, state type): an
  unnamed flow is hosted under ``<class name slugified>-<12 hex digits>`` of a sha256 of its
  class's import path, its methods' names and its state class, the same in every process.
* In the workflow each run builds a fresh flow of the hosted class (``cls()``, as a user builds a
  flow per kickoff) and awaits CrewAI's own ``kickoff_async``: CrewAI decides which method runs
  when (routers, ``and_``/``or_``, async and sync methods; sync ones run on the core's sync
  bridge) and keeps ``self.state`` between steps. The crews, agents and LLMs the methods make
  are CrewAI's too: every LLM and tool call of theirs becomes an activity (``_flow_calls``).
* The result is what ``kickoff`` returned and the flow's state after the run (``FlowRunResult``).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from typing import Any

from crewai.flow.flow import Flow
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from durable_adapters.adapter import DurableCalls, UnsupportedError, reference

from . import _flow_points, _interception
from ._flow_payloads import FlowRunPayload, FlowRunResult
from ._llm import decode_value, encode_value
from ._run import CrewRun

_DIGITS = 12


def is_flow(obj: Any) -> bool:
    """A Flow instance, or a Flow subclass."""
    return isinstance(obj, Flow) or (isinstance(obj, type) and issubclass(obj, Flow) and obj is not Flow)


def flow_class(obj: Any) -> type[Flow[Any]]:
    return obj if isinstance(obj, type) else type(obj)


def _methods(cls: type) -> list[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__.partition(".")[0] in ("crewai", "pydantic", "typing", "builtins", "abc"):
            continue
        names.update(name for name, value in vars(klass).items() if inspect.isfunction(value))
    return sorted(names)


def _state_class(cls: type) -> Any:
    state = getattr(cls, "initial_state", None)
    if isinstance(state, type):
        return state
    for base in getattr(cls, "__orig_bases__", ()):
        args = getattr(base, "__args__", ())
        if args:
            return args[0]
    return None


def definition(obj: Any) -> str:
    """A sha256 (hex) of what defines the flow: its class, its methods' names, its state class."""
    cls = flow_class(obj)
    state = _state_class(cls)
    described = {
        "flow": reference(cls),
        "methods": _methods(cls),
        "state": reference(state) if isinstance(state, type) else repr(state),
    }
    text = json.dumps(described, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def default_name(obj: Any) -> str:
    own = obj.name if isinstance(obj, Flow) else None
    if own:
        return str(own)
    slug = re.sub(r"[^a-z0-9]+", "-", flow_class(obj).__name__.lower()).strip("-")[:40].strip("-")
    return f"{slug or 'flow'}-{definition(obj)[:_DIGITS]}"


def known_classes(obj: Any) -> dict[str, type]:
    """The flow's state class, by reference, so a client decodes a state defined in ``__main__``."""
    state = type(obj.state) if isinstance(obj, Flow) else _state_class(flow_class(obj))
    if isinstance(state, type) and issubclass(state, BaseModel):
        return {reference(state): state}
    return {}


def _unwrapped_state(flow: Flow[Any]) -> Any:
    state = flow.state
    unwrap = getattr(state, "_unwrap", None)
    return unwrap() if callable(unwrap) else state


def encode_state(state: Any) -> Any:
    """The state, with every field (``encode_value`` would leave out fields never assigned, and a
    default list appended to in place is one)."""
    if isinstance(state, BaseModel):
        return {"model": reference(type(state)), "data": state.model_dump(mode="json")}
    return {"json": to_jsonable_python(state)}


async def run(hosted_obj: Any, payload: dict[str, Any], calls: DurableCalls) -> dict[str, Any]:
    """One durable kickoff of a fresh flow of the hosted class (workflow side)."""
    flow_run = CrewRun(calls, flow=True)
    inputs = FlowRunPayload.model_validate(payload).inputs
    with _interception.intercepting(flow_run), _flow_points.in_flow(flow_class(hosted_obj)):
        flow = flow_class(hosted_obj)()
        result = await flow.kickoff_async(inputs=inputs or None)
        try:
            encoded = encode_value(result)
            state = encode_state(_unwrapped_state(flow))
        except Exception as exc:
            raise UnsupportedError(
                f"the flow's result or state cannot be written as JSON ({exc}); return and keep strings, "
                "numbers, lists, dicts and pydantic models"
            ) from exc
        return FlowRunResult(result=encoded, state=state).data()


class FlowOutcome:
    """A finished durable flow run, as the client reads it back."""

    def __init__(self, result: Any, state: Any) -> None:
        self.result = result
        self.state = state


def decode(payload: dict[str, Any], known: dict[str, type]) -> FlowOutcome:
    data = FlowRunResult.model_validate(payload)
    return FlowOutcome(decode_value(data.result, known), decode_value(data.state, known))


def persisted(cls: type) -> bool:
    """Whether the flow class, or one of its methods, is decorated with ``@persist``."""
    if getattr(cls, "__flow_persistence_config__", None) is not None:
        return True
    return any(
        getattr(value, "__flow_persistence_config__", None) is not None
        for klass in cls.__mro__
        for value in vars(klass).values()
    )

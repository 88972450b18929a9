"""Model and tool calls of a flow: LLMs and tools made inside flow methods, keyed by what they are.

A crew's LLMs and tools are keyed by their path in the hosted crew (``_keys``), found before any
run. A flow builds its crews, agents and LLMs inside its methods, in the workflow, so they have
no path a worker could know in advance. Each one is keyed instead by what it is:

* an LLM by its class and the fields it was made with (:class:`LLMSpec`, ``api_key`` left out),
  under the key ``llm:<model>:<12 hex digits of the spec's sha256>``;
* a tool by its ``@tool`` object's module-level name, or its ``BaseTool`` class and fields
  (:class:`ToolSpec`), under ``tool:<name>:<digits>``.

The spec travels in each request (``"llm"`` / ``"tool"``): whatever worker takes the activity
builds the same LLM for the call (its credentials and endpoint from its own environment, read
then, as CrewAI reads them when an LLM is made) or finds the same tool. No id and no secret is
written.

What cannot be written that way is refused at the call, before anything is sent: an LLM given
an ``api_key`` that is not the one in the environment, fields that are not JSON, a ``@tool``
object not reachable by its module-level name.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from typing import Any

from crewai.llms.base_llm import BaseLLM
from crewai.tools.base_tool import BaseTool, Tool

from durable_adapters.adapter import Interceptions, reference, resolve

from . import _llm, _tools
from ._flow_payloads import LLMSpec, ToolSpec
from ._run import CrewRun

_SECRET_FIELDS = ("api_key",)
_DIGITS = 12


def _digest(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:_DIGITS]


def llm_spec(llm: BaseLLM) -> LLMSpec:
    """What the worker rebuilds ``llm`` from; raises ValueError for what cannot be written."""
    api_key = getattr(llm, "api_key", None)
    if api_key and api_key not in os.environ.values():
        raise ValueError(
            f"the LLM {getattr(llm, 'model', '')!r} was given an api_key of its own; a durable flow writes "
            "no key into history, so its worker builds the LLM with the key in its environment "
            "(OPENAI_API_KEY, ...): set it there and make the LLM without api_key="
        )
    fields = llm.model_dump(mode="json", exclude_unset=True, exclude=set(_SECRET_FIELDS))
    json.dumps(fields)
    return LLMSpec(cls=reference(type(llm)), fields=fields)


def tool_spec(tool: BaseTool) -> ToolSpec:
    if isinstance(tool, Tool):
        function = tool.func
        ref = f"{function.__module__}:{function.__qualname__}"
        try:
            found = resolve(ref)
        except Exception:
            found = None
        if found is not tool:
            raise ValueError(
                f"the @tool {tool.name!r} is not the module-level object {ref}, so a worker cannot find it; "
                "define @tool functions at module level"
            )
        return ToolSpec(ref=ref)
    fields = tool.model_dump(mode="json", exclude_unset=True)
    json.dumps(fields)
    return ToolSpec(ref=reference(type(tool)), fields=fields)


def owned_tool(tool: BaseTool) -> bool:
    """Whether ``tool`` is the user's (a call to it is an activity), not one CrewAI adds to its own
    control flow (delegation, asking a coworker, adding an image), which runs in the workflow."""
    return isinstance(tool, Tool) or not type(tool).__module__.startswith("crewai.")


def llm_key(run: CrewRun, llm: BaseLLM) -> str:
    """The key of ``llm`` in this flow run (its spec goes with every request under that key)."""
    try:
        spec = llm_spec(llm)
    except (TypeError, ValueError) as exc:
        raise run.refuse(f"a flow method called an LLM that cannot be made durable: {exc}") from None
    data = spec.data()
    key = f"llm:{getattr(llm, 'model', type(llm).__name__)}:{_digest(data)}"
    run.specs[key] = {"llm": data}
    _llm_classes(llm)
    return key


def tool_key(run: CrewRun, tool: BaseTool) -> str | None:
    if not owned_tool(tool):
        return None
    try:
        spec = tool_spec(tool)
    except (TypeError, ValueError) as exc:
        raise run.refuse(f"a flow method gave an agent a tool that cannot be made durable: {exc}") from None
    data = spec.data()
    key = f"tool:{tool.name}:{_digest(data)}"
    run.specs[key] = {"tool": data}
    return key


def _llm_classes(llm: BaseLLM) -> None:
    from . import _interception

    _interception.intercept_llm_class(type(llm))


NEW_LLM_CLASSES = Interceptions("crewai LLM classes", active=lambda: True)


def init_llm_subclass(original: Any, **kwargs: Any) -> None:
    original(**kwargs)
    cls = getattr(original, "__self__", None)
    if isinstance(cls, type):
        from . import _interception

        _interception.intercept_llm_class(cls)


if "__init_subclass__" in vars(BaseLLM):  # releases that wrap each provider's call at class creation
    NEW_LLM_CLASSES.point(
        BaseLLM,
        "__init_subclass__",
        side="worker",
        why="a flow's LLM classes are known only when its methods make them; an LLM class defined after a "
        "flow is hosted gets the LLM-call replacement when it is defined, so its first call in a run is "
        "already an activity",
    )(init_llm_subclass)

_PROVIDERS = ("openai", "openai_compatible", "anthropic", "azure", "gemini", "bedrock", "snowflake")


def intercept_llm_classes() -> None:
    """Every LLM class CrewAI ships (whose SDK is installed), every one defined so far, and on releases
    where ``BaseLLM`` has a class-creation hook every one defined from now on, gets the LLM-call
    replacement (``_interception``): a flow's methods make their LLMs in the run, and CrewAI imports a
    provider's class only then."""
    from . import _interception

    for provider in _PROVIDERS:
        try:
            importlib.import_module(f"crewai.llms.providers.{provider}.completion")
        except Exception:  # that provider's SDK is not installed: no flow can make its LLM either
            continue
    NEW_LLM_CLASSES.install()
    pending: list[type] = [BaseLLM]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        _interception.intercept_llm_class(cls)


# -- activity side ----------------------------------------------------------------------------


def _build_llm(spec: LLMSpec) -> BaseLLM:
    cls = resolve(spec.cls)
    if not (isinstance(cls, type) and issubclass(cls, BaseLLM)):
        raise TypeError(f"{spec.cls} is not a CrewAI LLM class")
    return cls(**spec.fields)


def _build_tool(spec: ToolSpec) -> BaseTool:
    found = resolve(spec.ref)
    if spec.fields is None:
        if not isinstance(found, BaseTool):
            raise TypeError(f"{spec.ref} is not a CrewAI tool")
        return found
    if not (isinstance(found, type) and issubclass(found, BaseTool)):
        raise TypeError(f"{spec.ref} is not a CrewAI tool class")
    return found(**spec.fields)


async def call_model(data: dict[str, Any], known: dict[str, type]) -> dict[str, Any]:
    """A flow's model call on the worker: the LLM its spec describes, made for this call (so it reads
    the worker's environment as CrewAI does when an LLM is made), then CrewAI's own call."""
    request = dict(data)
    spec = LLMSpec.model_validate(request.pop("llm"))
    return await _llm.call_model(_build_llm(spec), request, known)


async def call_tool(data: dict[str, Any]) -> dict[str, Any]:
    """A flow's tool call on the worker: the tool its spec names, then CrewAI's own call."""
    request = dict(data)
    spec = ToolSpec.model_validate(request.pop("tool"))
    return await _tools.call_tool(_build_tool(spec), request)

"""The SDK's own exceptions, carried out of a durable run and raised again on the client.

A plain ``Runner.run`` raises ``MaxTurnsExceeded``, ``InputGuardrailTripwireTriggered`` (with its
``guardrail_result``), ``ModelBehaviorError``, ``UserError``...; user code catches them by type.
The core fails a durable run with a ``RunFailedError`` naming the type only. So, in the workflow,
:func:`attach` writes the SDK exception down as :class:`AgentsErrorData` and hangs it, as an
``ApplicationError`` of type :data:`AGENTS_ERROR_TYPE`, into the exception's cause chain (Temporal
keeps a failure's causes with their details); on the client, :func:`raised_again` finds it and
rebuilds the exception: its class, message, attributes, ``guardrail_result`` (the client's own
guardrail object, found again by its place in the agent graph) and ``run_data``.

The rebuilt exception is an instance of a subclass of both the SDK's class and ``RunFailedError``
(same name): ``except OutputGuardrailTripwireTriggered as e: e.guardrail_result`` works as in a
plain run, and so does ``except RunFailedError as e: e.run_id``; the class is the core's
``run_failed_class``. Anything else a run fails with (a provider error, a refused construct) is
left to the core, which makes it an instance of its own class where the client has it.
"""

from __future__ import annotations

from typing import Any

from agents import Agent
from agents.exceptions import AgentsException, RunErrorDetails
from agents.guardrail import GuardrailFunctionOutput, InputGuardrailResult, OutputGuardrailResult
from agents.tool import FunctionTool
from pydantic_core import to_jsonable_python
from temporalio.exceptions import ApplicationError

from durable_adapters import RunFailedError
from durable_adapters.adapter import reference, resolve, run_failed_class

from ._payloads import AGENTS_ERROR_TYPE, AgentsErrorData, GuardrailData, GuardrailRef, RunResultData, TypedValue
from ._result import decode_output, decode_result, encode_run_data
from ._toolset import decode_value, typed_value

_GUARDRAIL_LISTS = {
    "input": "input_guardrails",
    "output": "output_guardrails",
    "tool_input": "tool_input_guardrails",
    "tool_output": "tool_output_guardrails",
}
# Attributes rebuilt from their own data below, not copied as plain values.
_REBUILT = {"run_data", "guardrail_result", "guardrail", "output"}


# -- workflow side -----------------------------------------------------------------------------


def attach(exc: AgentsException, agents: dict[str, Agent[Any]]) -> None:
    """Put ``exc`` as data into its own cause chain, where the run's failure keeps it.

    The exception's original cause stays behind the carrier, so the failure's chain is unchanged
    apart from the one link.
    """
    try:
        data = encode_error(exc, agents)
    except Exception:
        return  # not representable: the run fails with a RunFailedError naming the type, as before
    carrier = ApplicationError(f"{type(exc).__name__} as data", data.data(), type=AGENTS_ERROR_TYPE, non_retryable=True)
    carrier.__cause__ = exc.__cause__
    exc.__cause__ = carrier


def encode_error(exc: AgentsException, agents: dict[str, Agent[Any]]) -> AgentsErrorData:
    attributes = {
        name: value
        for name, value in vars(exc).items()
        if name not in _REBUILT and not name.startswith("_") and isinstance(value, (str, int, float, bool))
    }
    run_data: RunResultData | None = None
    details = getattr(exc, "run_data", None)
    if isinstance(details, RunErrorDetails):
        try:
            run_data = encode_run_data(details)
        except Exception:
            run_data = None  # the exception still travels, without its run data
    return AgentsErrorData(
        type=reference(type(exc)),
        args=to_jsonable_python(list(exc.args)),
        attributes=attributes,
        guardrail=_encode_guardrail(exc, agents),
        run_data=run_data,
    )


def _typed(value: Any) -> TypedValue:
    if value is None or isinstance(value, str):
        return TypedValue(type=None, value=value)
    encoded = typed_value(value)
    return TypedValue.model_validate(encoded) if encoded is not None else TypedValue(type=None, value=str(value))


def _locate(guardrail: Any, agents: dict[str, Agent[Any]]) -> GuardrailRef | None:
    # The stand-ins share their guardrail lists with the user's agents (a clone is shallow).
    for name, agent in agents.items():
        for kind in ("input", "output"):
            for index, candidate in enumerate(getattr(agent, _GUARDRAIL_LISTS[kind])):
                if candidate is guardrail:
                    return GuardrailRef(kind=kind, agent=name, tool=None, index=index)
        for tool in agent.tools:
            if not isinstance(tool, FunctionTool):
                continue
            for kind in ("tool_input", "tool_output"):
                for index, candidate in enumerate(getattr(tool, _GUARDRAIL_LISTS[kind], None) or []):
                    if candidate is guardrail:
                        return GuardrailRef(kind=kind, agent=name, tool=tool.name, index=index)  # type: ignore[arg-type]
    return None


def _encode_guardrail(exc: AgentsException, agents: dict[str, Agent[Any]]) -> GuardrailData | None:
    result = getattr(exc, "guardrail_result", None)
    if isinstance(result, (InputGuardrailResult, OutputGuardrailResult)):
        where = _locate(result.guardrail, agents)
        if where is None:
            return None
        output = result if isinstance(result, OutputGuardrailResult) else None
        return GuardrailData(
            guardrail=where,
            output_info=_typed(result.output.output_info),
            tripwire_triggered=result.output.tripwire_triggered,
            behavior=None,
            agent_output=to_jsonable_python(output.agent_output) if output is not None else None,
            agent=output.agent.name if output is not None else None,
        )
    guardrail, output = getattr(exc, "guardrail", None), getattr(exc, "output", None)
    if guardrail is not None and output is not None:  # a tool guardrail's tripwire
        where = _locate(guardrail, agents)
        if where is None:
            return None
        return GuardrailData(
            guardrail=where,
            output_info=_typed(output.output_info),
            tripwire_triggered=None,
            behavior=to_jsonable_python(output.behavior),
            agent_output=None,
            agent=None,
        )
    return None


# -- client side -------------------------------------------------------------------------------


def raised_again(failure: RunFailedError, agents: dict[str, Agent[Any]]) -> BaseException:
    """The SDK exception ``failure`` carries, rebuilt (see the module's docstring); else ``failure``."""
    data = _carried(failure)
    if data is None:
        return failure
    try:
        return _rebuild(data, failure, agents)
    except Exception:
        return failure  # a class renamed since the run, a guardrail removed: the core's error


def _carried(failure: BaseException) -> AgentsErrorData | None:
    seen: set[int] = set()
    current: BaseException | None = failure
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ApplicationError) and current.type == AGENTS_ERROR_TYPE and current.details:
            try:
                return AgentsErrorData.model_validate(current.details[0])
            except Exception:
                return None
        current = current.__cause__
    return None


def _rebuild(data: AgentsErrorData, failure: RunFailedError, agents: dict[str, Agent[Any]]) -> BaseException:
    sdk_class = resolve(data.type)
    if not (isinstance(sdk_class, type) and issubclass(sdk_class, AgentsException)):
        return failure
    cls = run_failed_class(sdk_class)
    # Built without calling the class: every SDK exception has its own constructor arguments,
    # and what they set is the args and attributes written down in the workflow.
    exc = cls.__new__(cls)
    exc.args = tuple(data.args)
    exc.run_data = None
    for name, value in data.attributes.items():
        setattr(exc, name, value)
    exc.type = failure.type  # type: ignore[attr-defined]
    exc.run_id = failure.run_id  # type: ignore[attr-defined]
    if data.guardrail is not None:
        _set_guardrail(exc, data.guardrail, agents)
    if data.run_data is not None:
        exc.run_data = _decode_run_data(data.run_data, agents)
    exc.__cause__ = failure
    return exc


def _set_guardrail(exc: AgentsException, data: GuardrailData, agents: dict[str, Agent[Any]]) -> None:
    where = data.guardrail
    owner: Any = agents[where.agent]
    if where.tool is not None:
        owner = next(tool for tool in owner.tools if isinstance(tool, FunctionTool) and tool.name == where.tool)
    guardrail = (getattr(owner, _GUARDRAIL_LISTS[where.kind]) or [])[where.index]
    info = data.output_info
    output_info = decode_value(info.model_dump()) if info.type is not None else info.value
    if where.kind == "input":
        exc.guardrail_result = InputGuardrailResult(  # type: ignore[attr-defined]
            guardrail=guardrail, output=GuardrailFunctionOutput(output_info, bool(data.tripwire_triggered))
        )
    elif where.kind == "output":
        agent = agents[data.agent or where.agent]
        exc.guardrail_result = OutputGuardrailResult(  # type: ignore[attr-defined]
            guardrail=guardrail,
            agent_output=decode_output(agent, data.agent_output),
            agent=agent,
            output=GuardrailFunctionOutput(output_info, bool(data.tripwire_triggered)),
        )
    else:
        from agents.tool_guardrails import ToolGuardrailFunctionOutput

        exc.guardrail = guardrail  # type: ignore[attr-defined]
        exc.output = ToolGuardrailFunctionOutput(output_info=output_info, behavior=data.behavior)  # type: ignore[attr-defined,arg-type]


def _decode_run_data(data: RunResultData, agents: dict[str, Agent[Any]]) -> RunErrorDetails:
    result = decode_result(data, agents)
    return RunErrorDetails(
        input=result.input,
        new_items=result.new_items,
        raw_responses=result.raw_responses,
        last_agent=result.last_agent,
        context_wrapper=result.context_wrapper,
        input_guardrail_results=[],
        output_guardrail_results=[],
    )

"""CrewAI results as plain data, and back into CrewAI's own ``CrewOutput`` / ``LiteAgentOutput``.

Structured outputs (``output_pydantic``, ``response_format``) cross as their class's import path
plus their data and come back as instances of that class on the client.
"""

from __future__ import annotations

from typing import Any

from crewai import CrewOutput, TaskOutput
from crewai.lite_agent_output import LiteAgentOutput
from crewai.types.usage_metrics import UsageMetrics
from pydantic import BaseModel

from ._llm import class_ref, resolve_class
from ._payloads import AgentRunResult, CrewRunResult, EncodedModel


def encode_model(value: BaseModel | None) -> dict[str, Any] | None:
    if value is None:
        return None
    encoded = EncodedModel.model_validate({"class": class_ref(type(value)), "data": value.model_dump(mode="json")})
    return encoded.dumped()


def decode_model(data: dict[str, Any] | None, known: dict[str, type]) -> BaseModel | None:
    if data is None:
        return None
    encoded = EncodedModel.model_validate(data)
    return resolve_class(encoded.class_, known).model_validate(encoded.data)  # type: ignore[no-any-return]


def _encode_task_output(output: TaskOutput) -> dict[str, Any]:
    data = output.model_dump(mode="json", exclude={"pydantic"})
    data["pydantic"] = encode_model(output.pydantic)
    return data


def _decode_task_output(data: dict[str, Any], known: dict[str, type]) -> TaskOutput:
    return TaskOutput.model_validate({**data, "pydantic": decode_model(data.get("pydantic"), known)})


def encode_crew_output(output: CrewOutput) -> dict[str, Any]:
    return CrewRunResult(
        raw=output.raw,
        pydantic=encode_model(output.pydantic),
        json_dict=output.json_dict,
        tasks_output=[_encode_task_output(task) for task in output.tasks_output],
        token_usage=output.token_usage.model_dump(mode="json"),
    ).data()


def decode_crew_output(data: dict[str, Any], known: dict[str, type]) -> CrewOutput:
    result = CrewRunResult.model_validate(data)
    return CrewOutput(
        raw=result.raw,
        pydantic=decode_model(result.pydantic, known),
        json_dict=result.json_dict,
        tasks_output=[_decode_task_output(task, known) for task in result.tasks_output],
        token_usage=UsageMetrics.model_validate(result.token_usage),
    )


def encode_agent_output(output: LiteAgentOutput) -> dict[str, Any]:
    data = output.model_dump(mode="json", exclude={"pydantic"})
    data["pydantic"] = encode_model(output.pydantic)
    return AgentRunResult(output=data).data()


def decode_agent_output(data: dict[str, Any], known: dict[str, type]) -> LiteAgentOutput:
    output = AgentRunResult.model_validate(data).output
    return LiteAgentOutput.model_validate({**output, "pydantic": decode_model(output.get("pydantic"), known)})


def output_classes(obj: Any) -> dict[str, type]:
    """The structured-output classes a crew or agent declares, by import path.

    Found on the live objects so that a class defined in a script (``__main__``) or a function
    resolves without an import.
    """
    classes: list[Any] = []
    for task in getattr(obj, "tasks", None) or []:
        classes += [task.output_pydantic, task.output_json, getattr(task, "response_model", None)]
    # A standalone agent's response_format is an argument of kickoff, not a field of the agent
    # (crewai 1.15): DurableCrewAgent.start registers it.
    return {class_ref(cls): cls for cls in classes if isinstance(cls, type) and issubclass(cls, BaseModel)}

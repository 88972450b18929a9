"""``durable(crew)`` and ``durable(agent)``: called the way CrewAI calls them.

Each call is one durable run of a fresh copy of the crew (or agent) the worker hosts; runs never
share task outputs, tool state or CrewAI's task-output database. ``run_id`` names a run: calling
again with the ``run_id`` of a running run attaches to it, with that of a finished run returns
its result from history without calling any model.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from crewai import Agent, Crew, CrewOutput
from crewai.lite_agent_output import LiteAgentOutput
from pydantic import BaseModel

from durable_adapters.adapter import DurableCore, RunHandle, UnsupportedError, run_sync

from ._llm import class_ref
from ._payloads import AgentRunPayload, CrewRunPayload
from ._run import HostedCrew


def _json_inputs(inputs: dict[str, Any] | None) -> dict[str, Any]:
    try:
        json.dumps(inputs or {})
    except (TypeError, ValueError) as exc:
        raise UnsupportedError(
            f"the crew inputs cannot be written as JSON ({exc}); pass strings, numbers, lists and dicts"
        ) from exc
    return dict(inputs or {})


def _refuse_extras(extras: dict[str, Any]) -> None:
    given = sorted(name for name, value in extras.items() if value is not None)
    if given:
        raise UnsupportedError(
            f"durable CrewAI runs do not take {given} yet (input files and checkpoints hold local "
            "files; durability replaces checkpoints)"
        )


class DurableCrew:
    """A durable ``Crew``: ``akickoff`` / ``kickoff`` like the crew, ``start`` for a handle."""

    def __init__(self, core: DurableCore) -> None:
        self.__durable_core__ = core

    @property
    def crew(self) -> Crew:
        """The user's crew (never modified; each run executes a copy)."""
        return self.__durable_core__.hosted.obj  # type: ignore[no-any-return]

    @property
    def name(self) -> str:
        return self.__durable_core__.name

    async def start(
        self,
        inputs: dict[str, Any] | None = None,
        *,
        run_id: str | None = None,
        input_files: Any = None,
        from_checkpoint: Any = None,
    ) -> RunHandle[CrewOutput]:
        """Start a run and return its handle at once (``await handle.result()`` for the ``CrewOutput``)."""
        _refuse_extras({"input_files": input_files, "from_checkpoint": from_checkpoint})
        return await self.__durable_core__.start(CrewRunPayload(inputs=_json_inputs(inputs)).data(), run_id=run_id)

    async def akickoff(
        self, inputs: dict[str, Any] | None = None, *, run_id: str | None = None, **extras: Any
    ) -> CrewOutput:
        """Run the crew durably; returns CrewAI's ``CrewOutput`` (``raw``, ``tasks_output``, ``token_usage``)."""
        handle = await self.start(inputs, run_id=run_id, **extras)
        return await handle.result()

    kickoff_async = akickoff

    def kickoff(self, inputs: dict[str, Any] | None = None, *, run_id: str | None = None, **extras: Any) -> CrewOutput:
        """:meth:`akickoff` from sync code."""
        return run_sync(self.akickoff(inputs, run_id=run_id, **extras))

    async def akickoff_for_each(self, inputs: list[dict[str, Any]], **extras: Any) -> list[CrewOutput]:
        """One durable run per inputs dict, all at once (like ``Crew.akickoff_for_each``), outputs in order."""
        handles = await asyncio.gather(*(self.start(each, **extras) for each in inputs))
        return list(await asyncio.gather(*(handle.result() for handle in handles)))

    kickoff_for_each_async = akickoff_for_each

    def kickoff_for_each(self, inputs: list[dict[str, Any]], **extras: Any) -> list[CrewOutput]:
        """:meth:`akickoff_for_each` from sync code."""
        return run_sync(self.akickoff_for_each(inputs, **extras))

    def __repr__(self) -> str:
        return f"durable(<Crew {self.crew.name!r}>, name={self.name!r})"


class DurableCrewAgent:
    """A durable standalone ``Agent``: ``akickoff`` / ``kickoff`` like ``Agent.kickoff``."""

    def __init__(self, core: DurableCore) -> None:
        self.__durable_core__ = core

    @property
    def agent(self) -> Agent:
        return self.__durable_core__.hosted.obj  # type: ignore[no-any-return]

    @property
    def name(self) -> str:
        return self.__durable_core__.name

    async def start(
        self,
        messages: str | list[dict[str, Any]],
        response_format: type[BaseModel] | None = None,
        *,
        run_id: str | None = None,
        input_files: Any = None,
        from_checkpoint: Any = None,
    ) -> RunHandle[LiteAgentOutput]:
        _refuse_extras({"input_files": input_files, "from_checkpoint": from_checkpoint})
        try:
            json.dumps(messages)
        except (TypeError, ValueError) as exc:
            raise UnsupportedError(f"the messages cannot be written as JSON ({exc})") from exc
        if response_format is not None:
            hosted: HostedCrew = self.__durable_core__.hosted.state
            hosted.classes[class_ref(response_format)] = response_format
        payload = AgentRunPayload(
            messages=messages,
            response_format=class_ref(response_format) if response_format is not None else None,
        ).data()
        return await self.__durable_core__.start(payload, run_id=run_id)

    async def akickoff(
        self,
        messages: str | list[dict[str, Any]],
        response_format: type[BaseModel] | None = None,
        *,
        run_id: str | None = None,
        **extras: Any,
    ) -> LiteAgentOutput:
        """Run the agent durably; returns CrewAI's ``LiteAgentOutput``."""
        handle = await self.start(messages, response_format, run_id=run_id, **extras)
        return await handle.result()

    kickoff_async = akickoff

    def kickoff(
        self,
        messages: str | list[dict[str, Any]],
        response_format: type[BaseModel] | None = None,
        *,
        run_id: str | None = None,
        **extras: Any,
    ) -> LiteAgentOutput:
        return run_sync(self.akickoff(messages, response_format, run_id=run_id, **extras))

    def __repr__(self) -> str:
        return f"durable(<Agent {self.agent.role!r}>, name={self.name!r})"

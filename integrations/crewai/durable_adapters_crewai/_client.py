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
from crewai.types.streaming import CrewStreamingOutput
from pydantic import BaseModel

from durable_adapters.adapter import DurableCore, RunHandle, UnsupportedError, run_sync

from . import _stream_output
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


def _crew_payload(inputs: dict[str, Any] | None, extras: dict[str, Any]) -> dict[str, Any]:
    _refuse_extras(extras)
    return CrewRunPayload(inputs=_json_inputs(inputs)).data()


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
        payload = _crew_payload(inputs, {"input_files": input_files, "from_checkpoint": from_checkpoint})
        return await self.__durable_core__.start(payload, run_id=run_id)

    async def akickoff(
        self, inputs: dict[str, Any] | None = None, *, run_id: str | None = None, **extras: Any
    ) -> CrewOutput | CrewStreamingOutput:
        """Run the crew durably; returns CrewAI's ``CrewOutput`` (``raw``, ``tasks_output``, ``token_usage``).

        For a ``Crew(stream=True)``, as CrewAI: a ``CrewStreamingOutput`` of the started run —
        ``async for chunk in streaming`` while it runs, then ``streaming.result``. With the
        ``run_id`` of a run already started, it follows that run from its beginning."""
        handle = await self.start(inputs, run_id=run_id, **extras)
        if self.crew.stream:
            return _stream_output.async_output(handle, self.crew)
        return await handle.result()

    kickoff_async = akickoff

    def kickoff(
        self, inputs: dict[str, Any] | None = None, *, run_id: str | None = None, **extras: Any
    ) -> CrewOutput | CrewStreamingOutput:
        """:meth:`akickoff` from sync code; for a ``Crew(stream=True)`` a ``CrewStreamingOutput``
        whose run starts when the iteration (``for chunk in streaming``) begins, as CrewAI's."""
        if self.crew.stream:
            _crew_payload(inputs, extras)  # refused now, not when the iteration begins
            return _stream_output.sync_output(lambda: self.start(inputs, run_id=run_id, **extras), self.crew)
        return run_sync(self.akickoff(inputs, run_id=run_id, **extras))

    async def akickoff_for_each(
        self, inputs: list[dict[str, Any]], **extras: Any
    ) -> list[CrewOutput] | CrewStreamingOutput:
        """One durable run per inputs dict, all at once (like ``Crew.akickoff_for_each``), outputs in order.

        For a ``Crew(stream=True)``, as CrewAI: one ``CrewStreamingOutput`` with every run's chunks
        as they come, then ``streaming.results``."""
        if self.crew.stream:
            handles = await asyncio.gather(*(self.start(each, **extras) for each in inputs))
            return _stream_output.async_output_for_each(list(handles), self.crew)
        return await self._outputs_for_each(inputs, **extras)

    async def _outputs_for_each(self, inputs: list[dict[str, Any]], **extras: Any) -> list[CrewOutput]:
        handles = await asyncio.gather(*(self.start(each, **extras) for each in inputs))
        return list(await asyncio.gather(*(handle.result() for handle in handles)))

    kickoff_for_each_async = akickoff_for_each

    def kickoff_for_each(self, inputs: list[dict[str, Any]], **extras: Any) -> list[CrewOutput | CrewStreamingOutput]:
        """:meth:`akickoff_for_each` from sync code; for a ``Crew(stream=True)`` one
        ``CrewStreamingOutput`` per inputs dict, each run starting when it is iterated, as CrewAI's."""
        if self.crew.stream:
            return [self.kickoff(each, **extras) for each in inputs]
        return list(run_sync(self._outputs_for_each(inputs, **extras)))

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

"""The CrewAI adapter: what is specific to running a ``Crew`` (or a standalone ``Agent``) durably.

* Hosting: the crew's LLMs and tools are known by their path in the crew (``_keys``); what
  cannot run durably is refused here, before any run.
* In the workflow: ``akickoff`` on a fresh copy of the crew (``Crew.copy()``, CrewAI's own copy,
  as ``kickoff_for_each`` uses), so runs share no task outputs or agent state; CrewAI's own loop
  decides tasks, delegation, tool calls and retries as in a plain run. Its sync steps run under
  the core's sync bridge; its event bus, thread pools and task-output database are kept out of
  the workflow (``_inside``).
* In activities: the live LLM and the live tool the worker hosts.

This module imports no CrewAI: the core loads every installed adapter in every process that calls
``durable()``, and importing CrewAI costs seconds and installs CrewAI's telemetry signal handlers
(SIGTERM/SIGINT become ``SystemExit``). CrewAI is imported the first time an object that comes
from the ``crewai`` package is offered, or a run of a CrewAI object is served (``_runtime``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from durable_adapters.adapter import Adapter, DurableCalls, DurableCore, Hosted

if TYPE_CHECKING:
    from ._runtime import CrewAIRuntime


def _from_crewai(obj: Any) -> bool:
    return any(cls.__module__.partition(".")[0] == "crewai" for cls in type(obj).__mro__)


class CrewAIAdapter(Adapter):
    framework = "crewai"

    def __init__(self) -> None:
        self._loaded: CrewAIRuntime | None = None

    def _runtime(self) -> CrewAIRuntime:
        if self._loaded is None:
            from ._runtime import CrewAIRuntime

            self._loaded = CrewAIRuntime()
        return self._loaded

    def accepts(self, obj: Any) -> bool:
        return _from_crewai(obj) and self._runtime().accepts(obj)

    def default_name(self, obj: Any) -> str | None:
        return self._runtime().default_name(obj)

    def definition(self, obj: Any) -> str | None:
        return self._runtime().definition(obj)

    def host(self, hosted: Hosted) -> None:
        self._runtime().host(hosted)

    def client(self, core: DurableCore) -> Any:
        return self._runtime().client(core)

    def decode_result(self, hosted: Hosted, payload: dict[str, Any]) -> Any:
        return self._runtime().decode_result(hosted, payload)

    async def run(self, hosted: Hosted, payload: dict[str, Any], calls: DurableCalls) -> dict[str, Any]:
        return await self._runtime().run(hosted, payload, calls)

    async def call_model(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        return await self._runtime().call_model(hosted, key, request)

    async def call_tool(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        return await self._runtime().call_tool(hosted, key, request)

    def payload_from_text(self, hosted: Hosted, text: str) -> dict[str, Any]:
        return self._runtime().payload_from_text(hosted, text)

    def result_text(self, result: Any) -> str:
        # A crew's or an agent's output by its raw text; a flow's outcome by its result.
        return str(result.raw) if hasattr(result, "raw") else str(getattr(result, "result", result))

    def describe_model(self, hosted: Hosted, key: str) -> str:
        return self._runtime().describe_model(hosted, key)

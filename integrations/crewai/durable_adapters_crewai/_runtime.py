"""The CrewAI adapter's implementation (imported on first use, see ``_adapter``).

* Hosting: the crew's LLMs and tools are known by their path in the crew (``_keys``); what
  cannot run durably is refused here, before any run.
* In the workflow: ``akickoff`` on a fresh copy of the crew (``Crew.copy()``, CrewAI's own copy,
  as ``kickoff_for_each`` uses), so runs share no task outputs or agent state; CrewAI's own loop
  decides tasks, delegation, tool calls and retries as in a plain run. Its sync steps run under
  the core's sync bridge; its event bus, thread pools and task-output database are kept out of
  the workflow (``_inside``). Every CrewAI point replaced for that is in one table,
  ``_interception.PATCHES``, active while :meth:`CrewAIRuntime.run` runs the copy inside
  ``_interception.intercepting``.
* In activities: the live LLM and the live tool the worker hosts.
"""

from __future__ import annotations

from typing import Any

from crewai import Agent, Crew
from crewai.crews.utils import enable_agent_streaming

from durable_adapters.adapter import DurableCalls, DurableCore, Hosted

from . import _flow_calls, _flow_points, _flows, _interception, _llm, _names, _output, _tools
from ._client import DurableCrew, DurableCrewAgent
from ._flow_client import DurableFlow
from ._flow_payloads import FlowRunPayload
from ._keys import agent_places, collect, normalise, refuse_unsupported
from ._payloads import AgentRunPayload, CrewRunPayload, run_payload
from ._run import CrewRun, HostedCrew


def _state(hosted: Hosted) -> HostedCrew:
    state: HostedCrew = hosted.state
    return state


class CrewAIRuntime:
    """What :class:`~._adapter.CrewAIAdapter` delegates to once CrewAI is imported."""

    def accepts(self, obj: Any) -> bool:
        return isinstance(obj, (Crew, Agent)) or _flows.is_flow(obj)

    def default_name(self, obj: Any) -> str | None:
        # A crew's own name, or one derived from its definition when CrewAI left it "crew".
        if _flows.is_flow(obj):
            return _flows.default_name(obj)
        return _names.default_name(obj)

    def definition(self, obj: Any) -> str | None:
        if _flows.is_flow(obj):
            return _flows.definition(obj)
        return _names.definition(obj)

    def host(self, hosted: Hosted) -> None:
        if _flows.is_flow(hosted.obj):
            # A flow's LLMs and tools are made inside its methods: keyed when called (_flow_calls).
            hosted.state = HostedCrew(_flows.known_classes(hosted.obj))
            _interception.install()
            _flow_points.FLOW_POINTS.install()
            _flow_calls.intercept_llm_classes()
            return
        refuse_unsupported(hosted.obj)
        models, tools = collect(hosted.obj)
        hosted.models.update(models)
        hosted.tools.update(tools)
        hosted.state = HostedCrew(_output.output_classes(hosted.obj))
        for llm in models.values():
            _interception.intercept_llm_class(type(llm))
        _interception.install()

    def client(self, core: DurableCore) -> Any:
        if _flows.is_flow(core.hosted.obj):
            return DurableFlow(core)
        return DurableCrew(core) if isinstance(core.hosted.obj, Crew) else DurableCrewAgent(core)

    def decode_result(self, hosted: Hosted, payload: dict[str, Any]) -> Any:
        classes = _state(hosted).classes
        if payload["kind"] == "flow":
            return _flows.decode(payload, classes)
        if payload["kind"] == "crew":
            return _output.decode_crew_output(payload, classes)
        return _output.decode_agent_output(payload, classes)

    async def run(self, hosted: Hosted, payload: dict[str, Any], calls: DurableCalls) -> dict[str, Any]:
        if _flows.is_flow(hosted.obj):
            return await _flows.run(hosted.obj, payload, calls)
        crew_run = CrewRun(calls)
        with _interception.intercepting(crew_run):
            # The copy is made with the run current, so the crew it builds keeps its task-output
            # log in memory (see _inside) and its LLM copies are keyed for this run only.
            copy = hosted.obj.copy()
            normalise(copy)
            models, tools = collect(copy)
            for llm in models.values():
                _interception.intercept_llm_class(type(llm))
            _llm.fresh_usage(models.values())
            crew_run.add(models, tools)
            if isinstance(copy, Crew):
                crew_run.agent_places.update(agent_places(copy))
                if copy.stream:
                    # What a plain streamed kickoff does before it runs the crew unstreamed: every
                    # agent's LLM streams; the workflow then marks those calls for live streaming.
                    copy.stream = False
                    enable_agent_streaming(copy.agents)
            # A refusal CrewAI swallowed, or failed with in its own way, still fails the run: it is
            # recorded on ``calls`` (see CrewRun.refuse).
            run = run_payload(payload)
            if isinstance(run, CrewRunPayload):
                return _output.encode_crew_output(await copy.akickoff(inputs=run.inputs))
            response_format = run.response_format
            result = await copy.akickoff(
                run.messages,
                response_format=_llm.resolve_class(response_format, _state(hosted).classes)
                if response_format
                else None,
            )
            return _output.encode_agent_output(result)

    async def call_model(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        if _flows.is_flow(hosted.obj):
            return await _flow_calls.call_model(request, _state(hosted).classes)
        return await _llm.call_model(hosted.model(key), request, _state(hosted).classes)

    async def call_tool(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        if _flows.is_flow(hosted.obj):
            if key == _flow_points.PERSIST_KEY:
                return await _flow_points.persist_on_worker(
                    _flows.flow_class(hosted.obj), request, _state(hosted).classes
                )
            return await _flow_calls.call_tool(request)
        return await _tools.call_tool(hosted.tool(key), request)

    def payload_from_text(self, hosted: Hosted, text: str) -> dict[str, Any]:
        if _flows.is_flow(hosted.obj):
            return FlowRunPayload(inputs={"input": text}).data()
        if isinstance(hosted.obj, Crew):
            return CrewRunPayload(inputs={"input": text}).data()
        return AgentRunPayload(messages=text, response_format=None).data()

    def describe_model(self, hosted: Hosted, key: str) -> str:
        llm = hosted.models.get(key)
        return _llm.describe(llm, key) if llm is not None else key

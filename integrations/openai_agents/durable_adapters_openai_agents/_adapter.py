"""The OpenAI Agents SDK adapter: what is specific to running an ``Agent`` durably.

* Hosting: every agent reachable from the root is known by name; its model is called by the
  key ``<agent name>`` and each function tool by ``<agent name>/<tool name>``.
* In the workflow: ``Runner.run`` on the root agent's stand-in (see ``_agent_graph``), with
  tracing off; the SDK's own loop decides turns, handoffs, guardrails, parallel tool calls and
  ``max_turns`` exactly as in a plain run.
* In activities: the real model and the real tool function.
"""

from __future__ import annotations

import asyncio
from typing import Any

from agents import Agent, RunConfig, Runner, RunResultStreaming
from agents.exceptions import AgentsException
from agents.result import RunResultBase
from agents.run import DEFAULT_MAX_TURNS
from agents.tool import FunctionTool

from durable_adapters import RunFailedError
from durable_adapters.adapter import Adapter, DurableCalls, DurableCore, Hosted, live_stream, scoped

from . import _approval, _definition, _errors, _inline, _mcp, _model, _result, _session, _stream_events, _toolset
from ._agent import DurableAgent
from ._agent_graph import DurableAgents, HostedAgents, collect_agents
from ._payloads import ModelRequest, RunPayload, RunResultData, ToolRequest
from ._refusal import Refusal
from ._run_config import decode_run_config
from ._run_context import decode_context
from ._runner import CURRENT_RUN, install_runner


async def _run_streamed(
    durable_agents: DurableAgents, root: Agent[Any], run: RunPayload, calls: DurableCalls, session: Any = None
) -> RunResultStreaming:
    """The SDK's streamed loop, every event it produces put into the run's stream (see ``_stream_events``)."""
    durable_agents.streamed_root_pending = True
    streamed = Runner.run_streamed(
        root,
        run.input,
        context=decode_context(run.context),
        max_turns=run.max_turns,
        run_config=_workflow_config(run),
        session=session,
    )
    _stream_events.emit_events(streamed, calls)
    async for _ in streamed.stream_events():
        pass  # emitted as they were produced; draining lets the loop finish and raises its failure
    if streamed.run_loop_task is not None and streamed.run_loop_task.cancelled():
        raise asyncio.CancelledError("the run's streamed loop was cancelled")
    return streamed


def _workflow_config(run: RunPayload) -> RunConfig:
    # Tracing would start the SDK's exporter thread and HTTP client inside the workflow.
    config = decode_run_config(run.run_config)
    config.tracing_disabled = True
    return config


def _agents(hosted: Hosted) -> dict[str, Agent[Any]]:
    state: HostedAgents = hosted.state  # set by OpenAIAgentsAdapter.host
    return state.by_name


class OpenAIAgentsAdapter(Adapter):
    framework = "openai-agents"

    def accepts(self, obj: Any) -> bool:
        return isinstance(obj, Agent)

    def default_name(self, obj: Any) -> str | None:
        return obj.name or None

    def definition(self, obj: Any) -> str | None:
        return _definition.definition(obj)

    def host(self, hosted: Hosted) -> None:
        agents = collect_agents(hosted.obj)
        hosted.state = HostedAgents(agents)
        for name, agent in agents.items():
            hosted.models[name] = agent
            for tool in agent.tools:
                if isinstance(tool, FunctionTool) and not _toolset.is_agent_tool(tool):
                    hosted.tools[_toolset.tool_key(name, tool.name)] = tool
            for server in agent.mcp_servers:
                hosted.tools[_mcp.server_key(server)] = server
        install_runner()

    def client(self, core: DurableCore) -> DurableAgent:
        return DurableAgent(core)

    def decode_result(self, hosted: Hosted, payload: dict[str, Any]) -> Any:
        return _result.decode_result(RunResultData.model_validate(payload), _agents(hosted))

    def decode_failure(self, hosted: Hosted, failure: RunFailedError) -> BaseException:
        # The SDK's own exception (MaxTurnsExceeded, a guardrail's tripwire...), rebuilt from the
        # data the workflow put into the failure (see _errors); any other failure stays as it is.
        return _errors.raised_again(failure, _agents(hosted))

    async def run(self, hosted: Hosted, payload: dict[str, Any], calls: DurableCalls) -> dict[str, Any]:
        run = RunPayload.model_validate(payload)
        # The stand-ins' models and tools carry every call out of the workflow (see _interception).
        durable_agents = DurableAgents(_agents(hosted), calls)
        session = (
            _session.DurableSession(_session.SessionRef.model_validate(run.session), calls) if run.session else None
        )
        with scoped(CURRENT_RUN, durable_agents):
            try:
                if run.stream:
                    result: RunResultBase = await _run_streamed(durable_agents, hosted.obj, run, calls, session)
                else:
                    root = durable_agents.stand_in(hosted.obj)
                    result = await _approval.run_until_decided(
                        Runner.run(
                            root,
                            run.input,
                            context=decode_context(run.context),
                            max_turns=run.max_turns,
                            run_config=_workflow_config(run),
                            session=session,
                        ),
                        # Tool approvals: the plain caller's Runner.run(agent, state) (see _approval).
                        lambda state: Runner.run(root, state, run_config=_workflow_config(run), session=session),
                        calls,
                    )
            except Refusal as refusal:
                raise refusal.error from None
            except AgentsException as exc:
                # The run fails with it as ever; its data rides along for the client (see _errors).
                _errors.attach(exc, _agents(hosted))
                raise
        return _result.encode_result(result).data()

    async def call_model(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        model_request = ModelRequest.model_validate(request)
        # An agent built during the run is made here from its name and model name (see _inline).
        agent = (
            _inline.worker_agent(key, model_request.extra(_inline.INLINE_MODEL_FIELD))
            if _inline.is_inline_key(key)
            else hosted.model(key)
        )
        response = await _model.call_model(agent, _agents(hosted), model_request, stream=live_stream())
        return response.data()

    async def call_tool(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        if _mcp.is_mcp_key(key):
            return await _mcp.call_mcp(hosted.tools, key, request)
        if key.startswith(_session.KEY_PREFIX):
            return await _session.call_session(request)
        return (await _toolset.call_tool(hosted.tool(key), ToolRequest.model_validate(request))).data()

    def payload_from_text(self, hosted: Hosted, text: str) -> dict[str, Any]:
        return RunPayload(input=text, context=None, max_turns=DEFAULT_MAX_TURNS).data()

    def result_text(self, result: Any) -> str:
        return str(result.final_output)

    def describe_model(self, hosted: Hosted, key: str) -> str:
        agent = hosted.models.get(key)
        return _model.describe(agent) if agent is not None else key

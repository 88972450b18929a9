"""The SDK's default runner, pointed at the durable stand-ins while a durable run is active.

``Runner.run`` delegates to a process-wide default runner (``agents.run.DEFAULT_AGENT_RUNNER``,
read at each call), and so do agent tools (``agent.as_tool()``) for their nested run. Installing
this runner once lets a nested run inside a durable run use the stand-ins of the current run (its
model and tool calls become activities), while every run outside a durable workflow — a plain run
in the same process — passes through unchanged. (The SDK points this relies on are listed in
``_internals``.)
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any

from agents import RunConfig
from agents.run import AgentRunner, get_default_agent_runner, set_default_agent_runner

from durable_adapters.adapter import UnsupportedError, await_only, in_bridge, run_thread_context

from ._agent_graph import DurableAgents
from ._refusal import Refusal
from ._run_config import live_model_in, model_name_kept

CURRENT_RUN: contextvars.ContextVar[DurableAgents | None] = contextvars.ContextVar(
    "durable_openai_agents_run", default=None
)


def _in_workflow_config(run_config: RunConfig | None) -> RunConfig:
    # Tracing would start the SDK's exporter thread and HTTP client inside the workflow.
    config = run_config or RunConfig()
    if isinstance(config, dict):
        config = RunConfig(**config)
    config.tracing_disabled = True
    return config


def _refuse_live_model(durable_agents: DurableAgents, entry: str, config: RunConfig) -> None:
    """Fail the run, before the nested run sends anything, when its ``run_config`` holds a live model."""
    live = live_model_in(config)
    if live is None:
        return
    error = UnsupportedError(
        f"{entry} inside a durable run was given {live}: that model would be called from the "
        "workflow, not from a model activity. Set the model on the nested agent (Agent(model=...)) "
        "or give run_config a model name"
    )
    durable_agents.calls.refuse(error)  # the run fails with it even if the caller swallows it
    raise Refusal(error)


def _refuse_off_workflow(entry: str) -> None:
    """Fail the run when ``entry`` is called on a thread that code inside a durable run started.

    Such a thread (a ``threading.Thread`` or a thread pool in an instructions function, a
    guardrail, a hook...) runs outside the workflow and does not see :data:`CURRENT_RUN`: without
    this, the SDK's plain runner would send the nested run's model calls to the provider from
    there, unrecorded. The refusal is also kept on the run, so it fails even if the thread's
    exception is swallowed.
    """
    context = run_thread_context()
    run = context.get(CURRENT_RUN) if context is not None else None
    if run is None:
        return
    error = UnsupportedError(
        f"{entry} was called on a thread started inside a durable run (a threading.Thread or a "
        "thread pool). That thread runs outside the workflow, so its model calls could not be "
        "activities and would reach the provider unrecorded; nothing was sent. Await Runner.run "
        "in the code itself, or give the agent to the durable agent as a tool (agent.as_tool()) "
        "or a handoff"
    )
    run.calls.refuse(error)  # the run fails with it even if the thread's exception is swallowed
    raise Refusal(error)


class DurableAgentRunner(AgentRunner):
    """Maps the starting agent of a run inside a durable run to its stand-in; otherwise the SDK's runner."""

    def __init__(self, fallback: AgentRunner) -> None:
        self._fallback = fallback

    async def run(self, starting_agent: Any, input: Any, **kwargs: Any) -> Any:
        durable_agents = CURRENT_RUN.get()
        if durable_agents is None:
            _refuse_off_workflow("Runner.run")
            return await self._fallback.run(starting_agent, input, **kwargs)
        config = _in_workflow_config(kwargs.get("run_config"))
        _refuse_live_model(durable_agents, "Runner.run", config)
        with model_name_kept(config) as kwargs["run_config"]:
            return await super().run(durable_agents.stand_in(starting_agent), input, **kwargs)

    def run_sync(self, starting_agent: Any, input: Any, **kwargs: Any) -> Any:
        if CURRENT_RUN.get() is not None:
            if in_bridge():
                # Sync code the run handed to a thread (asyncio.to_thread): plainly a thread with no
                # loop, where run_sync works; here the bridge waits on the nested run, whose model
                # and tool calls are activities one by one, as for Runner.run.
                return await_only(self.run(starting_agent, input, **kwargs))
            # On the workflow's loop, as on a plain run's loop, the SDK refuses it (RuntimeError:
            # an event loop is already running): the run fails as the plain run does.
            return self._fallback.run_sync(starting_agent, input, **kwargs)
        _refuse_off_workflow("Runner.run_sync")
        return self._fallback.run_sync(starting_agent, input, **kwargs)

    def run_streamed(self, starting_agent: Any, input: Any, **kwargs: Any) -> Any:
        durable_agents = CURRENT_RUN.get()
        if durable_agents is not None and durable_agents.streamed_root_pending:
            # The durable run's own streamed loop (durable(agent).run_streamed), started by the adapter.
            durable_agents.streamed_root_pending = False
            # The loop's task is made here and copies the run's model name (see _run_config).
            with model_name_kept(_in_workflow_config(kwargs.get("run_config"))) as kwargs["run_config"]:
                return super().run_streamed(durable_agents.stand_in(starting_agent), input, **kwargs)
        if durable_agents is not None:
            raise Refusal(
                UnsupportedError(
                    "a streamed run inside a durable run (Runner.run_streamed in the agent's code, or an "
                    "agent tool with as_tool(on_stream=...)) is not supported: its events would reach only "
                    "code in the workflow, not the durable run's consumer. Use as_tool() without on_stream "
                    "(stream the whole run with durable(agent).run_streamed instead), or Runner.run"
                )
            )
        _refuse_off_workflow("Runner.run_streamed")
        return self._fallback.run_streamed(starting_agent, input, **kwargs)


_install_lock = threading.Lock()


def install_runner() -> None:
    """Make :class:`DurableAgentRunner` the SDK's default runner (once per process)."""
    with _install_lock:
        current = get_default_agent_runner()
        if not isinstance(current, DurableAgentRunner):
            set_default_agent_runner(DurableAgentRunner(current))

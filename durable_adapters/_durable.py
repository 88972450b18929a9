"""``durable(obj)``: the one call that makes a framework object durable.

It finds the adapter for ``obj``, hosts the object in this process's registry under a stable
name, and returns the adapter's wrapper, which is called the framework's own way. Underneath,
each call starts (or attaches to) a run of the agent-loop workflow.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from . import _connection, _embedded
from ._adapter import adapter_for
from ._errors import ConfigurationError
from ._handle import RunHandle
from ._names import MEMO_FRAMEWORK, MEMO_SOURCE, default_task_queue
from ._payloads import CallPolicy, RunInput, RunOptions, RunOutput
from ._registry import REGISTRY, Hosted
from ._settings import DurableSettings
from ._workflow import AgentLoopWorkflow

T = TypeVar("T")
_log = logging.getLogger("durable_adapters")


class DurableCore:
    """What every framework wrapper shares: its hosted object, its queue, and starting runs."""

    def __init__(
        self,
        hosted: Hosted,
        *,
        worker: bool = True,
        task_queue: str | None = None,
        options: RunOptions | None = None,
    ) -> None:
        self.hosted = hosted
        self.worker = worker
        self._task_queue = task_queue
        self.options = options or RunOptions()

    @property
    def name(self) -> str:
        return self.hosted.name

    @property
    def task_queue(self) -> str:
        """The queue this object's runs go to: ``task_queue=``, ``DURABLE_TASK_QUEUE``, or its own."""
        return self._task_queue or DurableSettings().task_queue or default_task_queue(self.name)

    async def client(self) -> Client:
        """A client of the configured Temporal server (started as the embedded dev server if need be)."""
        return await _connection.connect(await asyncio.to_thread(_connection.resolve_target))

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """Keep this process's embedded worker polling for the block (nothing when ``worker=False``).

        Queries (``pending_input``, ``events``) and updates need a worker to answer them, also
        between calls that hold one.
        """
        if not self.worker:
            yield
            return
        lease = await _embedded.acquire(await self.client(), self.task_queue)
        try:
            yield
        finally:
            await lease.release()

    async def attach(self, run_id: str) -> RunHandle[Any]:
        """The handle of the existing run ``run_id``; never starts one. :class:`ConfigurationError` if none."""
        target, client, handle = await _existing_run(run_id)
        lease = await _embedded.acquire(client, self.task_queue) if self.worker else None
        return self._handle(handle, target, lease)

    def _handle(
        self, handle: WorkflowHandle[Any, RunOutput], target: _connection.Target, lease: _embedded.Lease | None
    ) -> RunHandle[Any]:
        return RunHandle(
            handle,
            ui_url=_ui_url(target, handle.id),
            decode=lambda payload: self.hosted.adapter.decode_result(self.hosted, payload),
            on_done=lease.release if lease is not None else None,
            decode_failure=lambda failure: self.hosted.adapter.decode_failure(self.hosted, failure),
        )

    async def start(self, payload: dict[str, Any], *, run_id: str | None = None) -> RunHandle[Any]:
        """Start a run (or attach to the run with this ``run_id``) and return its handle at once.

        A running run with this id is attached to; a completed one is returned as it is, so its
        result comes from history with no new model call. A failed, cancelled or terminated run
        with this id is started afresh.
        """
        target = await asyncio.to_thread(_connection.resolve_target)
        client = await _connection.connect(target)
        lease = await _embedded.acquire(client, self.task_queue) if self.worker else None
        run_id = run_id or f"{self.name}-{uuid.uuid4().hex[:12]}"
        try:
            await client.start_workflow(
                AgentLoopWorkflow.run,
                RunInput(
                    hosted=self.name,
                    framework=self.hosted.adapter.framework,
                    payload=payload,
                    options=self.options,
                    definition=self.hosted.definition,
                ),
                id=run_id,
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
                memo={MEMO_SOURCE: self.hosted.source, MEMO_FRAMEWORK: self.hosted.adapter.framework},
                static_summary=f"{self.hosted.adapter.framework} · {self.name}",
                # With the embedded worker polling this queue, the server hands the first workflow
                # task straight back in the start response instead of queueing it for a poll.
                request_eager_start=lease is not None,
            )
        except WorkflowAlreadyStartedError:
            pass
        except BaseException:
            if lease is not None:
                await lease.release()
            raise
        if lease is None:
            await self._warn_if_nobody_polls(client)
        # Not the handle start_workflow returned: that one is pinned to the first Temporal run, and
        # queries and updates must reach the latest run after the run continued as new.
        return self._handle(client.get_workflow_handle(run_id, result_type=RunOutput), target, lease)

    async def _warn_if_nobody_polls(self, client: Client) -> None:
        """A run for a queue no worker polls waits, as any Temporal workflow waits for its workers.
        That is right while workers deploy, and a silent hang when the name is wrong: say so."""
        try:
            described = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=client.namespace,
                    task_queue=TaskQueue(name=self.task_queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                )
            )
        except RPCError:
            return  # no permission to describe queues: nothing to say
        if not described.pollers:
            _log.warning(
                "no worker polls task queue %r: run of %r waits until a worker hosting it starts "
                "(durable-adapters worker %s=MODULE:ATTR)",
                self.task_queue,
                self.name,
                self.name,
            )

    async def run(self, payload: dict[str, Any], *, run_id: str | None = None) -> Any:
        """Start (or attach to) a run and wait for its result."""
        handle = await self.start(payload, run_id=run_id)
        return await handle.result()


async def attach(run_id: str) -> RunHandle[dict[str, Any]]:
    """The existing run ``run_id``, from any process, with no framework object at hand.

    Follow it with ``handle.stream()`` / ``handle.events()``, answer it with ``resume``, cancel
    it, or wait for its result, which comes as the adapter's JSON (the framework wrapper's own
    ``start(..., run_id=...)`` gives the framework's types). Reading a run's stream is a query:
    some worker of its task queue must be running, also after the run finished.
    Raises :class:`ConfigurationError` when there is no such run.
    """
    target, _, handle = await _existing_run(run_id)
    return RunHandle(handle, ui_url=_ui_url(target, run_id), decode=lambda payload: payload)


async def _existing_run(run_id: str) -> tuple[_connection.Target, Client, WorkflowHandle[Any, RunOutput]]:
    """The configured server, a client of it, and the handle of run ``run_id``, which must exist."""
    target = await asyncio.to_thread(_connection.resolve_target)
    client = await _connection.connect(target)
    handle = client.get_workflow_handle(run_id, result_type=RunOutput)
    try:
        await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ConfigurationError(f"there is no run {run_id!r}") from None
        raise
    return target, client, handle


def _ui_url(target: _connection.Target, run_id: str) -> str | None:
    return f"{target.ui_url}/namespaces/{target.namespace}/workflows/{run_id}" if target.ui_url else None


def _caller_source(depth: int) -> dict[str, str]:
    frame = inspect.stack()[depth].frame
    source = {"module": str(frame.f_globals.get("__name__", ""))}
    if frame.f_globals.get("__file__"):
        source["file"] = str(frame.f_globals["__file__"])
    return source


def host(obj: Any, *, name: str | None = None, source: dict[str, str] | None = None, alongside: bool = False) -> Hosted:
    """Host ``obj`` in this process's registry (what a worker serves) and return its entry.

    ``alongside``: another definition already hosted under the name is kept beside this one
    (``durable()``), instead of an error (a worker's targets: it would not know which to serve).
    """
    existing = getattr(obj, "__durable_core__", None)
    if existing is not None:
        if name is not None and name != existing.name:
            raise ConfigurationError(f"this durable object is hosted as {existing.name!r}, not {name!r}")
        return cast(Hosted, existing.hosted)
    adapter = adapter_for(obj)
    hosted_name = name or adapter.default_name(obj)
    if not hosted_name:
        raise ConfigurationError(
            f"this {type(obj).__qualname__} has no name of its own; pass one: durable(obj, name='my-agent')"
        )
    definition = adapter.definition(obj)
    found = REGISTRY.get(hosted_name, definition)
    if found is not None and (found.obj is obj or (definition is not None and found.definition == definition)):
        return found  # the same object, or the same definition built again (a factory, per call)
    hosted = Hosted(name=hosted_name, obj=obj, adapter=adapter, source=source or {}, definition=definition)
    adapter.host(hosted)
    # Another definition under a hosted name (a factory building a different agent per call)
    # is hosted beside the first: each run names the definition it was started with.
    return REGISTRY.add(hosted, alongside=alongside)


def _policy(default: CallPolicy, given: CallPolicy | dict[str, Any] | None) -> CallPolicy:
    """``given`` fields over the default policy (a dict overrides only the fields it names)."""
    if given is None:
        return default
    if isinstance(given, CallPolicy):
        return given
    return default.model_copy(update=CallPolicy.model_validate({**default.model_dump(), **given}).model_dump())


def durable(
    obj: Any,
    *,
    name: str | None = None,
    worker: bool = True,
    task_queue: str | None = None,
    model_policy: CallPolicy | dict[str, Any] | None = None,
    tool_policy: CallPolicy | dict[str, Any] | None = None,
    continue_as_new_after_events: int | None = None,
) -> Any:
    """Make ``obj`` durable: call the result the framework's own way; each call is a durable run.

    Returns the framework's wrapper (its type depends on the adapter: ``DurableAgent``,
    ``DurableGraph``, ``DurableCrew``...), which also has ``start()`` returning a :class:`RunHandle`.

    Args:
        obj: An OpenAI Agents ``Agent``, a compiled LangGraph graph, or a CrewAI ``Crew``/``Agent``
            (whichever adapters are installed).
        name: The stable name workers host the object under (default: the object's own name).
            Two different objects under one name in a process is an error.
        worker: Host a worker for the object in this process while a call is in progress
            (default). ``False``: rely on external workers (``durable-adapters worker``).
        task_queue: Put the object on this task queue instead of its own.
        model_policy / tool_policy: :class:`CallPolicy` (or a dict of its fields) for timeouts
            and retries of model and tool calls.
        continue_as_new_after_events: Continue a run as new once its history has this many
            events, instead of when Temporal suggests it (see ``docs/architecture.md``).
    """
    hosted = host(obj, name=name, source=_caller_source(2), alongside=True)
    defaults = RunOptions()
    run_options = RunOptions(
        model=_policy(defaults.model, model_policy),
        tool=_policy(defaults.tool, tool_policy),
        continue_as_new_after_events=continue_as_new_after_events,
    )
    core = DurableCore(hosted, worker=worker, task_queue=task_queue, options=run_options)
    wrapper = hosted.adapter.client(core)
    return wrapper

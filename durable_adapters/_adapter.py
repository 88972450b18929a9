"""What a framework adapter must say, and how the core finds adapters.

An adapter is the framework-specific part, and nothing else: how to recognise the framework's
object, how to find and name its models and tools, how to run its loop inside the workflow with
those calls intercepted, how to make one model or tool call in an activity, and how to turn the
framework's values into JSON and back. Everything shared — the workflow, the activities, the
registry, the sync bridge, the determinism guard, client and worker — lives in the core.

Adapters are separate distributions found through the ``durable_adapters.adapters`` entry point
group, so each can follow its framework's releases on its own.
"""

from __future__ import annotations

import importlib.metadata
import threading
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from ._errors import ConfigurationError, RunFailedError

if TYPE_CHECKING:
    from ._calls import DurableCalls
    from ._durable import DurableCore
    from ._registry import Hosted

ENTRY_POINT_GROUP = "durable_adapters.adapters"


class Adapter(ABC):
    """The framework-specific half of a durable object. One instance per framework per process."""

    framework: ClassVar[str]
    """Stable name of the framework (persisted in run inputs)."""

    # -- recognising and hosting (client and worker) ------------------------------------------
    @abstractmethod
    def accepts(self, obj: Any) -> bool:
        """Whether ``obj`` is an object of this framework that the adapter can run."""

    @abstractmethod
    def default_name(self, obj: Any) -> str | None:
        """The object's own name (an agent's ``name``), or None when it has none."""

    def definition(self, obj: Any) -> str | None:
        """A stable digest of what defines ``obj`` (its agents, prompts, tools, models), or None.

        Two objects with the same digest are the same definition built twice (a factory, a
        ``@CrewBase`` class instantiated per call): ``durable()`` of the second under the same name
        reuses the first's hosting instead of refusing it. None (the default): only the very same
        object may be hosted twice under one name.
        """
        return None

    @abstractmethod
    def host(self, hosted: Hosted) -> None:
        """Fill ``hosted.models`` / ``hosted.tools`` with the object's live calls under stable keys.

        Called once per process for each hosted object, before any run. Raise
        :class:`UnsupportedError` for constructs that cannot run durably.
        """

    # -- client side ----------------------------------------------------------------------------
    @abstractmethod
    def client(self, core: DurableCore) -> Any:
        """The object ``durable(obj)`` returns: the framework's own calling convention."""

    @abstractmethod
    def decode_result(self, hosted: Hosted, payload: dict[str, Any]) -> Any:
        """Turn the workflow's JSON result back into the framework's result type."""

    def decode_failure(self, hosted: Hosted, failure: RunFailedError) -> BaseException:
        """The exception a failed run raises on the client: ``failure`` itself by default.

        A plain run raises the framework's own exceptions, which user code catches by type. An
        adapter that puts such an exception as data into the run's failure (in the workflow, an
        ``ApplicationError`` with ``details`` in the raised exception's cause chain, which
        Temporal keeps) rebuilds it here from ``failure.__cause__`` (the client's
        ``WorkflowFailureError`` and its causes). It is best made an instance of both the
        framework's class and :class:`RunFailedError`, so both kinds of ``except`` match.
        """
        return failure

    # -- inside the workflow --------------------------------------------------------------------
    @abstractmethod
    async def run(self, hosted: Hosted, payload: dict[str, Any], calls: DurableCalls) -> dict[str, Any]:
        """Run the framework's own loop on ``payload``, every model and tool call through ``calls``.

        Runs inside the workflow under the determinism guard and the sync bridge: it must give
        the same calls in the same order on replay. Returns the JSON-encoded result.
        """

    # -- inside activities ----------------------------------------------------------------------
    @abstractmethod
    async def call_model(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        """Make one model call with the live model under ``key``; raise the provider's error on failure."""

    @abstractmethod
    async def call_tool(self, hosted: Hosted, key: str, request: dict[str, Any]) -> dict[str, Any]:
        """Run one tool call with the live tool under ``key``."""

    # -- the command line ---------------------------------------------------------------------
    def payload_from_text(self, hosted: Hosted, text: str) -> dict[str, Any]:
        """The run payload for ``durable-adapters run TARGET TEXT``: the framework's simplest call."""
        raise NotImplementedError(f"the {self.framework} adapter does not support `durable-adapters run`")

    def result_text(self, result: Any) -> str:
        """How ``durable-adapters run`` prints a result."""
        return str(result)

    def describe_model(self, hosted: Hosted, key: str) -> str:
        """How error messages name the model under ``key`` (e.g. ``gpt-4o-mini (agent triage)``)."""
        return key


_adapters: dict[str, Adapter] | None = None
_broken: dict[str, str] = {}
"""Adapters whose entry point failed to load: name -> why. One broken install must not stop the others."""
_lock = threading.Lock()


def installed_adapters() -> dict[str, Adapter]:
    """Every adapter installed in this environment, by framework name (loaded once)."""
    global _adapters
    with _lock:
        if _adapters is None:
            found: dict[str, Adapter] = {}
            for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                try:
                    adapter_type = entry_point.load()
                except Exception as exc:
                    _broken[entry_point.name] = f"{type(exc).__name__}: {exc}"
                    continue
                found[adapter_type.framework] = adapter_type()
            _adapters = found
        return _adapters


def adapter_for(obj: Any) -> Adapter:
    """The adapter that accepts ``obj``; a clear error naming what is installed otherwise."""
    adapters = installed_adapters()
    for adapter in adapters.values():
        if adapter.accepts(obj):
            return adapter
    installed = ", ".join(sorted(adapters)) or "none"
    broken = "".join(f"; the {name} adapter failed to load ({why})" for name, why in sorted(_broken.items()))
    raise ConfigurationError(
        f"durable() cannot run a {type(obj).__module__}.{type(obj).__qualname__}: no installed adapter "
        f"accepts it (installed: {installed}). Pass an OpenAI Agents Agent, a compiled LangGraph graph "
        'or a CrewAI Crew/Agent, and install its adapter, e.g. pip install "durable-adapters[openai-agents]".' + broken
    )

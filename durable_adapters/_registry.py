"""The worker-side registry: stable names to the live objects a worker hosts.

History never holds a model client, a tool function or an API key. It holds names: the hosted
name of the agent (the workflow input), and inside it the keys of each model and tool (the
activity inputs). A worker resolves those names here to the live objects it was given. Keys are
compatibility data: a run recorded by one release is finished by the next, so an adapter must
derive keys from what the user named (agent names, tool names, object paths), never from ids.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._errors import ConfigurationError

if TYPE_CHECKING:
    from ._adapter import Adapter


@dataclass
class Hosted:
    """One object a worker can run, under its stable ``name``.

    ``models`` and ``tools`` map the adapter's stable keys to the live objects that model and tool
    activities call. ``source`` says where the object was defined (for ``replay``).
    """

    name: str
    obj: Any
    adapter: Adapter
    models: dict[str, Any] = field(default_factory=dict)
    tools: dict[str, Any] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    definition: str | None = None
    """The adapter's digest of what defines ``obj`` (see ``Adapter.definition``), or None."""
    state: Any = None
    """Adapter-private, per-hosted-object data (prepared once in :meth:`Adapter.host`, read by every
    run): an object of the adapter's own declared type, never a dict of magic keys."""

    def runs_another_than(self, definition: str | None) -> bool:
        """Whether a run started with ``definition`` would get another definition here; where
        either side has none (an adapter without digests, a run from before them), it cannot."""
        return definition is not None and self.definition is not None and self.definition != definition

    def model(self, key: str) -> Any:
        try:
            return self.models[key]
        except KeyError:
            raise ConfigurationError(
                f"{self.name!r} has no model under the key {key!r}; known: {sorted(self.models)}. "
                "The worker's code differs from the code that started the run: deploy the same version."
            ) from None

    def tool(self, key: str) -> Any:
        try:
            return self.tools[key]
        except KeyError:
            raise ConfigurationError(
                f"{self.name!r} has no tool under the key {key!r}; known: {sorted(self.tools)}. "
                "The worker's code differs from the code that started the run: deploy the same version."
            ) from None


class Registry:
    """Hosted objects of this process, by name. Thread-safe; one per process (``REGISTRY``).

    A name has one primary hosting: what a worker started for that name serves. ``durable()`` may
    host further *definitions* under the same name beside it (an agent a factory builds
    differently per call): each run carries the digest of the definition it was started with
    (``RunInput.definition``) and runs that one.
    """

    def __init__(self) -> None:
        self._hosted: dict[str, Hosted] = {}
        self._alongside: dict[tuple[str, str], Hosted] = {}
        self._lock = threading.Lock()

    def add(self, hosted: Hosted, *, alongside: bool = False) -> Hosted:
        """Host ``hosted``; hosting the same object again under its name returns the first entry,
        and so does hosting another object with the same definition (the same agent built again).

        Another definition under a hosted name is hosted beside it when ``alongside`` (what
        ``durable()`` asks: each run names its definition) and both have a definition; otherwise it
        is an error, because a worker would not know which one to run.
        """
        with self._lock:
            existing = self._hosted.get(hosted.name)
            if existing is None:
                self._hosted[hosted.name] = hosted
                return hosted
            if existing.obj is hosted.obj:
                return existing
            same = self._matching(hosted.name, hosted.definition)
            if same is not None:
                return same
            if alongside and existing.definition is not None and hosted.definition is not None:
                self._alongside[(hosted.name, hosted.definition)] = hosted
                return hosted
            # Where both sides have a definition, say that it is the definition that differs
            # (a factory's agent changed between calls), not merely the object.
            differs = (
                " with a different definition (what it runs differs from the first one hosted under it)"
                if existing.definition is not None and hosted.definition is not None
                else ""
            )
            raise ConfigurationError(
                f"two different objects are hosted under the name {hosted.name!r} in this process{differs}; "
                f"pass a distinct name, e.g. durable(obj, name={hosted.name + '-2'!r})"
            )

    def _matching(self, name: str, definition: str | None) -> Hosted | None:
        if definition is None:
            return None
        primary = self._hosted.get(name)
        if primary is not None and primary.definition == definition:
            return primary
        return self._alongside.get((name, definition))

    def get(self, name: str, definition: str | None = None) -> Hosted | None:
        """The hosting of ``name`` with ``definition`` if this process has it, else the name's
        primary hosting (whose ``definition`` the caller compares), else None."""
        with self._lock:
            return self._matching(name, definition) or self._hosted.get(name)

    def is_alongside(self, hosted: Hosted) -> bool:
        """Whether ``hosted`` is a further definition beside its name's primary hosting."""
        with self._lock:
            return self._hosted.get(hosted.name) is not hosted

    def require(self, name: str, definition: str | None = None) -> Hosted:
        """As :meth:`get`, but a missing name, or a run's definition that this process hosts
        under another one, is a :class:`ConfigurationError` saying what to do."""
        hosted = self.get(name, definition)
        if hosted is None:
            known = ", ".join(sorted(self._hosted)) or "nothing"
            raise ConfigurationError(
                f"this worker does not host {name!r} (it hosts {known}). Start a worker that hosts it: "
                f"`durable-adapters worker MODULE:ATTR`, or wrap the object with durable(obj, name={name!r})."
            )
        if hosted.runs_another_than(definition):
            raise ConfigurationError(other_definition(name))
        return hosted

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._hosted)

    def remove(self, name: str) -> None:
        with self._lock:
            self._hosted.pop(name, None)
            for key in [key for key in self._alongside if key[0] == name]:
                del self._alongside[key]


def other_definition(name: str) -> str:
    """What a worker says of a run started with a definition of ``name`` it does not host."""
    return (
        f"this worker hosts {name!r} with another definition than the one this run was started with "
        "(its agents, instructions, tools or models differ). Run workers with the same code as the "
        f"client that starts the runs, or give each definition its own name: durable(obj, name='{name}-v2')"
    )


REGISTRY = Registry()
"""The registry of this process: workers, activities and the workflow all read this one."""

"""CrewAI memory and knowledge in durable runs: refused, kind by kind, when the crew is wrapped.

What they are in the supported releases (crewai 1.15): the short-term, long-term and entity
memories of older releases are gone. ``memory=True`` (on a ``Crew`` or an ``Agent``) builds one
``crewai.memory.unified_memory.Memory``; ``memory=`` may also be such a ``Memory``, a
``MemoryScope`` or a ``MemorySlice`` of one. A ``Memory`` does three things inside the crew's
loop:

* it calls an analysis LLM of its own (a non-streaming copy of the crew's first agent's LLM, or
  ``gpt-4o-mini``) to extract, categorise and rank memories;
* it calls an embedder (OpenAI's embeddings endpoint by default) for every save and every recall;
* it reads and writes a LanceDB store on local disk, saves from a thread pool of its own, in the
  background while the crew goes on.

Knowledge (``knowledge_sources=``/``knowledge=`` on a crew or an agent) embeds its sources into a
local vector store (ChromaDB by default) and queries it, calling the embedder, before each task.

None of these calls is made through an object the adapter keys: the analysis LLM is a copy CrewAI
makes, the embedder is a client of its own, the store is a file. Inside the workflow they would
be model calls made silently (or refused midway, after paid calls) and file I/O that a replay
repeats; the background saves would race the run. So each kind is refused when ``durable()`` is
called, before any model call, with the reason and what to do. The way to durable memory (not
built): each ``recall`` / ``extract_memories`` / ``remember_many`` the crew makes on its
``Memory`` as an activity run on the worker's live ``Memory`` (the store stays in the worker,
shared by runs as CrewAI's own is), its matches returned as JSON. What stands in the way:
``Agent.aexecute_task`` calls ``recall`` from sync code directly on the event loop
(``_prepare_task_execution``), not on the sync bridge, where no activity can be awaited; see
docs/crewai.md.
"""

from __future__ import annotations

from typing import Any

from durable_adapters.adapter import UnsupportedError

_MEMORY_WHY = (
    "CrewAI's Memory calls an analysis LLM of its own (a copy of the agent's LLM that the adapter "
    "does not key), calls an embedder for every save and recall, and writes a LanceDB store on local "
    "disk from background threads; none of it can run inside the workflow, and no durable version "
    "exists yet. Remove memory for durable runs, or keep what the crew must remember in its inputs "
    "(a durable run's inputs and results are in its history)"
)
_KNOWLEDGE_WHY = (
    "CrewAI's knowledge embeds its sources into a local vector store (ChromaDB by default) and "
    "queries it with embedder calls before each task; neither can run inside the workflow, and no "
    "durable version exists yet. Remove the knowledge sources for durable runs, or give the agent a "
    "tool that looks the knowledge up (each tool call is an activity)"
)


def _memory_kind(value: Any) -> str:
    if value is True:
        return "memory=True"
    if type(value).__name__ == "Memory":
        # An Agent turns memory=True into a Memory when it is made: the user may have written either.
        return "memory=True or memory=Memory(...)"
    return f"memory={type(value).__name__}(...)"


def _refuse(what: str, why: str) -> UnsupportedError:
    return UnsupportedError(f"{what} is not supported in a durable CrewAI run: {why}")


def _check(label: str, obj: Any) -> None:
    fields = vars(obj)  # stored values: no property of CrewAI's runs here
    memory = fields.get("memory")
    if memory:
        raise _refuse(f"{label}({_memory_kind(memory)})", _MEMORY_WHY)
    if fields.get("knowledge_sources") or fields.get("knowledge") is not None:
        raise _refuse(f"{label} knowledge sources (knowledge_sources=/knowledge=)", _KNOWLEDGE_WHY)
    if fields.get("knowledge_storage") is not None:
        raise _refuse(f"{label}(knowledge_storage=...)", _KNOWLEDGE_WHY)


def refuse_memory_and_knowledge(crew: Any, agents: dict[str, Any]) -> None:
    """Raise :class:`UnsupportedError` naming the first memory or knowledge of ``crew`` (a ``Crew``,
    or None for a standalone agent) or of ``agents`` (label -> agent: ``agents[0]``, ``manager_agent``)."""
    if crew is not None:
        _check("Crew", crew)
    for label, agent in agents.items():
        _check(f"{label} Agent", agent)

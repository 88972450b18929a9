"""Sessions (``run(..., session=...)``): the SDK's conversation memory, read and written as durable I/O.

A session is a live store (an SQLite file, a database client) and stays in the worker. The run
carries only its id (:class:`SessionRef`). In the workflow the SDK's loop gets a
:class:`DurableSession` with that id, whose ``get_items`` / ``add_items`` / ``pop_item`` /
``clear_session`` are each a ``tool_call`` activity under a reserved key (``session:<method>``;
no function tool can have that key, whose form is ``<agent>/<tool>``). The SDK decides what to
read and write exactly as in a plain run; a replay takes the reads and writes from history.

In the activity, :func:`call_session` finds the live session by id: one the caller passed to
``run(session=...)`` in this process (the embedded worker), or one a worker made with the factory
given to :func:`serve_sessions`.

A write is at-least-once, like any activity: a worker killed after the store committed and before
the activity completed runs it again. The retry first reads the store, and if its tail already
holds exactly the items to write, it writes nothing, so an item is never doubled (nor lost: the
write is retried until it completes). A store briefly locked or unreachable is retried the same
way (see :func:`call_session`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal

from agents.memory.session import Session
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from temporalio import activity

from durable_adapters.adapter import ConfigurationError, DurableCalls, TransientCallError, UnsupportedError

from ._transient import is_transient

KEY_PREFIX = "session:"
"""The reserved tool-call key of a session method is ``session:<method>`` (persisted)."""

Method = Literal["get_items", "add_items", "pop_item", "clear_session"]
_METHODS = ("get_items", "add_items", "pop_item", "clear_session")

_lock = threading.Lock()
_sessions: dict[str, Session] = {}
_factory: Callable[[str], Session] | None = None


def serve_sessions(factory: Callable[[str], Session]) -> None:
    """Let this process's workers open the session of a run by its id: ``factory(session_id)``.

    Call it in the module a worker hosts, e.g. ``serve_sessions(lambda id: SQLiteSession(id,
    "conversations.db"))``. A session passed to ``run(session=...)`` in this process is used as it
    is and needs no factory.
    """
    global _factory
    with _lock:
        _factory = factory


def host_session(session: Session) -> None:
    """Make ``session`` the live session for its id in this process (done by ``run(session=...)``)."""
    with _lock:
        _sessions[session.session_id] = session


def _live(session_id: str) -> Session:
    with _lock:
        session = _sessions.get(session_id)
        if session is None and _factory is not None:
            session = _sessions[session_id] = _factory(session_id)
    if session is None:
        raise ConfigurationError(
            f"this worker has no session {session_id!r}: pass the session to run(session=...) in the "
            "worker's own process (the embedded worker), or call "
            "durable_adapters_openai_agents.serve_sessions(factory) in the module the worker hosts"
        )
    return session


class SessionRef(BaseModel):
    """A run's session as the run input carries it (never the store itself)."""

    id: str
    settings: dict[str, Any] | None = None
    """The session's ``session_settings`` (e.g. ``limit``), which the SDK reads in the workflow."""


class SessionRequest(BaseModel):
    """The input of a session method's ``tool_call`` activity."""

    session_id: str
    method: Method
    items: list[Any] | None = None
    limit: int | None = None


class SessionResponse(BaseModel):
    """Its result: the items read (``get_items``) or the item popped (``pop_item``)."""

    items: list[Any] | None = None
    item: Any = None


def session_ref(session: Any) -> SessionRef:
    """What a run carries of ``session``; refuses what cannot run durably, before any run starts."""
    name = type(session).__name__
    # Checked on the class: a session may compute session_id lazily (OpenAIConversationsSession).
    if not all(callable(getattr(type(session), method, None)) for method in _METHODS):
        raise UnsupportedError(
            f"session={name} is not an agents Session (session_id, get_items, add_items, pop_item, clear_session)"
        )
    if name in ("OpenAIConversationsSession", "OpenAIResponsesCompactionSession"):
        raise UnsupportedError(
            f"session={name} is not supported in a durable run yet: the SDK treats it specially inside its "
            "loop (server-side conversation ids, compaction generations), which a durable stand-in cannot "
            "reproduce. Use SQLiteSession or your own Session"
        )
    settings = getattr(session, "session_settings", None)
    return SessionRef(id=session.session_id, settings=to_jsonable_python(settings) if settings is not None else None)


class DurableSession:
    """The session the SDK's loop sees in the workflow: each method is a durable call (see module doc)."""

    def __init__(self, ref: SessionRef, calls: DurableCalls) -> None:
        from agents.memory import SessionSettings

        self.session_id = ref.id
        self.session_settings = SessionSettings(**ref.settings) if ref.settings is not None else None
        self._calls = calls

    async def _call(self, method: Method, **fields: Any) -> SessionResponse:
        request = SessionRequest(session_id=self.session_id, method=method, **fields)
        response = await self._calls.tool(
            KEY_PREFIX + method, request.model_dump(exclude_none=True), summary=f"session · {method}"
        )
        return SessionResponse.model_validate(response)

    async def get_items(self, limit: int | None = None) -> list[Any]:
        return (await self._call("get_items", limit=limit)).items or []

    async def add_items(self, items: list[Any]) -> None:
        await self._call("add_items", items=to_jsonable_python(items))

    async def pop_item(self) -> Any:
        return (await self._call("pop_item")).item

    async def clear_session(self) -> None:
        await self._call("clear_session")


# -- activity side ---------------------------------------------------------------------------


async def call_session(request: dict[str, Any]) -> dict[str, Any]:
    """Run one session method on the live session; the activity side of :class:`DurableSession`.

    A store that is briefly unavailable (SQLite's "database is locked", a connection refused or
    timed out) raises :class:`TransientCallError`, so Temporal retries the call with the run's
    tool policy; any other error fails the run at once, as it fails a plain run.
    """
    call = SessionRequest.model_validate(request)
    session = _live(call.session_id)
    try:
        return await _call(session, call)
    except Exception as exc:
        if is_transient(exc):
            raise TransientCallError(
                f"session {call.session_id!r}, {call.method}: {type(exc).__name__}: {exc}"
            ) from exc
        raise


async def _call(session: Session, call: SessionRequest) -> dict[str, Any]:
    response = SessionResponse()
    if call.method == "get_items":
        response.items = to_jsonable_python(await session.get_items(call.limit))
    elif call.method == "add_items":
        items = call.items or []
        if not await _already_written(session, items):
            await session.add_items(items)
    elif call.method == "pop_item":
        response.item = to_jsonable_python(await session.pop_item())
    else:
        await session.clear_session()
    return response.model_dump(exclude_none=True)


async def _already_written(session: Session, items: list[Any]) -> bool:
    """Whether a previous attempt of this activity (killed before it completed) wrote ``items``."""
    if not items or activity.info().attempt <= 1:
        return False
    stored = to_jsonable_python(await session.get_items(len(items)))
    return bool(stored == items)

"""Sessions (``session=``): the SDK's reads and writes are activities on the worker's session; a
second run sees the first, requests are a plain run's, and a worker killed during a write neither
loses nor doubles an item."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from typing import Any

import pytest
from agents import Runner, SQLiteSession, set_tracing_disabled
from agents.memory import SessionABC

from durable_adapters import UnsupportedError, durable
from durable_adapters.testing import Reply, recorded_calls, wait_for_line
from tests.apps.openai_io_apps import LoggedSession, build_chat

FIRST, SECOND = "Weather in Paris?", "And what did I ask you before?"
SCRIPT = [Reply.tool_call("get_weather", {"city": "Paris"}), Reply.text("Sunny in Paris."), Reply.text("Paris.")]


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


async def _two_runs(run: Any, session: Any) -> list[Any]:
    first = await run(FIRST, session=session)
    second = await run(SECOND, session=session)
    return [first.final_output, second.final_output]


async def test_sqlite_session_runs_as_a_plain_run_and_remembers(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, unique: str
) -> None:
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_session = SQLiteSession("user-7", str(tmp_path / "plain.db"))
    plain = await _two_runs(lambda text, **kw: Runner.run(build_chat(), text, **kw), plain_session)

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    session = SQLiteSession("user-7", str(tmp_path / "durable.db"))
    dagent = durable(build_chat(), name=f"chat-{unique}")
    outputs = await _two_runs(dagent.run, session)

    assert outputs == plain == ["Sunny in Paris.", "Paris."]
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert FIRST in str(server.served[2].body)  # the second run's request holds the first run
    assert await session.get_items() == await plain_session.get_items()
    assert len(await session.get_items()) == len(await plain_session.get_items()) > 4


def test_a_session_the_sdk_treats_specially_is_refused_before_the_run(unique: str) -> None:
    from agents.memory import OpenAIConversationsSession

    with pytest.raises(UnsupportedError, match="OpenAIConversationsSession"):
        asyncio.run(durable(build_chat(), name=f"chat-{unique}").start("hi", session=OpenAIConversationsSession()))


async def test_worker_killed_after_a_session_write_committed(
    scripted_model: Any, worker_process: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, unique: str
) -> None:
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_log = tmp_path / "plain.log"
    monkeypatch.setenv("TOOL_LOG", str(plain_log))
    plain_session = LoggedSession("user-7", str(tmp_path / "plain.db"))
    await _two_runs(lambda text, **kw: Runner.run(build_chat(), text, **kw), plain_session)
    for name in ("OPENAI_BASE_URL", "TOOL_LOG"):
        monkeypatch.delenv(name)
    writes = [line for line in plain_log.read_text().splitlines() if line.startswith("session write")]
    held = writes[len(writes) // 2 - 1]  # the first run's last write: its items are committed, the call open

    server = scripted_model(SCRIPT)
    log, hold, db = tmp_path / "tools.log", tmp_path / "hold", tmp_path / "durable.db"
    hold.write_text(held)
    name = f"chat-kill-{unique}"
    env = {"OPENAI_BASE_URL": server.base_url, "TOOL_LOG": str(log), "TOOL_HOLD": str(hold), "SESSION_DB": str(db)}
    target = f"{name}=tests.apps.openai_io_apps:build_chat"
    first = worker_process(target, env=env)
    dagent = durable(build_chat(), name=name, worker=False)
    session = LoggedSession("user-7", str(db))
    handle = await dagent.start(FIRST, session=session, run_id=f"{name}-1")
    await wait_for_line(log, held)
    first.kill()
    assert first.returncode == -9
    hold.unlink()
    worker_process(target, env=env)
    await asyncio.wait_for(handle.result(), timeout=90)
    second = await asyncio.wait_for(dagent.run(SECOND, session=session), timeout=90)

    assert second.final_output == "Paris."
    assert server.repeats == []
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert await session.get_items() == await plain_session.get_items()  # nothing lost, nothing doubled
    assert log.read_text().splitlines().count(held) == 1  # the retried write found it committed
    kinds = [call.kind for call in await recorded_calls(handle)]
    assert kinds.count("model") == 2


def test_session_names_in_history_are_pinned() -> None:
    """The reserved key and the payload fields a recorded run holds (renaming one breaks it)."""
    from durable_adapters_openai_agents import _session

    assert _session.KEY_PREFIX == "session:"
    assert list(_session.SessionRef.model_fields) == ["id", "settings"]
    assert list(_session.SessionRequest.model_fields) == ["session_id", "method", "items", "limit"]
    assert list(_session.SessionResponse.model_fields) == ["items", "item"]


# -- a store briefly locked: retried; a broken one: not ----------------------------------------


def qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class SqliteStore(SessionABC):
    """A user's own session over an SQLite file that does not wait for locks (``timeout=0``):
    while another connection holds the file, each method raises SQLite's "database is locked"."""

    def __init__(self, session_id: str, path: str, table: str = "items") -> None:
        self.session_id, self.session_settings = session_id, None
        self._path, self._table = path, table
        self.failures: list[str] = []
        with closing(sqlite3.connect(path)) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS items (session_id TEXT, data TEXT)")

    def _run(self, sql: str, *args: Any) -> list[Any]:
        try:
            with closing(sqlite3.connect(self._path, timeout=0)) as db, db:
                return db.execute(sql.replace("items", self._table), args).fetchall()
        except sqlite3.OperationalError as exc:
            self.failures.append(str(exc))
            raise

    async def get_items(self, limit: int | None = None) -> list[Any]:
        rows = self._run("SELECT data FROM items WHERE session_id = ? ORDER BY rowid", self.session_id)
        items = [json.loads(data) for (data,) in rows]
        return items[-limit:] if limit else items

    async def add_items(self, items: list[Any]) -> None:
        for item in items:
            self._run("INSERT INTO items VALUES (?, ?)", self.session_id, json.dumps(item))

    async def pop_item(self) -> Any:
        items = await self.get_items()
        if items:
            self._run(
                "DELETE FROM items WHERE rowid = (SELECT MAX(rowid) FROM items WHERE session_id = ?)", self.session_id
            )
        return items[-1] if items else None

    async def clear_session(self) -> None:
        self._run("DELETE FROM items WHERE session_id = ?", self.session_id)


async def test_a_locked_store_is_retried_until_it_is_free(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, unique: str
) -> None:
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain_store = SqliteStore("user-7", str(tmp_path / "plain.db"))
    plain = await Runner.run(build_chat(), FIRST, session=plain_store)

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    store = SqliteStore("user-7", str(tmp_path / "durable.db"))
    holder = sqlite3.connect(str(tmp_path / "durable.db"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the file
    try:
        run = asyncio.ensure_future(durable(build_chat(), name=f"chat-locked-{unique}").run(FIRST, session=store))
        while len(store.failures) < 2:  # the session's first read failed, and its retry too
            assert not run.done(), run
            await asyncio.sleep(0.01)
        assert server.served == []  # nothing was sent while the store was locked
    finally:
        holder.execute("COMMIT")
        holder.close()
    result = await asyncio.wait_for(run, timeout=60)

    assert set(store.failures) == {"database is locked"}
    assert result.final_output == plain.final_output == "Sunny in Paris."
    assert [r.body for r in server.served] == [r.body for r in plain_server.served]
    assert await store.get_items() == await plain_store.get_items()


async def test_a_broken_store_fails_the_run_without_retries(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, unique: str
) -> None:
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    plain_store = SqliteStore("user-7", str(tmp_path / "plain.db"), table="missing")
    with pytest.raises(sqlite3.OperationalError, match="no such table") as plain_error:
        await Runner.run(build_chat(), FIRST, session=plain_store)

    store = SqliteStore("user-7", str(tmp_path / "durable.db"), table="missing")
    with pytest.raises(Exception) as raised:
        await durable(build_chat(), name=f"chat-broken-{unique}").run(FIRST, session=store)

    assert store.failures == plain_store.failures == ["no such table: missing"]  # tried once, as plainly
    assert "no such table" in str(raised.value)
    # Not an SDK exception: the durable run fails with RunFailedError naming the plain run's type.
    assert getattr(raised.value, "type", None) == qualified(type(plain_error.value)) == "sqlite3.OperationalError"
    assert server.served == []

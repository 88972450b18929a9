"""The core's declared interception: a replaced point runs only while active, keeps its original."""

from __future__ import annotations

import asyncio
import inspect
import threading
import types

import pytest

from durable_adapters.adapter import Interceptions


def framework() -> tuple[type, types.ModuleType]:
    """A stand-in framework: a class with each kind of method, and a module-level function."""

    class Model:
        """A framework's model class."""

        def call(self, prompt: str, *, stop: str | None = None) -> str:
            """The framework's own call."""
            return f"plain {prompt} {stop}"

        async def acall(self, prompt: str) -> str:
            return f"plain async {prompt}"

        @staticmethod
        def build(name: str) -> str:
            return f"plain build {name}"

        @classmethod
        def named(cls, name: str) -> str:
            return f"plain {cls.__name__} {name}"

    module = types.ModuleType("stand_in_framework")
    module.make_id = lambda: "plain-id"  # type: ignore[attr-defined]
    return Model, module


def declare(active: list[bool]) -> tuple[Interceptions, type, types.ModuleType]:
    Model, module = framework()
    table = Interceptions("stand-in", active=lambda: active[0])

    @table.point(Model, "call", side="workflow", why="model calls leave the workflow")
    def call(original, self, prompt, *, stop=None):
        return f"durable {prompt} {stop} (else {original(self, prompt, stop=stop)})"

    @table.point(Model, "acall", side="workflow", why="async model calls too")
    async def acall(original, self, prompt):
        return f"durable async {prompt} (else {await original(self, prompt)})"

    @table.point(Model, "build", side="activity", why="a static method")
    def build(original, name):
        return f"durable build {name}"

    @table.point(Model, "named", side="worker", why="a class method")
    def named(original, name):
        return f"durable {original(name)}"

    @table.point(module, "make_id", side="workflow", why="ids from the workflow's random stream")
    def make_id(original):
        return "durable-id"

    return table, Model, module


def test_replacements_run_only_while_active_and_originals_otherwise():
    active = [False]
    table, Model, module = declare(active)
    table.install()
    model = Model()

    assert model.call("hi", stop=".") == "plain hi ."
    assert asyncio.run(model.acall("hi")) == "plain async hi"
    assert Model.build("x") == "plain build x" and model.build("x") == "plain build x"
    assert Model.named("x") == "plain Model x"
    assert module.make_id() == "plain-id"

    active[0] = True
    assert model.call("hi", stop=".") == "durable hi . (else plain hi .)"
    assert asyncio.run(model.acall("hi")) == "durable async hi (else plain async hi)"
    assert Model.build("x") == "durable build x"
    assert Model.named("x") == "durable plain Model x"
    assert module.make_id() == "durable-id"


def test_installed_points_keep_the_original_name_doc_and_kind():
    table, Model, module = declare([False])
    original_call, original_acall = Model.__dict__["call"], Model.__dict__["acall"]
    table.install()

    assert Model.__dict__["call"].__wrapped__ is original_call
    assert Model.call.__name__ == "call" and Model.call.__doc__ == "The framework's own call."
    assert inspect.iscoroutinefunction(Model.acall) and Model.__dict__["acall"].__wrapped__ is original_acall
    assert isinstance(Model.__dict__["build"], staticmethod)
    assert isinstance(Model.__dict__["named"], classmethod)


def test_install_is_idempotent_and_thread_safe():
    active = [True]
    table, Model, _ = declare(active)
    threads = [threading.Thread(target=table.install) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    table.install()

    # Patched once: a second layer would show "durable ... (else durable ...)".
    assert Model().call("hi") == "durable hi None (else plain hi None)"
    assert table.installed


def test_the_table_lists_every_point_with_its_dotted_name_side_and_reason():
    table, Model, _ = declare([False])

    rows = [(p.dotted.split(":")[1], p.side, p.why) for p in table.table()]

    assert rows[0] == (f"{Model.__qualname__}.call", "workflow", "model calls leave the workflow")
    assert [p.attribute for p in table.table()] == ["call", "acall", "build", "named", "make_id"]
    assert table.table()[-1].dotted == "stand_in_framework:make_id"


def test_a_point_with_its_own_activity_test_overrides_the_table():
    Model, _ = framework()
    table = Interceptions("stand-in", active=lambda: False)
    table.point(Model, "call", side="workflow", why="refused off the workflow", active=lambda: True)(
        lambda original, self, prompt, stop=None: "refused"
    )
    table.install()

    assert Model().call("hi") == "refused"


def test_a_point_the_class_does_not_define_itself_fails_with_its_name():
    Model, _ = framework()
    Sub = type("Sub", (Model,), {})
    table = Interceptions("stand-in", active=lambda: True)
    table.point(Sub, "call", side="workflow", why="inherited")(lambda original, self, prompt: "x")

    with pytest.raises(AttributeError, match=r"Sub\.call is not defined on that class itself"):
        table.install()


def test_declaring_after_install_is_an_error():
    table, Model, _ = declare([False])
    table.install()

    with pytest.raises(RuntimeError, match="declared after install"):
        table.point(Model, "call", side="workflow", why="late")


def test_generator_points_stay_generators_and_are_checked_when_iteration_starts():
    class Model:
        def stream(self, prompt: str):
            yield f"plain {prompt}"

        async def astream(self, prompt: str):
            yield f"plain async {prompt}"

    active = [False]
    table = Interceptions("stand-in", active=lambda: active[0])

    @table.point(Model, "stream", side="workflow", why="streams leave the workflow")
    def stream(original, self, prompt):
        yield f"durable {prompt}"

    @table.point(Model, "astream", side="workflow", why="async streams too")
    async def astream(original, self, prompt):
        yield f"durable async {prompt}"

    table.install()

    async def collect(stream):
        return [item async for item in stream]

    assert inspect.isgeneratorfunction(Model.stream) and inspect.isasyncgenfunction(Model.astream)
    created, acreated = Model().stream("hi"), Model().astream("hi")
    active[0] = True  # the body starts at the first iteration, as a generator's does
    assert list(created) == ["durable hi"]
    assert asyncio.run(collect(acreated)) == ["durable async hi"]
    active[0] = False
    assert list(Model().stream("hi")) == ["plain hi"]


def test_the_original_of_a_point_is_the_frameworks_own_before_and_after_install():
    table, Model, module = declare([True])
    own_call, own_build, own_id = Model.__dict__["call"], Model.__dict__["build"].__func__, module.make_id

    assert table.original(Model, "call") is own_call
    table.install()
    assert table.original(Model, "call") is own_call
    assert table.original(Model, "build") is own_build
    assert table.original(module, "make_id") is own_id

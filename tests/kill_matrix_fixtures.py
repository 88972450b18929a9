"""The module-scoped fixtures of each framework's kill-matrix file (``tests/*/test_kill_matrix.py``)."""

from __future__ import annotations

import uuid
from types import ModuleType
from typing import Any

import pytest

from durable_adapters import durable
from durable_adapters.testing import KillMatrix


def kill_matrix_fixtures(
    apps_module: ModuleType, runs: dict[str, tuple[str, Any, Any]], prefix: str
) -> tuple[Any, Any]:
    """The ``matrix`` and ``apps`` fixtures for the reference ``runs`` (``{run: (factory, script, input)}``).

    Each run is built by ``apps_module``'s ``factory`` and hosted under its own name
    (``km-<prefix>-<run>-<random>``). ``matrix`` is a :class:`KillMatrix` whose worker processes
    host every run; while it lives, ``OPENAI_BASE_URL`` points at its scripted server (CrewAI's
    LLM reads it when a crew is built). ``apps`` wraps each run with ``durable(..., worker=False)``
    to start it on those workers.
    """
    names = {run: f"km-{prefix}-{run}-{uuid.uuid4().hex[:8]}" for run in runs}

    @pytest.fixture(scope="module")
    def matrix(temporal_server, tmp_path_factory):
        targets = [f"{names[run]}={apps_module.__name__}:{factory}" for run, (factory, _, _) in runs.items()]
        directory = tmp_path_factory.mktemp("kill-matrix")
        with (
            KillMatrix(targets, temporal_address=temporal_server.address, directory=directory) as matrix,
            pytest.MonkeyPatch.context() as env,
        ):
            env.setenv("OPENAI_BASE_URL", matrix.server.base_url)
            yield matrix

    @pytest.fixture(scope="module")
    def apps(matrix):
        return {
            run: durable(getattr(apps_module, factory)(), name=names[run], worker=False)
            for run, (factory, _, _) in runs.items()
        }

    return matrix, apps

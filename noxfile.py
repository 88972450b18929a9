"""Test environments: the core alone, and each framework adapter at both ends of its declared range.

    python -m pip install nox uv && nox                 # every environment (what CI runs)
    nox -s core                                         # the core, no framework installed
    nox -s openai_agents                                # one integration, newest and oldest
    nox -s "langgraph(newest)"                          # one end of one integration
    nox -s "crewai(oldest)" -- -k kill                  # arguments after -- go to pytest
    nox -s "crewai(oldest)" -- tests/crewai/test_kill.py   # ... and paths there replace the default

Each integration gets its own virtual environment, so one framework's pins never reach another
adapter's tests (crewai needs ``openai<3``, openai-agents ``openai>=3``). "newest" installs the
highest release the adapter's ``pyproject.toml`` admits; "oldest" installs exactly the lower
bound it declares for every framework package, so a declared range is always a tested one. Both
print the versions they ran against before the tests.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import nox
from packaging.requirements import Requirement

ROOT = Path(__file__).parent
nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

# Each integration: its tests, its demo, the optional extras of its distribution that its tests
# cover (tested at both ends like its dependencies), and what else its tests need (LangChain's
# own OpenAI client, through which the test graphs reach the scripted model).
INTEGRATIONS: dict[str, dict[str, Any]] = {
    "openai_agents": {"tests": "tests/openai_agents", "demo": "examples/demo.py", "extras": [], "test_needs": []},
    "langgraph": {
        "tests": "tests/langgraph",
        "demo": "examples/langgraph_demo.py",
        "extras": ["langchain"],
        "test_needs": ["langchain-openai"],
    },
    "crewai": {"tests": "tests/crewai", "demo": "examples/crewai_demo.py", "extras": [], "test_needs": []},
}

# The checkers are pinned: a new release's new rules must not turn an unchanged main red.
RUFF, MYPY = "ruff==0.17.6", "mypy==2.4.1"

# Newest releases on the newest Python every framework supports (crewai: <3.14); oldest releases,
# and the core, on the oldest Python the project claims. docs/support.md states the same (a test
# in tests/core keeps it so).
PYTHON = {"newest": "3.13", "oldest": "3.11"}
ENDS = [nox.param(PYTHON[end], end, id=end) for end in ("newest", "oldest")]

# Installed packages are compiled to bytecode: uv does not by default, and without it the first
# Temporal worker of a test process spends seconds hashing module sources for its build id.
INSTALL_ENV = {"UV_COMPILE_BYTECODE": "1"}


def framework_requirements(integration: str) -> list[Requirement]:
    """The framework packages an integration declares, its tested extras' included (not the core)."""
    project = tomllib.loads((ROOT / "integrations" / integration / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in INTEGRATIONS[integration]["extras"]:
        lines += project["optional-dependencies"][extra]
    requirements = [Requirement(line) for line in lines]
    return [r for r in requirements if r.name != "durable-adapters"]


def oldest_pins(integration: str) -> list[str]:
    """``name==lower`` for every framework package of the integration: the oldest it claims."""
    pins = []
    for requirement in framework_requirements(integration):
        lower = [s.version for s in requirement.specifier if s.operator == ">="]
        if len(lower) != 1:
            raise ValueError(f"{integration}: {requirement} declares no single lower bound (>=) to test")
        pins.append(f"{requirement.name}=={lower[0]}")
    return pins


def install_integration(session: nox.Session, integration: str, end: str) -> None:
    spec = INTEGRATIONS[integration]
    extras = f"[{','.join(spec['extras'])}]" if spec["extras"] else ""
    pins = oldest_pins(integration) if end == "oldest" else []
    distribution = ROOT / "integrations" / integration
    session.install("-e", f"{ROOT}[test]", "-e", f"{distribution}{extras}", *pins, *spec["test_needs"], env=INSTALL_ENV)
    names = ["durable-adapters", "temporalio"] + [r.name for r in framework_requirements(integration)]
    session.run("python", "-m", "durable_adapters.testing._versions", *names, *spec["test_needs"], "openai")


def pytest_arguments(session: nox.Session, default_path: str) -> list[str]:
    """The session's pytest arguments: ``default_path`` unless the arguments after ``--`` name paths."""
    names_a_path = any(Path(arg.split("::")[0]).exists() for arg in session.posargs if not arg.startswith("-"))
    return list(session.posargs) if names_a_path else [default_path, *session.posargs]


@nox.session(python=PYTHON["oldest"])
def lint(session: nox.Session) -> None:
    """ruff (lint and format) over everything, mypy --strict over the core. Runs before the tests.

    Each adapter is type-checked in its own environments, where its framework is installed."""
    session.install(RUFF, MYPY, "-e", f"{ROOT}[test]", env=INSTALL_ENV)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "durable_adapters")


@nox.session(python=PYTHON["newest"])
@nox.parametrize("integration", [nox.param(name, id=name) for name in INTEGRATIONS])
def demo(session: nox.Session, integration: str) -> None:
    """The integration's demo on the newest framework release, on the embedded dev server."""
    install_integration(session, integration, "newest")
    session.run("python", INTEGRATIONS[integration]["demo"])


@nox.session(python=PYTHON["oldest"])
def core(session: nox.Session) -> None:
    """The core and its test kit, with no framework installed."""
    session.install("-e", f"{ROOT}[test]", env=INSTALL_ENV)
    session.run("python", "-m", "durable_adapters.testing._versions", "durable-adapters", "temporalio", "openai")
    session.run("python", "-m", "pytest", *pytest_arguments(session, "tests/core"))


def integration_session(integration: str):
    def run(session: nox.Session, end: str) -> None:
        install_integration(session, integration, end)
        # Type-checked where its framework is installed (mypy --strict, as the core).
        session.install(MYPY)
        session.run("mypy", f"integrations/{integration}")
        session.run("python", "-m", "pytest", *pytest_arguments(session, INTEGRATIONS[integration]["tests"]))

    run.__name__ = integration
    run.__doc__ = f"The {integration} adapter's whole suite (runs, kills, faults, replay)."
    return nox.session(name=integration)(nox.parametrize(["python", "end"], ENDS)(run))


openai_agents = integration_session("openai_agents")
langgraph = integration_session("langgraph")
crewai = integration_session("crewai")


# Benchmarks: not run by a bare ``nox`` (CI time is limited). One command installs a framework's
# environment plus Temporal's official plugin for it and runs the side-by-side comparison:
#     nox -s "bench(openai_agents)" -- --calls 10 --latency 0.1 --repeats 5
# Arguments after ``--`` go to the benchmark; ``-- -m tests.benchmarks.cost ...`` runs another one
# in the same environment (see docs/performance.md).
BENCH: dict[str, list[str]] = {
    # temporalio-openai-agents 1.1 supports openai-agents 0.22 only: the resolver picks that
    # release, inside this adapter's range (0.20-0.24).
    "openai_agents": ["temporalio-openai-agents==1.1.0"],
    "langgraph": ["temporalio-langgraph==0.1.0"],
    "crewai": [],
}


@nox.session(python=PYTHON["newest"], default=False)
@nox.parametrize("integration", [nox.param(name, id=name) for name in BENCH])
def bench(session: nox.Session, integration: str) -> None:
    """Side-by-side benchmark of one framework: plain, durable, Temporal's official plugin."""
    install_integration(session, integration, "newest")
    if BENCH[integration]:
        session.install(*BENCH[integration], env=INSTALL_ENV)
        names = ["temporalio", "openai-agents", "langgraph", "langchain-core", *BENCH[integration]]
        session.run("python", "-m", "durable_adapters.testing._versions", *(n.split("==")[0] for n in names))
    if session.posargs[:1] == ["-m"]:
        session.run("python", *session.posargs)
    else:
        session.run("python", "-m", f"tests.benchmarks.compare_{integration}", *session.posargs)

"""docs/support.md says what CI tests: the same ranges, oldest releases and Pythons as the code.

The page is what a user reads to decide whether their framework version is supported; these tests
fail when an adapter's declared range, the oldest release the test environments install, or their
Python versions change without the page (or the page without them).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "support.md").read_text()
INTEGRATIONS = sorted(p.name for p in (ROOT / "integrations").iterdir() if (p / "pyproject.toml").exists())


def table_rows(header_start: str) -> list[list[str]]:
    """The body rows of the markdown table whose header row starts with ``header_start``."""
    lines = PAGE.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header_start}"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows


def declared_framework_requirements(integration: str) -> dict[str, str]:
    """``{package: specifier}`` of the framework packages an integration depends on (extras included)."""
    project = tomllib.loads((ROOT / "integrations" / integration / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    declared = {}
    for line in lines:
        name, specifier = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", line).groups()
        if name != "durable-adapters":
            declared[name] = specifier.replace(" ", "")
    return declared


def noxfile_pythons() -> dict[str, str]:
    """The ``PYTHON`` mapping of noxfile.py, read without importing nox."""
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PYTHON" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("noxfile.py has no PYTHON mapping")


def test_every_declared_range_and_oldest_release_is_on_the_page():
    on_page = {(row[0], row[1]): (row[2], row[3]) for row in table_rows("integration")}
    declared = {
        (integration, package): specifier
        for integration in INTEGRATIONS
        for package, specifier in declared_framework_requirements(integration).items()
    }
    assert set(on_page) == set(declared), "docs/support.md lists other framework packages than the pyprojects"
    for key, specifier in declared.items():
        lower = re.search(r">=([^,]+)", specifier).group(1)
        assert on_page[key] == (specifier, lower), f"{key}: pyproject says {specifier}, oldest tested {lower}"


def test_the_newest_releases_named_lie_inside_the_declared_ranges():
    from packaging.specifiers import SpecifierSet

    for integration, package, specifier, _oldest, newest in table_rows("integration"):
        assert newest in SpecifierSet(specifier), f"{integration}/{package}: {newest} is outside {specifier}"


def test_the_pythons_on_the_page_are_the_test_environments():
    pythons = noxfile_pythons()
    on_page = dict(table_rows("environment"))
    assert on_page == {"core": pythons["oldest"], "oldest": pythons["oldest"], "newest": pythons["newest"]}

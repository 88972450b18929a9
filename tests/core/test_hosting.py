"""Hosting under one name: the same object, the same definition built again, or a conflict."""

from __future__ import annotations

import pytest

from durable_adapters import ConfigurationError
from durable_adapters.adapter import REGISTRY, Hosted

from ._fake_adapter import ADAPTER, FakeApp


def hosted(name: str, definition: str | None) -> Hosted:
    return Hosted(name=name, obj=FakeApp(name), adapter=ADAPTER, definition=definition)


def test_the_same_definition_built_again_reuses_the_first_hosting(unique):
    first = REGISTRY.add(hosted(f"factory-{unique}", "digest-1"))
    again = REGISTRY.add(hosted(f"factory-{unique}", "digest-1"))
    assert again is first  # a run started from either object runs the one the worker hosts


def test_two_definitions_under_one_name_are_refused(unique):
    REGISTRY.add(hosted(f"clash-{unique}", "digest-1"))
    with pytest.raises(ConfigurationError, match="two different objects are hosted under the name") as refused:
        REGISTRY.add(hosted(f"clash-{unique}", "digest-2"))
    assert "with a different definition" in str(refused.value)  # says why, not only that


def test_without_a_definition_only_the_same_object_is_hosted_twice(unique):
    entry = hosted(f"plain-{unique}", None)
    assert REGISTRY.add(entry) is REGISTRY.add(entry)
    with pytest.raises(ConfigurationError) as refused:
        REGISTRY.add(hosted(f"plain-{unique}", None))
    assert "definition" not in str(refused.value)  # nothing to compare, so no claim about it

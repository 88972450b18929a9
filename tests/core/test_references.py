"""References by name (``module:qualname``) resolve back to the object, nested classes included."""

from __future__ import annotations

import collections
import json

import pytest

from durable_adapters.adapter import reference, resolve


class Outer:
    class Inner:
        pass


def test_a_reference_resolves_to_the_same_object():
    for obj in (Outer, Outer.Inner, json.JSONDecodeError, collections.OrderedDict, resolve):
        assert resolve(reference(obj)) is obj
    assert reference(Outer.Inner) == f"{__name__}:Outer.Inner"


def test_the_dotted_form_older_histories_hold_still_resolves():
    assert resolve("json.decoder.JSONDecodeError") is json.JSONDecodeError
    assert resolve(f"{__name__}.Outer.Inner") is Outer.Inner


def test_a_reference_to_nothing_names_itself():
    with pytest.raises(AttributeError, match="'json:Nope'"):
        resolve("json:Nope")
    with pytest.raises(ImportError, match="no_such_module"):
        resolve("no_such_module:X")

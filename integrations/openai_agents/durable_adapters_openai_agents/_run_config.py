"""``run_config=`` of a durable run: the settings that are plain data travel with the run.

A ``RunConfig`` mixes plain settings with live objects (a model provider, callbacks). The plain
ones that a run can honour are written into the run's input and rebuilt in the workflow, where
the SDK's loop applies them as in a plain run: ``model`` as a name (see :func:`model_name_kept`),
``model_settings`` (merged over each agent's own, so the model receives the plain run's
requests), ``nest_handoff_history``, and the trace fields
(``workflow_name``, ``trace_id``, ``group_id``, ``trace_metadata``, ``tracing_disabled``,
``trace_include_sensitive_data``; SDK tracing is off inside a durable run, so they change
nothing there). Everything else that differs from the default is refused before the run starts,
naming the fields: a model object or a provider would be resolved in the workflow instead of the
worker's model activity, and callbacks cannot be written into history.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agents import ModelSettings, RunConfig
from agents.models.multi_provider import MultiProvider
from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python

from durable_adapters.adapter import UnsupportedError

from ._model import run_model

SUPPORTED = (
    "model_settings",
    "nest_handoff_history",
    "tracing_disabled",
    "trace_include_sensitive_data",
    "workflow_name",
    "trace_id",
    "group_id",
    "trace_metadata",
)
"""The ``RunConfig`` fields a durable run takes (persisted: they are the keys written)."""

MODEL = "model"
"""``RunConfig.model``, taken as a name only (persisted: the key written for it)."""

_SETTINGS = TypeAdapter(ModelSettings)
_PLAIN = (str, int, float, bool, type(None))


def _default_provider(provider: Any) -> bool:
    """Whether ``provider`` is the SDK's default ``MultiProvider()`` as made without arguments."""
    if type(provider) is not MultiProvider:
        return False
    fresh = MultiProvider()
    if provider.provider_map is not None:
        return False
    for mine, theirs in ((provider, fresh), (provider.openai_provider, fresh.openai_provider)):
        for name, value in vars(theirs).items():
            if isinstance(value, _PLAIN) and getattr(mine, name, value) != value:
                return False
    return True


def encode_run_config(config: RunConfig | None) -> dict[str, Any] | None:
    """The supported fields of ``config`` that differ from the default, as JSON; refuses the rest."""
    if config is None:
        return None
    if isinstance(config, dict):  # Runner.run takes the fields as a dict too
        config = RunConfig(**config)
    default = RunConfig()
    refused: list[str] = []
    encoded: dict[str, Any] = {}
    for field in dataclasses.fields(RunConfig):
        value = getattr(config, field.name)
        if field.name == "model_provider":
            if not _default_provider(value):
                refused.append(field.name)
            continue
        if value == getattr(default, field.name):
            continue
        if field.name == MODEL:
            if isinstance(value, str):
                encoded[MODEL] = value
            else:
                refused.append(field.name)  # a model object: see the message below
        elif field.name not in SUPPORTED:
            refused.append(field.name)
        elif field.name == "model_settings":
            encoded[field.name] = _SETTINGS.dump_python(value, mode="json", exclude_none=True)
        else:
            try:
                encoded[field.name] = to_jsonable_python(value)
            except Exception:
                refused.append(field.name)
    if refused:
        raise UnsupportedError(
            f"durable runs do not take run_config fields {refused}: a model object or a model provider "
            "would be resolved in the workflow instead of the worker's model activity, and callbacks "
            "(guardrails, filters, formatters) cannot be written into a run's history. Set them on the "
            "agents instead (model, input_guardrails, output_guardrails, handoff input_filter), or give "
            f"run_config a model name. Supported: {MODEL} (a name), {', '.join(SUPPORTED)}"
        )
    return encoded or None


def live_model_in(config: RunConfig) -> str | None:
    """What in ``config`` would make model calls in the workflow (a model object, a provider), or None.

    A nested ``Runner.run`` in the workflow (from a guardrail, a tool, a hook) takes any
    ``run_config``; callbacks run in the workflow as plainly, but a model object or a provider
    would call the model from there, unrecorded (the determinism guard stops the connection).
    """
    if config.model is not None and not isinstance(config.model, str):
        return f"run_config.model={type(config.model).__name__}(...)"
    if not _default_provider(config.model_provider):
        return f"run_config.model_provider={type(config.model_provider).__name__}(...)"
    return None


def decode_run_config(encoded: dict[str, Any] | None) -> RunConfig:
    """The ``RunConfig`` the workflow runs with (the default one when nothing was given)."""
    fields = dict(encoded or {})
    if "model_settings" in fields:
        fields["model_settings"] = _SETTINGS.validate_python(fields["model_settings"])
    return RunConfig(**fields)


_RUN_MODEL = "_durable_run_model"
"""Attribute on a workflow-side ``RunConfig`` whose model name was taken off (see below)."""


@contextmanager
def model_name_kept(config: RunConfig) -> Iterator[RunConfig]:
    """``config`` for the SDK's loop in the workflow, its model name held for the run's model calls.

    The SDK resolves ``run_config.model`` (a name) through the run's provider, which would make a
    live model in the workflow. So the config the loop gets has no model, and while the loop runs
    the name is the run's (``_model.run_model``): every model activity of this run sends it, and
    the worker resolves it through the SDK's default provider, as a plain run does. The name stays
    on the config as an attribute, so an agent tool's nested run, which the SDK gives the same
    config, overrides its model too, as plainly; any other nested run has its own config.
    """
    name = config.model if isinstance(config.model, str) else getattr(config, _RUN_MODEL, None)
    if isinstance(config.model, str):
        config = dataclasses.replace(config, model=None)
        setattr(config, _RUN_MODEL, name)
    with run_model(name, config.model_settings):
        yield config

"""The requests a durable run sends are the plain run's, byte for byte, whatever model the agent names.

The stand-in agent's model is an object (it makes the activity), so the SDK would resolve its
settings as a model object's; a durable run must still send what the SDK sends for the agent's
own model: the default model's settings (gpt-5: reasoning effort, verbosity), a model name's,
a model object's, and the agent's own ``model_settings`` (reasoning, extra_args...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from agents import Agent, ModelSettings, RunConfig, Runner, set_tracing_disabled
from agents.models.multi_provider import MultiProvider
from openai.types.shared import Reasoning

from durable_adapters import UnsupportedError, durable
from durable_adapters.testing import Reply
from tests.apps.openai_weather import get_weather, model

SCRIPT = [Reply.tool_call("get_weather", {"city": "Oslo"}), Reply.text("Oslo is sunny.")]


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)


def default_model() -> Agent:
    return Agent(name="requests-default", instructions="Answer briefly.", tools=[get_weather])


def model_name() -> Agent:
    return Agent(name="requests-name", instructions="Answer briefly.", tools=[get_weather], model="gpt-4.1")


def gpt5_name() -> Agent:
    return Agent(name="requests-gpt5", instructions="Answer briefly.", tools=[get_weather], model="gpt-5-mini")


def model_object() -> Agent:
    return Agent(name="requests-object", instructions="Answer briefly.", tools=[get_weather], model=model())


def own_settings() -> Agent:
    return Agent(
        name="requests-settings",
        instructions="Answer briefly.",
        tools=[get_weather],
        model_settings=ModelSettings(
            temperature=0.3,
            reasoning=Reasoning(effort="low", summary="auto"),
            extra_args={"service_tier": "flex"},
        ),
    )


def own_settings_object() -> Agent:
    return Agent(
        name="requests-settings-object",
        instructions="Answer briefly.",
        tools=[get_weather],
        model=model(),
        model_settings=ModelSettings(temperature=0.2, max_tokens=99, extra_args={"seed": 7}),
    )


@pytest.mark.parametrize(
    ("build", "api"),
    [
        (default_model, "responses"),
        (model_name, "responses"),
        (gpt5_name, "responses"),
        (model_object, "chat"),
        (own_settings, "responses"),
        (own_settings_object, "chat"),
    ],
)
async def test_durable_requests_equal_plain_requests(
    build: Callable[[], Agent], api: str, scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(build(), "Oslo?")

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await durable(build(), name=f"{build.__name__}-{unique}").run("Oslo?")

    assert result.final_output == plain.final_output == "Oslo is sunny."
    assert [request.api for request in server.served] == [api, api]
    assert [request.body for request in server.served] == [request.body for request in plain_server.served]


async def test_default_model_settings_reach_the_model(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """The SDK's default model is of the gpt-5 family: its settings are in the durable request."""
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_DEFAULT_MODEL", "gpt-5-mini")

    await durable(default_model(), name=f"default-settings-{unique}").run("Oslo?")

    body = server.served[0].body
    assert body["model"] == "gpt-5-mini"
    assert body["text"]["verbosity"] == "low"  # the SDK's default for gpt-5-mini


async def test_run_config_settings_reach_the_model_as_in_a_plain_run(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """``run_config``'s model settings are merged over the agent's by the SDK's loop, as plainly."""

    def config() -> RunConfig:
        return RunConfig(
            model_settings=ModelSettings(temperature=0.1, max_tokens=50, extra_args={"seed": 3}),
            workflow_name="weather desk",
            group_id="conversation-7",
            trace_metadata={"team": "desk"},
        )

    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(own_settings_object(), "Oslo?", run_config=config())

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await durable(own_settings_object(), name=f"run-config-{unique}").run("Oslo?", run_config=config())

    assert result.final_output == plain.final_output
    assert [request.body for request in server.served] == [request.body for request in plain_server.served]
    assert server.served[0].body["temperature"] == 0.1 and server.served[0].body["seed"] == 3


@pytest.mark.parametrize(
    ("config", "field"),
    [
        (lambda: RunConfig(model=model()), "model"),
        (lambda: RunConfig(model_provider=MultiProvider(openai_base_url="http://elsewhere")), "model_provider"),
        (lambda: RunConfig(call_model_input_filter=lambda data: data.model_data), "call_model_input_filter"),
    ],
    ids=["model", "model_provider", "callback"],
)
async def test_run_config_fields_a_durable_run_cannot_take_are_refused_before_it_starts(
    config: Callable[[], RunConfig], field: str, scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    dagent = durable(model_object(), name=f"refused-config-{field}-{unique}")

    with pytest.raises(UnsupportedError, match=f"run_config fields \\['{field}'\\]") as refused:
        await dagent.run("Oslo?", run_config=config())
    assert "Set them on the agents instead" in str(refused.value)
    assert server.served == []


@pytest.mark.parametrize(
    ("build", "run_model", "settings"),
    [
        (default_model, "gpt-4.1", None),  # the default model's gpt-5 settings give way to gpt-4.1's
        (default_model, "gpt-5-mini", ModelSettings(temperature=0.4)),
        (model_name, "gpt-5-mini", None),
        (model_object, "gpt-4.1", None),  # a model object is overridden too: the Responses API
        (own_settings, "gpt-4.1", ModelSettings(max_tokens=40)),  # the agent's own settings stay
    ],
    ids=["default-to-4.1", "default-to-5-mini", "name-to-5-mini", "object-to-4.1", "own-settings"],
)
async def test_run_config_model_name_overrides_every_agent_as_in_a_plain_run(
    build: Callable[[], Agent],
    run_model: str,
    settings: ModelSettings | None,
    scripted_model: Any,
    monkeypatch: pytest.MonkeyPatch,
    unique: str,
) -> None:
    def config() -> RunConfig:
        return RunConfig(model=run_model, model_settings=settings)

    plain_server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(build(), "Oslo?", run_config=config())

    server = scripted_model(SCRIPT)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await durable(build(), name=f"run-model-{unique}").run("Oslo?", run_config=config())

    assert result.final_output == plain.final_output == "Oslo is sunny."
    assert [request.api for request in server.served] == ["responses", "responses"]
    assert [request.body for request in server.served] == [request.body for request in plain_server.served]
    assert {request.body["model"] for request in server.served} == {run_model}


def translator_desk() -> Agent:
    """An agent whose agent tool (as_tool) has its own model object: the SDK gives the tool's run the same config."""
    translator = Agent(name="translator", instructions="Translate to French.", model=model())
    return Agent(
        name="desk",
        instructions="Use the translator.",
        model=model(),
        tools=[translator.as_tool(tool_name="translate", tool_description="Translate to French")],
    )


async def test_run_config_model_name_reaches_an_agent_tool_run_as_in_a_plain_run(
    scripted_model: Any, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    script = [Reply.tool_call("translate", {"input": "Good morning"}), Reply.text("Bonjour"), Reply.text("Bonjour.")]
    plain_server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", plain_server.base_url)
    plain = await Runner.run(translator_desk(), "Good morning in French?", run_config=RunConfig(model="gpt-4.1"))

    server = scripted_model(script)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = await durable(translator_desk(), name=f"run-model-desk-{unique}").run(
        "Good morning in French?", run_config=RunConfig(model="gpt-4.1")
    )

    assert result.final_output == plain.final_output == "Bonjour."
    assert [request.body for request in server.served] == [request.body for request in plain_server.served]
    assert [request.body["model"] for request in server.served] == ["gpt-4.1"] * 3


def test_run_model_names_in_history_are_pinned() -> None:
    """The run input's key for run_config.model and the model request's field for it (renaming breaks runs)."""
    from durable_adapters_openai_agents._model import RUN_MODEL_FIELD
    from durable_adapters_openai_agents._run_config import MODEL, encode_run_config

    assert MODEL == "model" and RUN_MODEL_FIELD == "run_model"
    assert encode_run_config(RunConfig(model="gpt-4.1")) == {"model": "gpt-4.1"}

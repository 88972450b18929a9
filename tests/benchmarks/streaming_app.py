"""The one-answer agents the streaming benchmark runs, one per framework, as a user writes them."""

from __future__ import annotations

from typing import Any


def build_openai_agent() -> Any:
    from agents import Agent, OpenAIResponsesModel
    from openai import AsyncOpenAI

    return Agent(name="storyteller", instructions="Answer.", model=OpenAIResponsesModel("gpt-4o", AsyncOpenAI()))


def build_langgraph_agent() -> Any:
    from langchain_openai import ChatOpenAI
    from langgraph.prebuilt import create_react_agent

    return create_react_agent(ChatOpenAI(model="gpt-4o-mini"), tools=[], name="storyteller")

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


def build_crewai_crew(stream: bool = True) -> Any:
    from crewai import LLM, Agent, Crew, Task

    agent = Agent(role="Storyteller", goal="Answer", backstory="Brief.", llm=LLM(model="gpt-4o-mini"))
    task = Task(description="Tell me.", expected_output="An answer.", agent=agent)
    return Crew(name="storyteller", agents=[agent], tasks=[task], stream=stream)

"""Memory and knowledge: each kind is refused when the crew is wrapped, before any model call.

CrewAI 1.15's memory (one unified ``Memory``, whatever ``memory=`` is given) and knowledge call an
LLM and an embedder that the adapter does not key and use local vector stores; see
``durable_adapters_crewai._memory`` and docs/crewai.md for why and what to do instead.
"""

from __future__ import annotations

import asyncio

import pytest
from crewai import Agent, Crew, Task
from crewai.knowledge.source.string_knowledge_source import StringKnowledgeSource
from crewai.memory.unified_memory import Memory

from durable_adapters import UnsupportedError, durable
from durable_adapters.testing import Reply
from tests.apps.crewai_crews import llm


def _agent(**fields) -> Agent:
    return Agent(role="Analyst", goal="Answer questions", backstory="Careful.", llm=llm(), **fields)


def _crew(agent: Agent | None = None, **fields) -> Crew:
    agent = agent or _agent()
    task = Task(description="Answer {question}.", expected_output="An answer.", agent=agent)
    return Crew(agents=[agent], tasks=[task], **fields)


def _facts() -> StringKnowledgeSource:
    return StringKnowledgeSource(content="Paris is the capital of France.")


CASES = {
    "crew memory=True": (lambda: _crew(memory=True), r"Crew\(memory=True\)", "Memory"),
    "crew memory=Memory()": (
        lambda: _crew(memory=Memory(llm=llm())),
        r"Crew\(memory=True or memory=Memory\(\.\.\.\)\)",
        "Memory",
    ),
    "crew memory=MemoryScope": (
        lambda: _crew(memory=Memory(llm=llm()).scope("/research")),
        r"Crew\(memory=MemoryScope\(\.\.\.\)\)",
        "Memory",
    ),
    "agent memory=True": (
        lambda: _crew(_agent(memory=True)),
        r"agents\[0\] Agent\(memory=True or memory=Memory",
        "Memory",
    ),
    "standalone agent memory=True": (
        lambda: _agent(memory=True),
        r"^agent Agent\(memory=True or memory=Memory",
        "Memory",
    ),
    "crew knowledge_sources": (lambda: _crew(knowledge_sources=[_facts()]), r"Crew knowledge sources", "knowledge"),
    "agent knowledge_sources": (
        lambda: _crew(_agent(knowledge_sources=[_facts()])),
        r"agents\[0\] Agent knowledge sources",
        "knowledge",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_memory_and_knowledge_are_refused_when_wrapped_before_any_model_call(case, scripted_model, monkeypatch):
    build, construct, kind = CASES[case]
    server = scripted_model([Reply.text("never asked")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    obj = build()
    before = len(server.requests)  # building a crew with knowledge already calls the embedder (plainly)

    with pytest.raises(UnsupportedError, match=construct) as refused:
        durable(obj)

    message = str(refused.value)
    assert "is not supported in a durable CrewAI run" in message
    assert kind in message and "Remove" in message  # why, and what to do
    assert len(server.requests) == before  # durable() asked the model nothing


async def test_a_crew_with_memory_kicked_off_in_a_flow_method_is_refused_before_its_first_call(
    scripted_model, monkeypatch
):
    from tests.apps.crewai_conformance import ConciergeFlow

    server = scripted_model([Reply.text("never asked")])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)

    with pytest.raises(Exception, match=r"inside the flow: Crew\(memory=True\) is not supported") as refused:
        await asyncio.wait_for(durable(ConciergeFlow).kickoff_async(inputs={"city": "Paris"}), timeout=60)

    assert "UnsupportedError" in str(refused.value) and "Remove memory" in str(refused.value)
    assert server.requests == [] and server.embeddings == []  # not one model or embedding call

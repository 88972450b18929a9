"""Every LangChain/LangGraph internal this adapter relies on without replacing it, in one place.

The points the adapter *replaces* (methods patched at class level, module globals re-bound) are
declared once, in the interception table ``_interception.PATCHES``. Listed here is the rest
the adapter relies on and a framework release may move or change without notice: private
attributes it reads, constructors and functions it calls with keyword arguments, key
conventions it filters on, behaviour it mirrors. ``tests/langgraph/test_framework_internals.py``
checks both lists on the installed versions (and that ``docs/architecture.md`` shows the table),
and fails naming each point that is missing or changed, without a Temporal server. Check it
first when admitting a new framework release.

Fields of a record:

* ``module`` / ``path``: where the point is (``path`` is a dotted attribute path inside the
  module; empty for the module itself).
* ``use``: ``read`` (an attribute or constant read), ``called`` (called with the ``params``
  named), ``constructed`` (instantiated with the ``params`` named as keywords), or
  ``relied on`` (framework behaviour the adapter or the core's sync bridge depends on).
* ``side``: where the adapter touches it: ``workflow`` (inside the durable run), ``activity``
  (the real call), ``hosting`` (when a graph is hosted, outside any run) or ``client``.
* ``why``: what would break without it.
* ``params``: parameter names (or dataclass/pydantic field names) the adapter passes or reads.
* ``value``: the value the adapter expects (constants), or None.
* ``source``: strings the point's source must still contain (behaviour the adapter mirrors).
* ``where``: the adapter module that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Use = Literal["read", "called", "constructed", "relied on"]
Side = Literal["workflow", "activity", "workflow+activity", "workflow+client", "hosting", "client"]


@dataclass(frozen=True)
class Internal:
    module: str
    path: str
    use: Use
    side: Side
    why: str
    params: tuple[str, ...] = ()
    value: Any = None
    source: tuple[str, ...] = ()
    where: str = ""

    @property
    def name(self) -> str:
        return f"{self.module}:{self.path}" if self.path else self.module


_CHAT = "langchain_core.language_models.chat_models"
_TOOLS = "langchain_core.tools"
_TOOL_NODE = "langgraph.prebuilt.tool_node"
_CONSTANTS = "langgraph._internal._constants"
_ID_FORMAT = 'generation.message.id = f"{LC_ID_PREFIX}-{run_manager.run_id}-{idx}"'

INTERNALS: tuple[Internal, ...] = (
    # -- chat models (_model) ------------------------------------------------------------------
    Internal(
        _CHAT,
        "BaseChatModel._agenerate_with_cache",
        "relied on",
        "workflow",
        "after generating, LangChain gives an answer without id the id f'{LC_ID_PREFIX}-{run "
        "id}-{index}'; the activity runs without a run manager, so the workflow side gives the "
        "same id from the workflow's run id (decode_result)",
        source=(_ID_FORMAT,),
        where="_model",
    ),
    Internal(
        _CHAT,
        "BaseChatModel._generate_with_cache",
        "relied on",
        "workflow",
        "the same ids for sync calls",
        source=(_ID_FORMAT,),
        where="_model",
    ),
    Internal(
        "langchain_core.utils.utils",
        "LC_ID_PREFIX",
        "read",
        "workflow",
        "the prefix of those ids",
        value="lc_run-",
        where="_model",
    ),
    Internal(
        "langchain_core.messages",
        "AIMessageChunk",
        "constructed",
        "workflow",
        "a durable answer streamed as one chunk, marked as the last one so LangGraph's "
        "'messages' mode and astream consumers finish it",
        params=(
            "content",
            "additional_kwargs",
            "response_metadata",
            "usage_metadata",
            "id",
            "name",
            "tool_call_chunks",
            "chunk_position",
        ),
        where="_model",
    ),
    Internal(
        "langchain_core.messages.tool",
        "tool_call_chunk",
        "called",
        "workflow",
        "the answer's tool calls as chunks of that one chunk",
        params=("name", "args", "id", "index"),
        where="_model",
    ),
    Internal(
        "langchain_core.load",
        "load",
        "called",
        "workflow+activity",
        "messages, models and values come back from history as their classes; everything loaded "
        "was written by the adapter itself, hence allowed_objects='all'; API keys are taken from "
        "the worker's environment",
        params=("allowed_objects", "secrets_from_env"),
        where="_values",
    ),
    # -- live streaming of model calls (_model, _graph, _streaming) -----------------------------
    Internal(
        _CHAT,
        "BaseChatModel._should_stream",
        "called",
        "workflow",
        "LangChain's own test whether a generation hits the provider's streaming API (a streaming "
        "callback handler such as LangGraph's 'messages' handler, stream=True, streaming=True, "
        "disable_streaming): the workflow makes the model call streamed exactly when a plain run would, "
        "so the request bodies match",
        params=("async_api", "run_manager"),
        source=("_StreamingCallbackHandler", "_streaming_disabled(", 'kwargs.get("stream")'),
        where="_model",
    ),
    Internal(
        _CHAT,
        "BaseChatModel._agenerate_with_cache",
        "called",
        "activity",
        "the activity calls LangChain's own generation; with a streaming handler attached, it streams "
        "(_astream) and hands each chunk to "
        "on_llm_new_token(chunk=...), ids lc_run-<run id> (no index), then merges them into the answer: "
        "the activity publishes each chunk from its handler (_model._Publisher) and the workflow names "
        "the answer lc_run-<workflow run id>",
        params=("messages", "stop", "run_manager"),
        source=("await run_manager.on_llm_new_token(", "chunk.message.id = run_id", "generate_from_stream("),
        where="_model",
    ),
    Internal(
        "langchain_core.tracers._streaming",
        "_StreamingCallbackHandler",
        "relied on",
        "activity",
        "a runtime-checkable protocol: any handler with tap_output_aiter / tap_output_iter counts as a "
        "streaming handler (the activity's _Publisher defines both instead of importing the private class)",
        source=("runtime_checkable", "def tap_output_aiter", "def tap_output_iter"),
        where="_model",
    ),
    Internal(
        "langchain_core.callbacks.manager",
        "AsyncCallbackManagerForLLMRun",
        "constructed",
        "activity",
        "the run manager that carries the activity's streaming handler into _agenerate_with_cache",
        params=(
            "run_id",
            "handlers",
            "inheritable_handlers",
            "parent_run_id",
            "tags",
            "inheritable_tags",
            "metadata",
            "inheritable_metadata",
        ),
        where="_model",
    ),
    Internal(
        "langgraph.pregel._messages",
        "StreamMessagesHandler",
        "relied on",
        "workflow",
        "'messages' mode: on_chat_model_start keeps (namespace, metadata) per run id in .metadata (read "
        "to announce a streamed call's metadata), .parent_ns is empty for the graph the workflow "
        "streams, and .stream puts (ns, 'messages', (message, metadata)) into that graph's stream in "
        "order (a flush marker goes the same way, so tokens come after what the graph streamed before)",
        source=("self.metadata[run_id] = (ns, metadata)", "self.parent_ns", "self.stream((meta[0], "),
        where="_model",
    ),
    Internal(
        "langchain_core.messages",
        "RemoveMessage",
        "constructed",
        "client",
        "a model call restarted mid-stream: 'messages' mode first yields RemoveMessage(id=<the call's "
        "message id>) for the tokens already shown",
        params=("id",),
        where="_streaming",
    ),
    # -- tools (_toolset) ----------------------------------------------------------------------
    Internal(
        "langchain_core.tools.structured",
        "StructuredTool",
        "read",
        "hosting",
        "func / coroutine: a tool's own function, searched for the tools and models it refers to",
        params=("func", "coroutine"),
        where="_toolset",
    ),
    Internal(
        _TOOL_NODE,
        "ToolNode.tools_by_name",
        "read",
        "hosting",
        "the tools of a ToolNode (create_react_agent's, create_agent's, the user's), hosted under "
        "their names before a run",
        where="_toolset",
    ),
    Internal(
        _TOOL_NODE,
        "ToolRuntime",
        "constructed",
        "workflow+activity",
        "ToolRuntime arguments cross into the activity as their state, context, config and tool "
        "call id, and are rebuilt there (store is refused; tools, execution_info and server_info "
        "take their defaults)",
        params=("state", "context", "config", "stream_writer", "tool_call_id", "store"),
        where="_toolset",
    ),
    # -- the graph (_graph, _toolset, _client) ---------------------------------------------------
    Internal(
        "langgraph.pregel",
        "Pregel.copy",
        "called",
        "workflow+client",
        "the user's compiled graph runs (and get_state reads) on a copy whose checkpointer is an "
        "in-memory saver seeded with the thread's last checkpoint",
        params=("update",),
        where="_graph",
    ),
    Internal(
        "langgraph.pregel",
        "Pregel.nodes",
        "read",
        "hosting",  # an instance attribute, declared on the class
        "the graph's nodes, searched for tools and chat models",
        where="_toolset",
    ),
    Internal(
        "langgraph.pregel._read",
        "PregelNode",
        "read",
        "hosting",
        "bound (the node's runnable) and subgraphs (graphs used as nodes), searched the same way",
        source=("self.bound", "self.subgraphs"),
        where="_toolset",
    ),
    Internal(
        "langgraph._internal._runnable",
        "RunnableCallable",
        "read",
        "hosting",
        "func / afunc: a node's own function, whose globals and closure hold its tools and models",
        source=("self.func", "self.afunc"),
        where="_toolset",
    ),
    Internal(
        _CONSTANTS,
        "INTERRUPT",
        "read",
        "workflow",
        "the 'updates' chunk key under which an interrupt() arrives; the run then waits for input",
        value="__interrupt__",
        where="_graph",
    ),
    Internal(
        _CONSTANTS,
        "CONFIG_KEY_CHECKPOINT_NS",
        "read",
        "workflow",
        "LangGraph's own configurable keys are dropped from a tool's config before it crosses "
        "into the activity: '__pregel_*' keys (live objects) and these",
        value="checkpoint_ns",
        where="_toolset",
    ),
    Internal(
        _CONSTANTS, "CONFIG_KEY_CHECKPOINT_ID", "read", "workflow", "as above", value="checkpoint_id", where="_toolset"
    ),
    Internal(
        _CONSTANTS,
        "CONFIG_KEY_CHECKPOINT_MAP",
        "read",
        "workflow",
        "as above",
        value="checkpoint_map",
        where="_toolset",
    ),
    Internal(
        _CONSTANTS,
        "CONFIG_KEY_SEND",
        "read",
        "workflow",
        "one of the '__pregel_*' keys: the prefix the adapter filters on",
        value="__pregel_send",
        where="_toolset",
    ),
    Internal(
        "langgraph.pregel._algo",
        "",
        "relied on",
        "workflow",
        "task metadata keys start with 'langgraph_' and step tags with 'graph:step:': both are "
        "dropped from a tool's config (they differ between a plain run and an activity)",
        source=('"langgraph_step"', '"langgraph_node"', "graph:step:"),
        where="_toolset",
    ),
    Internal(
        "langchain_core.runnables.base",
        "RunnableSequence",
        "read",
        "hosting",
        "first / middle / last: the parts of a piped node (prompt | model | parser), searched the same way",
        params=("first", "middle", "last"),
        where="_toolset",
    ),
    Internal(
        "langchain_core.runnables.base",
        "RunnableBinding",
        "read",
        "hosting",
        "bound: the model or tool inside a bind_tools/with_config binding",
        params=("bound",),
        where="_toolset",
    ),
    Internal(
        "langgraph.checkpoint.memory",
        "InMemorySaver.put",
        "called",
        "workflow+client",
        "seeds the run's saver with the thread's last checkpoint (carried in the payload)",
        params=("config", "checkpoint", "metadata", "new_versions"),
        where="_graph",
    ),
    Internal(
        "langgraph.checkpoint.memory",
        "InMemorySaver.get_tuple",
        "called",
        "workflow",
        "the run's last checkpoint, carried out to the thread's next run",
        params=("config",),
        where="_graph",
    ),
    Internal(
        "langgraph.checkpoint.serde.jsonplus",
        "JsonPlusSerializer.dumps_typed",
        "called",
        "workflow+activity",
        "values LangChain's dumpd cannot write (sets, datetimes, pydantic models, checkpoints) cross "
        "in LangGraph's own checkpoint format",
        params=("obj",),
        where="_values",
    ),
    Internal(
        "langgraph.checkpoint.serde.jsonplus",
        "JsonPlusSerializer.loads_typed",
        "called",
        "workflow+activity",
        "and back",
        params=("data",),
        where="_values",
    ),
    Internal(
        "langgraph.types",
        "Interrupt",
        "constructed",
        "client",
        "a waiting run's interrupts are returned as LangGraph returns them (with response_schema, "
        "a JSON schema, where the installed LangGraph has it: not 1.2.0)",
        params=("value", "id"),
        where="_client",
    ),
    Internal(
        "langgraph.types",
        "Command",
        "read",
        "client",
        "Command(resume/update/goto) starts or answers a run; graph= is refused",
        params=("resume", "update", "goto", "graph"),
        where="_client",
    ),
    # -- interrupt() in a tool (_tool_pause) and replay-stable checkpoint ids (_checkpoint_ids) ---
    Internal(
        "langgraph.types",
        "interrupt",
        "relied on",
        "workflow+activity",
        "interrupt() reads the task's answers from its scratchpad (counter, resume list, pending "
        "answer), writes them with the task's send, and raises GraphInterrupt where they run out: "
        "the activity gives a tool a scratchpad with the same answers, the workflow makes the "
        "same calls again in the tool's place",
        source=(
            "scratchpad = conf[CONFIG_KEY_SCRATCHPAD]",
            "idx = scratchpad.interrupt_counter()",
            "scratchpad.get_null_resume(True)",
            "conf[CONFIG_KEY_SEND]",
            "raise GraphInterrupt(",
        ),
        where="_tool_pause",
    ),
    Internal(
        "langgraph._internal._scratchpad",
        "PregelScratchpad",
        "constructed",
        "activity",
        "the scratchpad a tool's interrupt() reads in the activity",
        params=("step", "stop", "call_counter", "interrupt_counter", "get_null_resume", "resume", "subgraph_counter"),
        where="_tool_pause",
    ),
    Internal(
        "langgraph.pregel._algo",
        "LazyAtomicCounter",
        "relied on",
        "workflow",
        "the task's interrupt count is read without counting one more by setting the counter's "
        "_counter back (the count a tool's interrupt() calls go on from)",
        source=("self._counter = itertools.count(0).__next__", "return self._counter()"),
        where="_tool_pause",
    ),
    Internal(
        _CONSTANTS,
        "CONFIG_KEY_SCRATCHPAD",
        "read",
        "workflow+activity",
        "as above",
        value="__pregel_scratchpad",
        where="_tool_pause",
    ),
    Internal(_CONSTANTS, "CONFIG_KEY_SEND", "read", "activity", "as above", value="__pregel_send", where="_tool_pause"),
    Internal(
        "langgraph.checkpoint.base.id",
        "uuid6",
        "relied on",
        "workflow",
        "checkpoint ids (which name tasks and interrupts) come from a process-wide last timestamp; "
        "inside a run _checkpoint_ids draws them the same way from the run's clock and own last timestamp",
        params=("node", "clock_seq"),
        source=("global _last_v6_timestamp", "timestamp = nanoseconds // 100 + 0x01B21DD213814000"),
        where="_checkpoint_ids",
    ),
    Internal(
        "langgraph.pregel._runner",
        "_acall",
        "relied on",
        "workflow",
        "a task called from sync code gets an asyncio future when an asyncio task is running (as on "
        "the sync bridge), a concurrent future otherwise: _sync_tasks gives sync code on the bridge "
        "a concurrent future that waits on the workflow loop",
        source=("in_async = asyncio.current_task() is not None", "fut = concurrent.futures.Future()"),
        where="_sync_tasks",
    ),
    # -- behaviour the core's sync bridge relies on ----------------------------------------------
    Internal(
        "langchain_core.runnables.config",
        "run_in_executor",
        "relied on",
        "workflow",
        "LangGraph/LangChain hand sync nodes, tasks and tools to loop.run_in_executor, which the "
        "core's sync bridge runs as a greenlet on the workflow thread",
        source=("run_in_executor(",),
        where="durable_adapters._sync_bridge",
    ),
)

# Configurable keys of LangGraph's that are not '__'-prefixed and must not reach a tool's
# config in the activity (test_framework_internals checks that every CONFIG_KEY_* constant is
# '__'-prefixed, one of these, or the user's thread_id).
PREGEL_CONFIGURABLE = ("checkpoint_ns", "checkpoint_id", "checkpoint_map")
USER_CONFIGURABLE = ("thread_id",)
PREGEL_METADATA_PREFIX = "langgraph_"
PREGEL_TAG_PREFIX = "graph:step:"

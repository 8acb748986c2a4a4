"""One trace end to end: an agent submits work; a worker on its own pool reads it, processes it
under a ``process`` span linked to the submitter's ``send`` span, embeds (OpenAI-compatible
server and the local MiniLM), chats, and completes it. Also exported over real OTLP/HTTP.

The span tree this produces is the one shown in docs/observability.md ("Demo span tree");
``test_the_docs_show_this_tree`` keeps the two the same.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from animus import ChatModel, Db, NewMemory, NewWorkItem, OpenAIEmbedder, WorkItem
from animus.local_embedder import LocalEmbedder
from animus.telemetry import TelemetryConfig, init_telemetry, render_span_tree, start_work_span

from .openai_server import OpenAIServer, openai_server
from .otlp_receiver import otlp_http_receiver
from .test_telemetry_wiring import telemetry_session, traceparent_of

__all__ = ["openai_server"]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "observability.md"


@dataclass
class Flow:
    submitted_id: uuid.UUID
    item: WorkItem
    stored_traceparent: str | None


async def run_flow(
    provider: trace.TracerProvider,
    database_url: str,
    openai_base_url: str,
    queue: str,
    *,
    parent_on_submitter: bool = False,
) -> Flow:
    """The agent and the worker, each with its own Db (own pool, own connections)."""
    tracer = provider.get_tracer("animus.e2e")
    local = LocalEmbedder()
    async with (
        await Db.connect(database_url, min_size=1, max_size=1) as agent_db,
        await Db.connect(database_url, min_size=1, max_size=1, embedder=local) as worker_db,
    ):
        await agent_db.create_queue(queue)
        kind = f"e2e_{uuid.uuid4().hex[:8]}"
        await worker_db.store_memories(
            [NewMemory(content="Postgres keeps the queue and the memory.", memory_type=kind)]
        )
        # --- the agent ---
        with tracer.start_as_current_span("agent"):
            submitted = await agent_db.submit_work(
                NewWorkItem(
                    queue_name=queue,
                    work_type="summarise",
                    source="agent-1",
                    params={"text": "Why keep agent state in one Postgres?", "kind": kind},
                )
            )
        # --- the worker ---
        embedder = OpenAIEmbedder(
            "text-embedding-3-small", 384, api_key="k", base_url=openai_base_url, max_retries=0
        )
        chat = ChatModel("gpt-4o-mini", api_key="k", base_url=openai_base_url, max_retries=0)
        with tracer.start_as_current_span("worker"):
            (item,) = await worker_db.read_work(queue, vt_seconds=30)
            process = start_work_span(
                item.work_type,
                item.id,
                item.traceparent,
                queue=item.queue_name,
                msg_id=item.msg_id,
                parent_on_submitter=parent_on_submitter,
            )
            with trace.use_span(process, end_on_exit=True):
                text = item.params["text"]
                await embedder.embed([text])
                context = await worker_db.search_memory(
                    text, 3, filters={"memory_type": item.params["kind"]}
                )
                reply = await chat.complete(f"{text}\nContext: {context[0].content}")
                await worker_db.complete(item.id, {"summary": reply.text})
    with suppress_instrumentation():  # the test's own look, not part of the trace
        conn = await asyncpg.connect(database_url)
        try:
            stored = await conn.fetchval(
                "SELECT traceparent FROM animus.work_items WHERE id = $1", submitted.work_id
            )
        finally:
            await conn.close()
    return Flow(submitted.work_id, item, stored)


def one(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    (found,) = [s for s in spans if s.name == name]
    return found


def children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return sorted(
        (s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id),
        key=lambda s: s.start_time or 0,
    )


async def traced_flow(
    database_url: str, openai_base_url: str, queue: str, *, parent_on_submitter: bool = False
) -> tuple[Flow, list[ReadableSpan]]:
    for session in telemetry_session():
        assert session.guard.tracer_provider is not None
        flow = await run_flow(
            session.guard.tracer_provider,
            database_url,
            openai_base_url,
            queue,
            parent_on_submitter=parent_on_submitter,
        )
        spans = session.finished()
        # from the agent's span on: the set-up (connect, create_queue, storing a memory) is not
        # part of the story
        start = one(spans, "agent").start_time or 0
        return flow, [s for s in spans if (s.start_time or 0) >= start]
    raise AssertionError("unreachable")


async def test_agent_to_worker_is_one_linked_trace(
    database_url: str, openai_server: OpenAIServer
) -> None:
    queue = f"e2e_{uuid.uuid4().hex[:8]}"
    flow, spans = await traced_flow(database_url, openai_server.base_url, queue)
    agent, worker = one(spans, "agent"), one(spans, "worker")
    send, receive = one(spans, f"send {queue}"), one(spans, f"receive {queue}")
    process, settle = one(spans, f"process {queue}"), one(spans, f"settle {queue}")
    embed_openai = one(spans, "embeddings text-embedding-3-small")
    embed_local = one(spans, "embeddings all-MiniLM-L6-v2")
    chat = one(spans, "chat gpt-4o-mini")

    # the agent's side: agent -> send -> the submit_work statement, one trace
    assert send.kind is SpanKind.PRODUCER
    assert send.parent is not None and send.parent.span_id == agent.context.span_id
    (submit_sql,) = children(spans, send)
    assert submit_sql.attributes["db.statement"].startswith("SELECT * FROM animus.submit_work(")  # type: ignore[index,union-attr]
    assert submit_sql.context.trace_id == agent.context.trace_id

    # the item stored the send span's traceparent, and read_work handed it to the worker
    assert flow.stored_traceparent == traceparent_of(send)
    assert flow.item.traceparent == traceparent_of(send)
    assert flow.item.id == flow.submitted_id

    # the worker's side: its own trace; process links to the submitter's send span
    assert worker.context.trace_id != agent.context.trace_id
    assert [s.name for s in children(spans, worker)] == [receive.name, process.name]
    assert process.kind is SpanKind.CONSUMER
    (link,) = process.links
    assert link.context.trace_id == agent.context.trace_id
    assert link.context.span_id == send.context.span_id
    assert [s.name for s in children(spans, process)] == [
        embed_openai.name,
        embed_local.name,
        "SELECT",  # search_memory
        chat.name,
        settle.name,
    ]
    for span in (receive, process, settle, embed_openai, embed_local, chat):
        assert span.context.trace_id == worker.context.trace_id
    assert embed_local.attributes["gen_ai.provider.name"] == "local"  # type: ignore[index]
    assert chat.attributes["gen_ai.usage.output_tokens"] == 2  # type: ignore[index]
    assert settle.attributes["messaging.operation.name"] == "complete"  # type: ignore[index]
    assert [e.attributes["animus.work.state.to"] for e in settle.events] == ["completed"]  # type: ignore[index]
    assert [e.attributes["animus.work.state.to"] for e in receive.events] == ["running"]  # type: ignore[index]
    # every span is in one of the two traces, joined by the link
    assert {s.context.trace_id for s in spans} == {
        agent.context.trace_id,
        worker.context.trace_id,
    }


async def test_parent_on_submitter_makes_one_trace(
    database_url: str, openai_server: OpenAIServer
) -> None:
    queue = f"e2e_{uuid.uuid4().hex[:8]}"
    _, spans = await traced_flow(
        database_url, openai_server.base_url, queue, parent_on_submitter=True
    )
    agent, send = one(spans, "agent"), one(spans, f"send {queue}")
    process = one(spans, f"process {queue}")
    assert process.parent is not None and process.parent.span_id == send.context.span_id
    (link,) = process.links
    assert link.context.span_id == send.context.span_id
    below_process = [s for s in spans if s.context.trace_id == process.context.trace_id]
    assert {s.name for s in below_process} >= {
        "agent",
        f"send {queue}",
        f"process {queue}",
        "embeddings text-embedding-3-small",
        "embeddings all-MiniLM-L6-v2",
        "chat gpt-4o-mini",
        f"settle {queue}",
    }
    assert process.context.trace_id == agent.context.trace_id


def docs_tree() -> str:
    text = DOCS.read_text()
    section = text.split("## Demo span tree", 1)[1]
    match = re.search(r"```text\n(.*?)\n```", section, re.S)
    assert match, "docs/observability.md: no ```text block under 'Demo span tree'"
    return match[1]


async def test_the_docs_show_this_tree(database_url: str, openai_server: OpenAIServer) -> None:
    _, spans = await traced_flow(database_url, openai_server.base_url, "summaries")
    rendered = render_span_tree(spans)
    print(rendered)
    assert docs_tree() == rendered, f"update docs/observability.md with:\n{rendered}"


async def test_the_trace_exports_over_otlp_http(
    database_url: str, openai_server: OpenAIServer
) -> None:
    queue = f"e2e_{uuid.uuid4().hex[:8]}"
    with otlp_http_receiver() as receiver:
        config = TelemetryConfig(
            exporter="none",
            traces_exporter="otlp",
            otlp_protocol="http/protobuf",
            otlp_endpoint=receiver.url,
            set_global=False,
            bridge_logging=False,
            service_name="animus-e2e",
        )
        with init_telemetry(config) as guard:
            assert guard.tracer_provider is not None
            flow = await run_flow(
                guard.tracer_provider, database_url, openai_server.base_url, queue
            )
        # leaving the guard flushed the batch processor
    by_name = {s.name: s for s in receiver.spans}
    send, process = by_name[f"send {queue}"], by_name[f"process {queue}"]
    assert send.kind == 4  # SPAN_KIND_PRODUCER
    assert process.kind == 5  # SPAN_KIND_CONSUMER
    assert process.links == [(send.trace_id, send.span_id)]
    assert flow.stored_traceparent is not None
    assert flow.stored_traceparent.split("-")[1:3] == [send.trace_id, send.span_id]
    for name in ("embeddings text-embedding-3-small", "chat gpt-4o-mini", f"settle {queue}"):
        assert by_name[name].trace_id == process.trace_id
        assert by_name[name].resource["service.name"] == "animus-e2e"
    assert by_name[f"settle {queue}"].parent_span_id == process.span_id
    assert by_name["embeddings all-MiniLM-L6-v2"].attributes["gen_ai.provider.name"] == "local"

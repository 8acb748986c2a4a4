"""The telemetry wired into the client: every Db work call, embedder and chat model emits its
span with the conventions' kind and attributes, DB spans carry the statement, the SQL carries
the comment, and the queue gauges read queue_overview (or say why they cannot)."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, Sampler
from opentelemetry.trace import Link, SpanKind, StatusCode

from animus import ChatModel, Db, NewMemory, NewWorkItem, OpenAIEmbedder, ProviderError
from animus.errors import UnknownQueue, UnknownWorkItem
from animus.local_embedder import LocalEmbedder
from animus.sql import SUBMIT_WORK_TRACED
from animus.telemetry import TelemetryConfig, TelemetryGuard, init_telemetry, render_span_tree
from animus.telemetry._state import tracing_active
from animus.telemetry.wiring import _NO_SPAN, WorkTelemetry

from . import _db
from .openai_server import (
    CHAT,
    EMBEDDINGS,
    OpenAIServer,
    chat_response,
    error_body,
    openai_server,
)

__all__ = ["openai_server"]

TRACEPARENT = re.compile(r"traceparent='(00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})'")


@dataclass
class Telemetry:
    guard: TelemetryGuard
    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader

    def tracer(self) -> Any:
        return self.guard.tracer_provider.get_tracer("test")  # type: ignore[union-attr]

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def named(self, prefix: str) -> list[ReadableSpan]:
        return [s for s in self.finished() if s.name.split()[0] == prefix]

    def children(self, parent: ReadableSpan) -> list[ReadableSpan]:
        return [
            s
            for s in self.finished()
            if s.parent is not None and s.parent.span_id == parent.context.span_id
        ]

    def points(self, name: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        if data is None:
            return []
        return [
            p
            for rm in data.resource_metrics
            for sm in rm.scope_metrics
            for m in sm.metrics
            if m.name == name
            for p in m.data.data_points
        ]


def telemetry_session(sampler: Sampler | None = None) -> Iterator[Telemetry]:
    spans, reader = InMemorySpanExporter(), InMemoryMetricReader()
    config = TelemetryConfig(
        exporter="none",
        set_global=False,
        bridge_logging=False,
        sampler=sampler,
        span_exporters=[spans],
        metric_readers=[reader],
    )
    with init_telemetry(config) as guard:
        yield Telemetry(guard, spans, reader)


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    yield from telemetry_session()


@pytest.fixture
async def db(database_url: str, telemetry: Telemetry) -> AsyncIterator[Db]:
    async with await Db.connect(database_url, min_size=1, max_size=2) as connected:
        telemetry.spans.clear()  # the health check's statements
        yield connected


@pytest.fixture
async def queue(db: Db) -> str:
    name = f"wire_{uuid.uuid4().hex[:10]}"
    await db.create_queue(name)
    return name


def traceparent_of(span: ReadableSpan) -> str:
    ctx = span.context
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"


async def stored_trace_context(database_url: str, work_id: uuid.UUID) -> tuple[Any, Any]:
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT traceparent, tracestate FROM animus.work_items WHERE id = $1", work_id
        )
    finally:
        await conn.close()
    assert row is not None
    return row["traceparent"], row["tracestate"]


def db_span(telemetry: Telemetry, parent: ReadableSpan) -> ReadableSpan:
    (child,) = [s for s in telemetry.children(parent) if "db.statement" in (s.attributes or {})]
    return child


# --- work spans ------------------------------------------------------------------------------


async def test_submit_is_a_producer_span_whose_traceparent_the_item_stores(
    db: Db, queue: str, telemetry: Telemetry, database_url: str
) -> None:
    with telemetry.tracer().start_as_current_span("agent"):
        result = await db.submit_work(
            NewWorkItem(queue_name=queue, work_type="summarise", source="agent-1")
        )
    (send,) = telemetry.named("send")
    (agent,) = telemetry.named("agent")
    assert send.name == f"send {queue}"
    assert send.kind is SpanKind.PRODUCER
    assert send.parent is not None and send.parent.span_id == agent.context.span_id
    assert dict(send.attributes or {}) == {
        "messaging.system": "pgmq",
        "messaging.operation.name": "send",
        "messaging.operation.type": "send",
        "messaging.destination.name": queue,
        "animus.work.type": "summarise",
        "animus.work.id": str(result.work_id),
        "messaging.message.id": str(result.msg_id),
        "animus.work.submit.status": "queued",
    }
    statement = db_span(telemetry, send)
    assert statement.kind is SpanKind.CLIENT
    assert statement.attributes["db.statement"] == SUBMIT_WORK_TRACED  # type: ignore[index]
    assert statement.attributes["db.system"] == "postgresql"  # type: ignore[index]
    # submit_work got the send span's context as its argument (the comment names the DB span)
    assert await stored_trace_context(database_url, result.work_id) == (
        traceparent_of(send),
        None,
    )


async def test_submit_batch_is_one_send_span_for_all_items(
    db: Db, queue: str, telemetry: Telemetry, database_url: str
) -> None:
    items = [
        NewWorkItem(queue_name=queue, work_type="embed", source="agent", dedup_key=f"k{i}")
        for i in range(3)
    ]
    with telemetry.tracer().start_as_current_span("agent"):
        results = await db.submit_batch(items)
    (send,) = telemetry.named("send")
    assert send.name == f"send {queue}" and send.kind is SpanKind.PRODUCER
    assert send.attributes["messaging.batch.message_count"] == 3  # type: ignore[index]
    assert send.attributes["animus.work.type"] == "embed"  # type: ignore[index]
    for result in results:
        assert (await stored_trace_context(database_url, result.work_id))[0] == traceparent_of(send)


async def test_read_complete_and_fail_record_spans_and_transitions(
    db: Db, queue: str, telemetry: Telemetry
) -> None:
    first = await db.submit_work(NewWorkItem(queue_name=queue, work_type="t", source="s"))
    second = await db.submit_work(
        NewWorkItem(queue_name=queue, work_type="t", source="s", max_attempts=1)
    )
    telemetry.spans.clear()
    items = await db.read_work(queue, vt_seconds=30, qty=5)
    assert {i.id for i in items} == {first.work_id, second.work_id}
    await db.complete(first.work_id, {"ok": True})
    assert await db.fail(second.work_id, "boom") == "dead"

    (receive,) = telemetry.named("receive")
    assert receive.name == f"receive {queue}" and receive.kind is SpanKind.CLIENT
    assert receive.attributes["messaging.operation.type"] == "receive"  # type: ignore[index]
    assert receive.attributes["messaging.batch.message_count"] == 2  # type: ignore[index]
    moved = {
        (e.attributes["animus.work.id"], e.attributes["animus.work.state.to"])  # type: ignore[index]
        for e in receive.events
    }
    assert moved == {(str(first.work_id), "running"), (str(second.work_id), "running")}
    assert (
        db_span(telemetry, receive)
        .attributes["db.statement"]
        .startswith(  # type: ignore[index,union-attr]
            "SELECT * FROM animus.read_work("
        )
    )

    complete, fail = sorted(telemetry.named("settle"), key=lambda s: s.start_time or 0)
    by_id = {i.id: i for i in items}
    for span, work_id, operation, to_state in (
        (complete, first.work_id, "complete", "completed"),
        (fail, second.work_id, "fail", "dead"),
    ):
        assert span.name == f"settle {queue}" and span.kind is SpanKind.CLIENT
        assert dict(span.attributes or {}) == {
            "messaging.system": "pgmq",
            "messaging.operation.name": operation,
            "messaging.operation.type": "settle",
            "messaging.destination.name": queue,
            "messaging.message.id": str(by_id[work_id].msg_id),
            "animus.work.id": str(work_id),
            "animus.work.type": "t",
        }
        (event,) = span.events
        assert event.attributes["animus.work.state.from"] == "running"  # type: ignore[index]
        assert event.attributes["animus.work.state.to"] == to_state  # type: ignore[index]
        assert db_span(telemetry, span).kind is SpanKind.CLIENT

    counts = {
        (p.attributes["animus.work.state.from"], p.attributes["animus.work.state.to"]): p.value
        for p in telemetry.points("animus.work.transitions")
    }
    assert counts == {("queued", "running"): 2, ("running", "completed"): 1, ("running", "dead"): 1}


async def test_a_retried_failure_goes_back_to_queued(
    db: Db, queue: str, telemetry: Telemetry
) -> None:
    submitted = await db.submit_work(NewWorkItem(queue_name=queue, work_type="t", source="s"))
    await db.read_work(queue, vt_seconds=30)
    assert await db.fail(submitted.work_id, "try again") == "queued"
    (settle,) = telemetry.named("settle")
    (event,) = settle.events
    assert event.attributes["animus.work.state.to"] == "queued"  # type: ignore[index]


async def test_archive_and_delete_are_settle_spans(
    db: Db, queue: str, telemetry: Telemetry
) -> None:
    kept = await db.submit_work(NewWorkItem(queue_name=queue, work_type="t", source="s"))
    dropped = await db.submit_work(NewWorkItem(queue_name=queue, work_type="t", source="s"))
    await db.read_work(queue, vt_seconds=30, qty=2)
    telemetry.spans.clear()
    assert await db.archive_work(queue, kept.msg_id)  # type: ignore[arg-type]
    assert await db.delete_work(queue, dropped.msg_id)  # type: ignore[arg-type]
    archive, delete = sorted(telemetry.named("settle"), key=lambda s: s.start_time or 0)
    assert archive.attributes["messaging.operation.name"] == "archive"  # type: ignore[index]
    assert archive.attributes["animus.work.id"] == str(kept.work_id)  # type: ignore[index]
    assert archive.events[0].attributes["animus.work.state.to"] == "completed"  # type: ignore[index]
    assert delete.attributes["messaging.operation.name"] == "delete"  # type: ignore[index]
    assert delete.events[0].attributes["animus.work.state.to"] == "dead"  # type: ignore[index]


async def test_settling_an_item_read_elsewhere_names_no_queue(
    db: Db, queue: str, telemetry: Telemetry, database_url: str
) -> None:
    submitted = await db.submit_work(NewWorkItem(queue_name=queue, work_type="t", source="s"))
    async with await Db.connect(database_url, min_size=1, max_size=1) as other:
        await other.read_work(queue, vt_seconds=30)
    telemetry.spans.clear()
    await db.complete(submitted.work_id)
    (settle,) = telemetry.named("settle")
    assert settle.name == "settle"
    assert "messaging.destination.name" not in (settle.attributes or {})
    assert settle.attributes["animus.work.id"] == str(submitted.work_id)  # type: ignore[index]


async def test_a_failed_call_marks_its_span(db: Db, telemetry: Telemetry) -> None:
    with pytest.raises(UnknownQueue):
        await db.submit_work(NewWorkItem(queue_name="no_such_queue", work_type="t", source="s"))
    with pytest.raises(UnknownWorkItem):
        await db.complete(uuid.uuid4())
    (send,) = telemetry.named("send")
    (settle,) = telemetry.named("settle")
    assert send.status.status_code is StatusCode.ERROR
    assert send.attributes["error.type"] == "UnknownQueue"  # type: ignore[index]
    assert settle.status.status_code is StatusCode.ERROR
    assert settle.attributes["error.type"] == "UnknownWorkItem"  # type: ignore[index]
    # a failed settle records no transition
    assert [e.name for e in settle.events] == ["exception"]
    assert telemetry.points("animus.work.transitions") == []


async def test_without_telemetry_the_calls_skip_all_span_work(database_url: str) -> None:
    assert not tracing_active()
    assert WorkTelemetry().send(("q",), None, None) is _NO_SPAN
    assert WorkTelemetry().receive("q") is _NO_SPAN
    async with await Db.connect(database_url, min_size=1, max_size=1) as plain:
        name = f"wire_{uuid.uuid4().hex[:10]}"
        await plain.create_queue(name)
        result = await plain.submit_work(NewWorkItem(queue_name=name, work_type="t", source="s"))
        (item,) = await plain.read_work(name, vt_seconds=30)
        await plain.complete(item.id)
        seen = await plain._send("fetchval", "SELECT current_query()")
    assert seen == "SELECT current_query()"
    assert await stored_trace_context(database_url, result.work_id) == (None, None)


async def test_an_unsampled_trace_sends_no_context(database_url: str) -> None:
    for session in telemetry_session(sampler=ALWAYS_OFF):
        async with await Db.connect(database_url, min_size=1, max_size=1) as unsampled:
            name = f"wire_{uuid.uuid4().hex[:10]}"
            await unsampled.create_queue(name)
            with session.tracer().start_as_current_span("agent"):
                result = await unsampled.submit_work(
                    NewWorkItem(queue_name=name, work_type="t", source="s")
                )
                seen = await unsampled._send("fetchval", "SELECT current_query()")
                (item,) = await unsampled.read_work(name, vt_seconds=30)
                await unsampled.complete(item.id)
        assert session.finished() == []
        # no spans, but the transitions still count
        counts = {
            (p.attributes["animus.work.state.to"], p.attributes["animus.work.type"]): p.value
            for p in session.points("animus.work.transitions")
        }
        assert counts == {("running", "t"): 1, ("completed", "t"): 1}
    assert "/*" not in seen
    assert await stored_trace_context(database_url, result.work_id) == (None, None)


# --- SQL comments ----------------------------------------------------------------------------


async def test_the_db_pool_comments_its_statements(db: Db, telemetry: Telemetry) -> None:
    with telemetry.tracer().start_as_current_span("agent"):
        seen = await db._send("fetchval", "SELECT current_query()")
    match = TRACEPARENT.search(seen)
    assert match, seen
    (statement,) = [s for s in telemetry.finished() if s.name == "SELECT"]
    assert match[1] == traceparent_of(statement)
    assert statement.attributes["db.statement"] == "SELECT current_query()"  # type: ignore[index]
    assert "application='animus'" in seen and "db_driver='asyncpg" in seen


@pytest.mark.parametrize("how", ["argument", "environment"])
async def test_comments_can_be_switched_off(
    how: str, database_url: str, telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    if how == "environment":
        monkeypatch.setenv("ANIMUS_SQLCOMMENTER", "false")
    off = False if how == "argument" else None
    async with await Db.connect(database_url, min_size=1, max_size=1, sqlcommenter=off) as plain:
        name = f"wire_{uuid.uuid4().hex[:10]}"
        await plain.create_queue(name)
        with telemetry.tracer().start_as_current_span("agent"):
            seen = await plain._send("fetchval", "SELECT current_query()")
            result = await plain.submit_work(
                NewWorkItem(queue_name=name, work_type="t", source="s")
            )
    assert seen == "SELECT current_query()"
    # the trace context still reaches the item, as submit_work's argument
    (send,) = telemetry.named("send")
    assert (await stored_trace_context(database_url, result.work_id))[0] == traceparent_of(send)


async def test_pg_stat_activity_shows_the_comment_of_a_db_call(
    db: Db, telemetry: Telemetry, database_url: str
) -> None:
    watcher = await asyncpg.connect(database_url)
    try:
        with telemetry.tracer().start_as_current_span("agent"):
            sleeper = asyncio.create_task(db._send("fetchval", "SELECT pg_sleep(1.0)"))
            seen = None
            for _ in range(50):
                await asyncio.sleep(0.02)
                seen = await watcher.fetchval(
                    "SELECT query FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(1.0)%'"
                )
                if seen:
                    break
            await sleeper
    finally:
        await watcher.close()
    assert seen is not None
    match = TRACEPARENT.search(seen)
    assert match, seen
    (statement,) = [
        s
        for s in telemetry.finished()
        if (s.attributes or {}).get("db.statement") == "SELECT pg_sleep(1.0)"
    ]
    assert match[1] == traceparent_of(statement)


# --- GenAI -----------------------------------------------------------------------------------


def genai_attributes(span: ReadableSpan) -> dict[str, Any]:
    return {k: v for k, v in (span.attributes or {}).items() if k.startswith("gen_ai.")}


@pytest.mark.unit
async def test_openai_embedder_span_and_metrics(
    openai_server: OpenAIServer, telemetry: Telemetry
) -> None:
    embedder = OpenAIEmbedder(
        "text-embedding-3-small", 8, api_key="k", base_url=openai_server.base_url, max_retries=0
    )
    await embedder.embed(["one", "two"])
    (span,) = telemetry.finished()
    assert span.name == "embeddings text-embedding-3-small"
    assert span.kind is SpanKind.CLIENT
    assert genai_attributes(span) == {
        "gen_ai.operation.name": "embeddings",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "text-embedding-3-small",
        "gen_ai.response.model": "text-embedding-3-small",
        "gen_ai.usage.input_tokens": 2,
    }
    (tokens,) = telemetry.points("gen_ai.client.token.usage")
    assert tokens.attributes["gen_ai.token.type"] == "input" and tokens.sum == 2
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.count == 1 and "error.type" not in duration.attributes


@pytest.mark.unit
async def test_openai_embedder_failure_has_error_type(
    openai_server: OpenAIServer, telemetry: Telemetry
) -> None:
    openai_server.script(EMBEDDINGS, 400, error_body("bad input", "invalid_request_error"))
    embedder = OpenAIEmbedder(
        "text-embedding-3-small", 8, api_key="k", base_url=openai_server.base_url, max_retries=0
    )
    with pytest.raises(ProviderError):
        await embedder.embed(["x"])
    (span,) = telemetry.finished()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "BadRequestError"  # type: ignore[index]
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.attributes["error.type"] == "BadRequestError"


@pytest.mark.unit
async def test_chat_span_with_usage_and_cache_tokens(
    openai_server: OpenAIServer, telemetry: Telemetry
) -> None:
    usage = {
        "prompt_tokens": 1200,
        "completion_tokens": 40,
        "total_tokens": 1240,
        "prompt_tokens_details": {"cached_tokens": 1024},
    }
    openai_server.script(CHAT, 200, chat_response("hi", model="gpt-4o-2024-08-06", usage=usage))
    chat = ChatModel("gpt-4o", api_key="k", base_url=openai_server.base_url, max_retries=0)
    await chat.complete("hello")
    (span,) = telemetry.finished()
    assert span.name == "chat gpt-4o" and span.kind is SpanKind.CLIENT
    assert genai_attributes(span) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 40,
        "gen_ai.usage.cache_read.input_tokens": 1024,
    }
    by_type = {
        p.attributes["gen_ai.token.type"]: p.sum
        for p in telemetry.points("gen_ai.client.token.usage")
    }
    assert by_type == {"input": 1200, "output": 40}


@pytest.mark.unit
async def test_chat_failure_has_error_type(
    openai_server: OpenAIServer, telemetry: Telemetry
) -> None:
    openai_server.script(CHAT, 404, error_body("no such model", "not_found_error"))
    chat = ChatModel("gpt-9", api_key="k", base_url=openai_server.base_url, max_retries=0)
    with pytest.raises(ProviderError):
        await chat.complete("hello")
    (span,) = telemetry.finished()
    assert span.attributes["error.type"] == "NotFoundError"  # type: ignore[index]
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.attributes["error.type"] == "NotFoundError"


async def test_local_embedder_through_the_db_is_an_embeddings_span(
    db: Db, telemetry: Telemetry
) -> None:
    kind = f"wire_{uuid.uuid4().hex[:8]}"
    local = LocalEmbedder()
    with telemetry.tracer().start_as_current_span("agent") as agent:
        await db.store_memories([NewMemory(content="the sky is blue", memory_type=kind)], local)
        await db.search_memory("what colour is the sky", 1, local, {"memory_type": kind})
    embeddings = [s for s in telemetry.finished() if s.name == "embeddings all-MiniLM-L6-v2"]
    assert len(embeddings) == 2
    for span in embeddings:
        assert span.kind is SpanKind.CLIENT
        assert span.attributes["gen_ai.provider.name"] == "local"  # type: ignore[index]
        assert span.parent is not None
        assert span.parent.span_id == agent.get_span_context().span_id


# --- queue gauges ----------------------------------------------------------------------------


async def test_queue_gauges_report_the_overview(db: Db, queue: str, telemetry: Telemetry) -> None:
    await db.submit_work(NewWorkItem(queue_name=queue, work_type="t", source="s"))
    async with db.queue_gauges(interval_seconds=0.05) as gauges:
        assert gauges.available
        depth = {
            p.attributes["animus.work.state"]: p.value
            for p in telemetry.points("animus.queue.depth")
            if p.attributes["messaging.destination.name"] == queue
        }
        assert depth == {"queued": 1, "running": 0, "dead": 0, "merged": 0}
        (age,) = [
            p
            for p in telemetry.points("animus.queue.oldest_age")
            if p.attributes["messaging.destination.name"] == queue
        ]
        assert age.value >= 0
        await db.read_work(queue, vt_seconds=30)
        # the background task picks the change up (polled: the machine may be busy)
        for _ in range(100):
            await asyncio.sleep(0.05)
            depth = {
                p.attributes["animus.work.state"]: p.value
                for p in telemetry.points("animus.queue.depth")
                if p.attributes["messaging.destination.name"] == queue
            }
            if depth["running"] == 1:
                break
        assert depth["running"] == 1 and depth["queued"] == 0
    # the refreshes made no database spans
    assert not [s for s in telemetry.finished() if "queue_overview" in str(s.attributes)]


async def test_queue_gauges_degrade_without_the_privilege(
    database_url: str, telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    role = f"wire_app_{uuid.uuid4().hex[:8]}"
    # USAGE on sqitch: the connect health check reads the Sqitch registry (to_regclass needs it)
    _db.psql(
        database_url,
        f"CREATE ROLE {role} LOGIN PASSWORD 'pw' IN ROLE animus_app;"
        f"GRANT USAGE ON SCHEMA sqitch TO {role}",
    )
    try:
        parts = database_url.split("://", 1)[1]
        hostpart = parts.split("@", 1)[-1]
        app_url = f"postgresql://{role}:pw@{hostpart}"
        async with await Db.connect(app_url, min_size=1, max_size=1) as app_db:
            gauges = app_db.queue_gauges(interval_seconds=0.05)
            with caplog.at_level(logging.WARNING, logger="animus.telemetry"):
                await gauges.start()
                await asyncio.sleep(0.15)
                await gauges.stop()
        assert not gauges.available
        (record,) = [r for r in caplog.records if "queue gauges disabled" in r.getMessage()]
        assert "animus_ops" in record.getMessage()
        assert telemetry.points("animus.queue.depth") == []
    finally:
        _db.psql(database_url, f"DROP OWNED BY {role}; DROP ROLE {role}")


# --- the span tree ---------------------------------------------------------------------------


async def test_render_span_tree_nests_and_shows_links(telemetry: Telemetry) -> None:
    tracer = telemetry.tracer()
    with tracer.start_as_current_span("agent"):
        with tracer.start_as_current_span("send q") as send:
            pass
    with tracer.start_as_current_span("worker"):
        with tracer.start_as_current_span(
            "process q", kind=SpanKind.CONSUMER, links=[Link(send.get_span_context())]
        ):
            with tracer.start_as_current_span(
                "chat m", attributes={"gen_ai.usage.input_tokens": 3}
            ):
                pass
    assert render_span_tree(telemetry.finished()) == "\n".join(
        [
            "trace 1",
            "  agent [INTERNAL]",
            "    send q [INTERNAL]",
            "trace 2",
            "  worker [INTERNAL]",
            "    process q [CONSUMER]  -> linked to 'send q' (trace 1)",
            "      chat m [INTERNAL]  gen_ai.usage.input_tokens=3",
        ]
    )


@pytest.mark.unit
async def test_render_span_tree_with_timings_folds_repeated_leaves(telemetry: Telemetry) -> None:
    tracer = telemetry.tracer()
    with tracer.start_as_current_span("worker"):
        for _ in range(3):
            with tracer.start_as_current_span("poll"):
                pass
        with tracer.start_as_current_span("process") as failing:
            failing.set_status(StatusCode.ERROR)
    plain = render_span_tree(telemetry.finished(), label=lambda s: s.name)
    assert plain.splitlines() == ["trace 1", "  worker", "    poll", "    poll", "    poll",
                                  "    process"]  # fmt: skip
    lines = render_span_tree(
        telemetry.finished(), label=lambda s: s.name, timings=True, fold=True
    ).splitlines()
    assert [re.sub(r"\d+\.\d ms", "T ms", line) for line in lines] == [
        "trace 1",
        "  worker  T ms",
        "    poll (x3)  T ms",
        "    process  T ms ERROR",
    ]

"""Telemetry set-up, GenAI and work spans and metrics, logs, and a real OTLP/HTTP export."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from opentelemetry import trace
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import animus
from animus.telemetry import (
    TelemetryConfig,
    TelemetryGuard,
    commenting_connection_class,
    genai_operation,
    init_telemetry,
    record_operation_duration,
    record_token_usage,
    record_work_lifecycle,
    register_queue_gauges,
    start_chat_span,
    start_embedding_span,
    start_work_span,
)
from animus.telemetry.genai import DURATION_BUCKETS, TOKEN_BUCKETS
from animus.telemetry.wiring import WorkTelemetry

from .otlp_receiver import otlp_http_receiver


@dataclass
class Captured:
    guard: TelemetryGuard
    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader
    logs: InMemoryLogRecordExporter

    def metric(self, name: str) -> Any:
        data = self.metrics.get_metrics_data()
        assert data is not None
        for rm in data.resource_metrics:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    if m.name == name:
                        return m
        raise AssertionError(f"no metric {name}")


@pytest.fixture
def captured() -> Iterator[Captured]:
    spans, reader, logs = (
        InMemorySpanExporter(),
        InMemoryMetricReader(),
        InMemoryLogRecordExporter(),
    )
    config = TelemetryConfig(
        exporter="none",
        set_global=False,
        instrument_asyncpg=False,
        span_exporters=[spans],
        metric_readers=[reader],
        log_exporters=[logs],
    )
    with init_telemetry(config) as guard:
        yield Captured(guard, spans, reader, logs)


@pytest.mark.unit
def test_resource_names_service_and_version(captured: Captured) -> None:
    start_chat_span("m", "openai").end()
    (span,) = captured.spans.get_finished_spans()
    assert span.resource.attributes["service.name"] == "animus"
    assert span.resource.attributes["service.version"] == animus.__version__
    assert span.instrumentation_scope.schema_url == "https://opentelemetry.io/schemas/1.40.0"


@pytest.mark.unit
def test_chat_span_attributes_and_token_usage(captured: Captured) -> None:
    span = start_chat_span("gpt-4o", "openai")
    span.set_attribute("gen_ai.response.model", "gpt-4o-2024-08-06")
    record_token_usage(span, input=1200, output=80, cache_read=1024, cache_create=16)
    span.end()
    (finished,) = captured.spans.get_finished_spans()
    assert finished.name == "chat gpt-4o"
    assert finished.kind is SpanKind.CLIENT
    assert dict(finished.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 80,
        "gen_ai.usage.cache_read.input_tokens": 1024,
        "gen_ai.usage.cache_creation.input_tokens": 16,
    }
    usage = captured.metric("gen_ai.client.token.usage")
    assert usage.unit == "{token}"
    by_type = {p.attributes["gen_ai.token.type"]: p for p in usage.data.data_points}
    assert set(by_type) == {"input", "output"}
    assert by_type["input"].sum == 1200 and by_type["output"].sum == 80
    assert list(by_type["input"].explicit_bounds) == list(TOKEN_BUCKETS)
    assert by_type["input"].attributes["gen_ai.operation.name"] == "chat"
    assert by_type["input"].attributes["gen_ai.provider.name"] == "openai"
    assert by_type["input"].attributes["gen_ai.response.model"] == "gpt-4o-2024-08-06"


@pytest.mark.unit
def test_operation_duration_buckets_and_error_type(captured: Captured) -> None:
    record_operation_duration("embeddings", "local", 0.05, model="all-MiniLM-L6-v2")
    record_operation_duration("chat", "openai", 2.0, model="gpt-4o", error_type="APITimeoutError")
    duration = captured.metric("gen_ai.client.operation.duration")
    assert duration.unit == "s"
    points = {p.attributes["gen_ai.operation.name"]: p for p in duration.data.data_points}
    assert list(points["chat"].explicit_bounds) == list(DURATION_BUCKETS)
    assert points["chat"].attributes["error.type"] == "APITimeoutError"
    assert "error.type" not in points["embeddings"].attributes
    assert points["embeddings"].attributes["gen_ai.request.model"] == "all-MiniLM-L6-v2"


@pytest.mark.unit
def test_genai_operation_records_failure(captured: Captured) -> None:
    class RateLimitError(Exception):
        pass

    with pytest.raises(RateLimitError):
        with genai_operation("embeddings", "text-embedding-3-small", "openai"):
            raise RateLimitError("slow down")
    (span,) = captured.spans.get_finished_spans()
    assert span.name == "embeddings text-embedding-3-small"
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "RateLimitError"
    (point,) = captured.metric("gen_ai.client.operation.duration").data.data_points
    assert point.attributes["error.type"] == "RateLimitError"
    assert point.count == 1


@pytest.mark.unit
def test_genai_operation_success(captured: Captured) -> None:
    with genai_operation("embeddings", "mini", "local") as op:
        op.set_response_model("mini-v2")
        op.record_usage(input=12)
    (span,) = captured.spans.get_finished_spans()
    assert span.status.status_code is StatusCode.UNSET
    assert span.attributes["gen_ai.usage.input_tokens"] == 12
    (point,) = captured.metric("gen_ai.client.operation.duration").data.data_points
    assert point.attributes["gen_ai.response.model"] == "mini-v2"
    assert "error.type" not in point.attributes
    assert start_embedding_span("mini", "local").name == "embeddings mini"  # type: ignore[attr-defined]


def _traceparent(span: trace.Span) -> str:
    ctx = span.get_span_context()
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"


@pytest.mark.unit
def test_work_spans_link_process_to_submitter(captured: Captured) -> None:
    # send, receive and settle as Db opens them (WorkTelemetry); process as a worker does.
    work = WorkTelemetry()
    work_id = uuid.uuid4()
    with work.send(["jobs"], "summarise", None) as sending:
        sending.set("messaging.message.id", "7")
    send = sending.span
    with work.receive("jobs"):
        process = start_work_span("summarise", work_id, _traceparent(send), queue="jobs", msg_id=7)
        with trace.use_span(process, end_on_exit=True):
            record_work_lifecycle(work_id, "queued", "running", work_type="summarise")
            with work.settle("complete", work_id, "jobs", 7):
                pass
    spans = {s.name.split()[0]: s for s in captured.spans.get_finished_spans()}
    assert spans["send"].kind is SpanKind.PRODUCER
    assert spans["receive"].kind is SpanKind.CLIENT
    assert spans["process"].kind is SpanKind.CONSUMER
    assert spans["settle"].kind is SpanKind.CLIENT
    proc = spans["process"]
    assert proc.name == "process jobs"
    assert dict(proc.attributes or {}) == {
        "messaging.system": "pgmq",
        "messaging.operation.name": "process",
        "messaging.operation.type": "process",
        "messaging.destination.name": "jobs",
        "messaging.message.id": "7",
        "animus.work.id": str(work_id),
        "animus.work.type": "summarise",
    }
    (link,) = proc.links
    assert link.context.span_id == spans["send"].context.span_id
    assert link.context.trace_id == spans["send"].context.trace_id
    # default: the parent is the worker's own context (the receive span), not the submitter
    assert proc.parent is not None and proc.parent.span_id == spans["receive"].context.span_id
    assert spans["settle"].attributes["messaging.operation.type"] == "settle"
    assert spans["settle"].attributes["messaging.operation.name"] == "complete"
    (event,) = proc.events
    assert event.name == "animus.work.transition"
    assert event.attributes["animus.work.state.to"] == "running"
    (point,) = captured.metric("animus.work.transitions").data.data_points
    assert point.value == 1
    assert dict(point.attributes) == {
        "animus.work.state.from": "queued",
        "animus.work.state.to": "running",
        "animus.work.type": "summarise",
    }


@pytest.mark.unit
def test_process_span_can_parent_on_submitter_and_ignores_bad_traceparent(
    captured: Captured,
) -> None:
    with WorkTelemetry().send(["jobs"], None, None) as sending:
        pass
    send = sending.span
    child = start_work_span("t", "id-1", _traceparent(send), parent_on_submitter=True)
    child.end()
    orphan = start_work_span("t", "id-2", "00-not-a-traceparent")
    orphan.end()
    assert child.parent is not None and child.parent.span_id == send.get_span_context().span_id  # type: ignore[attr-defined]
    assert child.get_span_context().trace_id == send.get_span_context().trace_id
    assert orphan.links == ()  # type: ignore[attr-defined]
    assert orphan.name == "process t"  # type: ignore[attr-defined]


@pytest.mark.unit
def test_queue_gauges_read_the_supplied_overview(captured: Captured) -> None:
    rows = [
        {
            "queue_name": "jobs",
            "queued": 3,
            "running": 1,
            "dead": 0,
            "merged": 2,
            "oldest_queued_age": 4.5,
            "queue_length": 3,
        }
    ]
    register_queue_gauges(lambda: rows)
    depth = captured.metric("animus.queue.depth")
    assert depth.unit == "{message}"
    values = {p.attributes["animus.work.state"]: p.value for p in depth.data.data_points}
    assert values == {"queued": 3, "running": 1, "dead": 0, "merged": 2}
    (age,) = captured.metric("animus.queue.oldest_age").data.data_points
    assert age.value == 4.5 and age.attributes["messaging.destination.name"] == "jobs"


@pytest.mark.unit
def test_logging_is_bridged_with_trace_ids(captured: Captured) -> None:
    log = logging.getLogger("animus.test")
    log.setLevel(logging.INFO)
    with captured.guard.tracer_provider.get_tracer("t").start_as_current_span("op") as span:  # type: ignore[union-attr]
        log.warning("queue %s is slow", "jobs")
    records = [
        r for r in captured.logs.get_finished_logs() if r.log_record.body == "queue jobs is slow"
    ]
    (record,) = records
    assert record.log_record.severity_text == "WARNING"
    assert record.log_record.trace_id == span.get_span_context().trace_id
    assert record.log_record.span_id == span.get_span_context().span_id


@pytest.mark.unit
def test_disabled_exports_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    spans = InMemorySpanExporter()
    with init_telemetry(TelemetryConfig(set_global=False, span_exporters=[spans])) as guard:
        assert not guard.enabled
        span = start_chat_span("m", "p")
        assert not span.is_recording()
        span.end()
    assert spans.get_finished_spans() == ()


async def test_otlp_http_export_reaches_a_receiver(database_url: str) -> None:
    with otlp_http_receiver() as receiver:
        config = TelemetryConfig(
            exporter="otlp",
            otlp_protocol="http/protobuf",
            otlp_endpoint=receiver.url,
            set_global=False,
            service_name="animus-otlp-test",
        )
        with init_telemetry(config) as guard:
            tracer = guard.tracer_provider.get_tracer("t")  # type: ignore[union-attr]
            with tracer.start_as_current_span("agent"):
                span = start_chat_span("gpt-4o", "openai")
                record_token_usage(span, 10, 2)
                span.end()
                conn = await asyncpg.connect(database_url)
                try:
                    assert await conn.fetchval("SELECT $1::int + 1", 41) == 42
                finally:
                    await conn.close()
        # shutdown flushed the batch processor
    names = {s.name: s for s in receiver.spans}
    assert "/v1/traces" in receiver.paths
    chat = names["chat gpt-4o"]
    assert chat.kind == 3  # SPAN_KIND_CLIENT
    assert chat.attributes["gen_ai.usage.input_tokens"] == 10
    assert chat.attributes["gen_ai.provider.name"] == "openai"
    assert chat.resource["service.name"] == "animus-otlp-test"
    db_spans = [
        s
        for s in receiver.spans
        if s.attributes.get("db.system") == "postgresql"
        or s.attributes.get("db.system.name") == "postgresql"
    ]
    assert db_spans, [s.name for s in receiver.spans]
    assert db_spans[0].trace_id == names["agent"].trace_id


async def test_sql_comment_names_the_database_span(database_url: str) -> None:
    """With the asyncpg instrumentation on, the traceparent in the comment is the DB span's."""
    spans = InMemorySpanExporter()
    config = TelemetryConfig(exporter="none", set_global=False, span_exporters=[spans])
    with init_telemetry(config) as guard:
        pool = await asyncpg.create_pool(
            database_url, min_size=1, max_size=2, connection_class=commenting_connection_class()
        )
        try:
            tracer = guard.tracer_provider.get_tracer("t")  # type: ignore[union-attr]
            with tracer.start_as_current_span("agent"):
                seen = await pool.fetchval("SELECT current_query()")
        finally:
            await pool.close()
    match = re.search(r"traceparent='00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}'", seen)
    assert match, seen
    by_id = {f"{s.context.span_id:016x}": s for s in spans.get_finished_spans()}
    db_span = by_id[match[2]]
    assert db_span.kind is SpanKind.CLIENT
    assert db_span.attributes["db.statement"] == "SELECT current_query()"
    assert db_span.parent is not None
    assert by_id[f"{db_span.parent.span_id:016x}"].name == "agent"

"""sqlcommenter: the comment format, when it is added, and what pg_stat_activity shows."""

from __future__ import annotations

import asyncio
import re

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, TraceState, use_span

from animus.telemetry.sqlcommenter import (
    SqlCommenter,
    add_sql_comment,
    commenting_connection_class,
    format_sql_comment,
)

TRACEPARENT_IN_COMMENT = re.compile(r"traceparent='00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})'")


@pytest.fixture
def tracer() -> TracerProvider:
    return TracerProvider()


@pytest.mark.unit
def test_keys_sorted_values_encoded_and_quoted() -> None:
    comment = format_sql_comment(
        {
            "traceparent": "00-ab-cd-01",
            "application": "my app/1",
            "db_driver": "asyncpg:0.32.0",
            "tracestate": "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
        }
    )
    assert comment == (
        "/*application='my%20app%2F1',db_driver='asyncpg%3A0.32.0',"
        "traceparent='00-ab-cd-01',tracestate='congo%3Dt61rcWkgMzE%2Crojo%3D00f067aa0ba902b7'*/"
    )


@pytest.mark.unit
def test_single_quote_is_encoded_and_empty_values_dropped() -> None:
    assert format_sql_comment({"application": "it's", "tracestate": ""}) == (
        "/*application='it%27s'*/"
    )
    assert format_sql_comment({}) == ""


@pytest.mark.unit
def test_comment_goes_before_trailing_semicolon() -> None:
    fields = {"application": "a"}
    assert add_sql_comment("SELECT 1;  \n", fields) == "SELECT 1/*application='a'*/;"
    assert add_sql_comment("SELECT 1 ", fields) == "SELECT 1/*application='a'*/"
    assert (
        add_sql_comment("SELECT 1; SELECT 2;", fields) == "SELECT 1; SELECT 2/*application='a'*/;"
    )


@pytest.mark.unit
def test_statement_with_comment_is_left_alone() -> None:
    for sql in ("SELECT 1 /* mine */", "SELECT 1 -- mine", "/*a='b'*/ SELECT 1"):
        assert add_sql_comment(sql, {"application": "a"}) == sql


@pytest.mark.unit
def test_comment_carries_the_current_sampled_span(tracer: TracerProvider) -> None:
    commenter = SqlCommenter(application="animus-test", db_driver="asyncpg:x")
    with tracer.get_tracer("t").start_as_current_span("op") as span:
        ctx = span.get_span_context()
        sql = commenter.comment("SELECT 1;")
    assert sql == (
        "SELECT 1/*application='animus-test',db_driver='asyncpg%3Ax',"
        f"traceparent='00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}'*/;"
    )


@pytest.mark.unit
def test_tracestate_is_carried() -> None:
    ctx = SpanContext(
        0xABC,
        0xDEF,
        is_remote=False,
        trace_flags=TraceFlags(1),
        trace_state=TraceState([("rojo", "00f067aa0ba902b7")]),
    )
    provider = TracerProvider()
    with use_span(NonRecordingSpan(ctx)):
        # a recording child of a context with tracestate inherits it
        with provider.get_tracer("t").start_as_current_span("child"):
            sql = SqlCommenter().comment("SELECT 1")
    assert "tracestate='rojo%3D00f067aa0ba902b7'" in sql


@pytest.mark.unit
def test_no_comment_without_span_unsampled_or_off(tracer: TracerProvider) -> None:
    commenter = SqlCommenter()
    assert commenter.comment("SELECT 1") == "SELECT 1"
    with tracer.get_tracer("t").start_as_current_span("op"):
        assert SqlCommenter(enabled=False).comment("SELECT 1") == "SELECT 1"
    unsampled = TracerProvider(sampler=ALWAYS_OFF)
    with unsampled.get_tracer("t").start_as_current_span("op"):
        assert commenter.comment("SELECT 1") == "SELECT 1"


async def test_pg_stat_activity_shows_the_comment(
    database_url: str, tracer: TracerProvider
) -> None:
    conn = await asyncpg.connect(
        database_url, connection_class=commenting_connection_class(SqlCommenter())
    )
    watcher = await asyncpg.connect(database_url)
    try:
        with tracer.get_tracer("t").start_as_current_span("agent") as span:
            ctx = span.get_span_context()
            sleeper = asyncio.create_task(conn.fetchval("SELECT pg_sleep($1::float8)", 1.0))
            seen = None
            for _ in range(50):
                await asyncio.sleep(0.05)
                seen = await watcher.fetchval(
                    "SELECT query FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
                    conn.get_server_pid(),
                )
                if seen:
                    break
            await sleeper
        assert seen is not None
        assert seen.startswith("SELECT pg_sleep($1::float8)/*application='animus',")
        match = TRACEPARENT_IN_COMMENT.search(seen)
        assert match, seen
        assert match[1] == f"{ctx.trace_id:032x}"
        assert match[2] == f"{ctx.span_id:016x}"
        assert int(match[3], 16) & 1, "the sampled flag is set"
        # the same text without a span is sent uncommented and stays cacheable
        assert await conn.fetchval("SELECT $1::text", "x") == "x"
        with tracer.get_tracer("t").start_as_current_span("agent"):
            assert await conn.fetchval("SELECT $1::text", "y") == "y"
            # what submit_work will parse: current_query() holds the comment, on both paths
            prepared = await conn.fetchval("SELECT current_query()")
            await conn.execute("SELECT set_config('animus.test_q', current_query(), false)")
        simple = await conn.fetchval("SELECT current_setting('animus.test_q')")
        assert TRACEPARENT_IN_COMMENT.search(prepared), prepared
        assert simple.startswith("SELECT set_config('animus.test_q', current_query(), false)/*")
        assert TRACEPARENT_IN_COMMENT.search(simple), simple
        # commented statements went unnamed, so only the plain text is cached
        cached = [s.query for s in conn._stmt_cache.iter_statements()]
        assert "SELECT $1::text" in cached
        assert not any("traceparent" in q for q in cached)
    finally:
        await conn.close()
        await watcher.close()

"""Client throughput: the animus Python client against raw asyncpg, with and without trace
comments, and against the official pgmq client's async ``send``.

Every side runs from an asyncpg pool of ``c`` connections with ``c`` tasks, so pool acquire and
release are paid alike. Each call submits a fresh dedup key (no merges) to the same queue.
"""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import asyncpg
from _harness import Pair, Side, alternate
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased, TraceIdRatioBased

import animus
from animus import sql
from animus.telemetry import (
    SqlCommenter,
    TelemetryConfig,
    commenting_connection_class,
    init_telemetry,
)

_seq = itertools.count()


def _item(queue: str) -> animus.NewWorkItem:
    return animus.NewWorkItem(
        queue_name=queue,
        work_type="bench",
        source="bench",
        params={"n": next(_seq), "text": "summarise the nightly report"},
        dedup_key=uuid.uuid4().hex,
    )


async def _pool(url: str, size: int, **kwargs: Any) -> asyncpg.Pool:
    pool: asyncpg.Pool = await asyncpg.create_pool(url, min_size=size, max_size=size, **kwargs)
    return pool


async def _client(url: str, size: int, **kwargs: Any) -> tuple[animus.Db, asyncpg.Pool]:
    pool = await _pool(url, size, init=animus.init_connection, **kwargs)
    return await animus.Db.connect(pool=pool), pool


async def _client_vs_raw(url: str, queue: str, c: int, rounds: int, seconds: float) -> Pair:
    db, db_pool = await _client(url, c)
    raw = await _pool(url, c)
    try:

        async def client_submit(_: Any, i: int) -> int:
            await db.submit_work(_item(queue))
            return 1

        async def raw_submit(_: Any, i: int) -> int:
            # the client's own statement text and arguments, sent by asyncpg directly
            await raw.fetchrow(
                sql.SUBMIT_WORK,
                queue,
                "bench",
                "bench",
                json.dumps({"n": next(_seq), "text": "summarise the nightly report"}),
                uuid.uuid4().hex,
                None,
                0,
                None,
                None,
                0,
            )
            return 1

        return await alternate(
            Pair(
                "client submit_work vs raw asyncpg (same SQL)",
                c,
                Side("animus.Db.submit_work", client_submit),
                Side("asyncpg fetchrow", raw_submit),
                0.9,
            ),
            list(range(c)),
            rounds=rounds,
            seconds=seconds,
        )
    finally:
        await db_pool.close()
        await raw.close()


async def _comments(
    url: str, queue: str, c: int, rounds: int, seconds: float, ratio: float
) -> Pair:
    """Telemetry on (asyncpg instrumentation, a recording span per call) in both sides; the
    sqlcommenter on in one, off in the other."""
    sampler = ALWAYS_ON if ratio >= 1 else ParentBased(TraceIdRatioBased(ratio))
    guard = init_telemetry(
        TelemetryConfig(exporter="none", sampler=sampler, bridge_logging=False, set_global=False)
    )
    on = off = None
    try:
        on, on_pool = await _client(
            url, c, connection_class=commenting_connection_class(SqlCommenter(enabled=True))
        )
        off, off_pool = await _client(
            url, c, connection_class=commenting_connection_class(SqlCommenter(enabled=False))
        )
        assert guard.tracer_provider is not None
        tracer = guard.tracer_provider.get_tracer("bench")

        async def with_comment(_: Any, i: int) -> int:
            with tracer.start_as_current_span("agent step"):
                await on.submit_work(_item(queue))
            return 1

        async def without_comment(_: Any, i: int) -> int:
            with tracer.start_as_current_span("agent step"):
                await off.submit_work(_item(queue))
            return 1

        return await alternate(
            Pair(
                f"trace comments on vs off ({ratio:.0%} sampled)",
                c,
                Side("sqlcommenter on", with_comment),
                Side("sqlcommenter off", without_comment),
                0.9,
            ),
            list(range(c)),
            rounds=rounds,
            seconds=seconds,
        )
    finally:
        if on is not None:
            await on_pool.close()
        if off is not None:
            await off_pool.close()
        guard.shutdown()


async def _client_vs_pgmq(url: str, queue: str, c: int, rounds: int, seconds: float) -> Pair:
    from pgmq.async_queue import PGMQueue

    db, db_pool = await _client(url, c)
    raw_pool = await _pool(url, c)
    pgmq_client = PGMQueue(pool=raw_pool)
    await pgmq_client.init()
    raw_queue = f"{queue}_pgmq"
    await raw_pool.execute("SELECT pgmq.create($1)", raw_queue)
    try:

        async def animus_submit(_: Any, i: int) -> int:
            await db.submit_work(_item(queue))
            return 1

        async def pgmq_send(_: Any, i: int) -> int:
            await pgmq_client.send(
                raw_queue, {"n": next(_seq), "text": "summarise the nightly report"}
            )
            return 1

        return await alternate(
            Pair(
                "client submit_work vs pgmq client send",
                c,
                Side("animus.Db.submit_work", animus_submit),
                Side("pgmq.async_queue.PGMQueue.send", pgmq_send),
            ),
            list(range(c)),
            rounds=rounds,
            seconds=seconds,
        )
    finally:
        await db_pool.close()
        await raw_pool.close()


async def client_benchmarks(
    url: str, levels: list[int], *, rounds: int, seconds: float, sampled: list[float]
) -> list[Pair]:
    admin = await asyncpg.connect(url)
    try:
        pairs: list[Pair] = []
        for c in levels:
            queue = f"bench_client_{c}"
            await admin.execute("SELECT animus.create_queue($1)", queue)
            pairs.append(await _client_vs_raw(url, queue, c, rounds, seconds))
            for ratio in sampled:
                pairs.append(await _comments(url, queue, c, rounds, seconds, ratio))
            pairs.append(await _client_vs_pgmq(url, queue, c, rounds, seconds))
        return pairs
    finally:
        await admin.close()

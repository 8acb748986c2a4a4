"""Queue throughput: animus's SQL functions against raw pgmq, and submit cost at scale."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import asyncpg
from _harness import Pair, Side, alternate

SUBMIT = (
    "SELECT * FROM animus.submit_work(queue_name => $1::text, work_type => $2::text, "
    "source => $3::text, params => $4::jsonb, dedup_key => $5::text)"
)
SUBMIT_BATCH = "SELECT * FROM animus.submit_work_batch(items => $1::jsonb)"
READ = "SELECT * FROM animus.read_work(queue_name => $1::text, vt_seconds => 30, qty => 1)"
#: With the delivery's lease, as the client sends it.
COMPLETE = "SELECT animus.complete_work(work_id => $1::uuid, lease => $2::integer)"
RAW_SEND = "SELECT pgmq.send($1::text, $2::jsonb)"
RAW_SEND_BATCH = "SELECT pgmq.send_batch($1::text, $2::jsonb[])"
RAW_READ = "SELECT msg_id FROM pgmq.read($1::text, 30, 1)"
RAW_ARCHIVE = "SELECT pgmq.archive($1::text, $2::bigint)"

BATCH = 100
_seq = itertools.count()


def _params() -> str:
    return json.dumps({"n": next(_seq), "text": "summarise the nightly report"})


async def _connect(url: str, n: int) -> list[asyncpg.Connection]:
    return [await asyncpg.connect(url) for _ in range(n)]


async def _top_up(conn: asyncpg.Connection, animus_q: str, raw_q: str, want: int) -> None:
    """Keep at least ``want`` visible messages in both queues (outside the timed rounds)."""
    have = await conn.fetchval(f"SELECT count(*) FROM pgmq.{'q_' + animus_q} WHERE vt <= now()")
    missing = want - have
    while missing > 0:
        n = min(missing, 1000)
        items = [
            {"queue_name": animus_q, "work_type": "bench", "source": "bench", "params": {"i": i}}
            for i in range(n)
        ]
        await conn.execute(SUBMIT_BATCH, json.dumps(items))
        missing -= n
    have = await conn.fetchval(f"SELECT count(*) FROM pgmq.{'q_' + raw_q} WHERE vt <= now()")
    missing = want - have
    while missing > 0:
        n = min(missing, 1000)
        await conn.execute(RAW_SEND_BATCH, raw_q, [json.dumps({"i": i}) for i in range(n)])
        missing -= n


async def throughput_benchmarks(
    url: str, levels: list[int], *, rounds: int, seconds: float
) -> list[Pair]:
    admin = await asyncpg.connect(url)
    pairs: list[Pair] = []
    try:
        for c in levels:
            conns = await _connect(url, c)
            try:
                q = f"bench_submit_{c}"
                await admin.execute("SELECT animus.create_queue($1)", q)

                async def submit(conn: asyncpg.Connection, i: int, q: str = q) -> int:
                    await conn.fetchrow(SUBMIT, q, "bench", "bench", _params(), uuid.uuid4().hex)
                    return 1

                async def send(conn: asyncpg.Connection, i: int, q: str = q) -> int:
                    await conn.fetchval(RAW_SEND, q, _params())
                    return 1

                pairs.append(
                    await alternate(
                        Pair(
                            "submit_work vs pgmq.send",
                            c,
                            Side("submit_work", submit),
                            Side("pgmq.send", send),
                            0.8,
                        ),
                        conns,
                        rounds=rounds,
                        seconds=seconds,
                    )
                )

                async def submit_batch(conn: asyncpg.Connection, i: int, q: str = q) -> int:
                    items = [
                        {
                            "queue_name": q,
                            "work_type": "bench",
                            "source": "bench",
                            "params": {"n": next(_seq)},
                            "dedup_key": uuid.uuid4().hex,
                        }
                        for _ in range(BATCH)
                    ]
                    await conn.fetch(SUBMIT_BATCH, json.dumps(items))
                    return BATCH

                async def send_batch(conn: asyncpg.Connection, i: int, q: str = q) -> int:
                    await conn.fetch(
                        RAW_SEND_BATCH, q, [json.dumps({"n": next(_seq)}) for _ in range(BATCH)]
                    )
                    return BATCH

                pairs.append(
                    await alternate(
                        Pair(
                            f"submit_work_batch vs pgmq.send_batch ({BATCH})",
                            c,
                            Side("submit_work_batch", submit_batch),
                            Side("pgmq.send_batch", send_batch),
                            0.7,
                        ),
                        conns,
                        rounds=rounds,
                        seconds=seconds,
                    )
                )

                aq, rq = f"bench_read_a_{c}", f"bench_read_r_{c}"
                await admin.execute("SELECT animus.create_queue($1)", aq)
                await admin.execute("SELECT pgmq.create($1)", rq)

                async def read_complete(conn: asyncpg.Connection, i: int, q: str = aq) -> int:
                    row = await conn.fetchrow(READ, q)
                    if row is None:
                        return 0
                    await conn.fetchval(COMPLETE, row["id"], row["lease"])
                    return 1

                async def read_archive(conn: asyncpg.Connection, i: int, q: str = rq) -> int:
                    msg_id = await conn.fetchval(RAW_READ, q)
                    if msg_id is None:
                        return 0
                    await conn.fetchval(RAW_ARCHIVE, q, msg_id)
                    return 1

                want = max(2000, int(seconds * 4000))

                async def refill(aq: str = aq, rq: str = rq, want: int = want) -> None:
                    await _top_up(admin, aq, rq, want)

                pairs.append(
                    await alternate(
                        Pair(
                            "read_work+complete_work vs pgmq.read+archive",
                            c,
                            Side("read+complete", read_complete),
                            Side("pgmq.read+archive", read_archive),
                            0.7,
                        ),
                        conns,
                        rounds=rounds,
                        seconds=seconds,
                        between=refill,
                    )
                )
            finally:
                for conn in conns:
                    await conn.close()
    finally:
        await admin.close()
    return pairs


async def _fill_history(url: str, rows: int) -> None:
    """Give work_items ``rows`` resolved rows of history (as an operator's table would have)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            """
            INSERT INTO animus.work_items (queue_name, work_type, dedup_key, source, params, state,
                                           attempts, resolved_at)
            SELECT 'bench_scale', 'bench', 'hist-' || g, 'bench', jsonb_build_object('i', g),
                   'completed', 1, now()
            FROM generate_series(1, $1::int) AS g
            """,
            rows,
        )
        await conn.execute("VACUUM ANALYZE animus.work_items")
    finally:
        await conn.close()


async def scale_benchmark(url: str, *, quick: bool, rounds: int, seconds: float) -> dict[str, Any]:
    """Submit throughput with 10k vs 1M rows already in work_items, in two databases, alternated."""
    import run  # the fresh_database helper lives in bench/run.py

    small_rows, large_rows = (10_000, 200_000) if quick else (10_000, 1_000_000)
    names: list[str] = []
    try:
        small_name, small_url = run.fresh_database()
        names.append(small_name)
        large_name, large_url = run.fresh_database()
        names.append(large_name)
        await _fill_history(small_url, small_rows)
        await _fill_history(large_url, large_rows)
        small = await _connect(small_url, 8)
        large = await _connect(large_url, 8)
        for conns in (small[:1], large[:1]):
            await conns[0].execute("SELECT animus.create_queue('bench_scale')")
        both = list(zip(small, large, strict=True))

        async def on(db: int, conn: Any, i: int) -> int:
            await conn[db].fetchrow(
                SUBMIT, "bench_scale", "bench", "bench", _params(), uuid.uuid4().hex
            )
            return 1

        async def on_small(conn: Any, i: int) -> int:
            return await on(0, conn, i)

        async def on_large(conn: Any, i: int) -> int:
            return await on(1, conn, i)

        pair = await alternate(
            Pair(
                f"submit at {large_rows:,} rows vs {small_rows:,}",
                8,
                Side("large", on_large),
                Side("small", on_small),
            ),
            both,
            rounds=rounds,
            seconds=seconds,
        )
        for conn in small + large:
            await conn.close()
        return {
            "rows_small": small_rows,
            "rows_large": large_rows,
            "submit_ops_per_s_small": pair.b.median,
            "submit_ops_per_s_large": pair.a.median,
            "ratio_large_to_small": pair.ratio,
        }
    finally:
        for name in names:
            run._script("dropdb", name)

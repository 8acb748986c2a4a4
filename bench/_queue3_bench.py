"""Priority at read, submit and the worker: this version against v0.2.0's functions and raw pgmq.

``before`` pairs run v0.2.0's read_work / submit_work / submit_work_batch (loaded from
``deploy/*@v0.2.0.sql`` into a schema ``animus_bench`` of the throwaway database) on a queue
without the priority index, against this version's functions on a queue with it, so the cost
of priority at read (an index entry per message, the ordered read) is measured side by side.
``worker`` drains a backlog with the library worker (``concurrency`` 16, completing in batches
or one by one) and with a raw pgmq loop (read 16, archive them in one call), in items/s.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from _harness import Pair, Side, alternate
from _queue_bench import COMPLETE, READ, SUBMIT_BATCH

import animus
from animus.worker import Worker

ROOT = Path(__file__).resolve().parent.parent
BATCH = 100

# The same statements as the throughput part; the v0.2.0 sides call the copies in animus_bench.
NEW_READ = READ
OLD_READ = READ.replace("animus.read_work", "animus_bench.read_work")
NEW_SUBMIT = (
    "SELECT * FROM animus.submit_work(queue_name => $1::text, work_type => 'bench', "
    "source => 'bench', params => $2::jsonb, dedup_key => $3::text, priority => $4::integer)"
)
OLD_SUBMIT = NEW_SUBMIT.replace("animus.submit_work", "animus_bench.submit_work")
NEW_BATCH = SUBMIT_BATCH
OLD_BATCH = SUBMIT_BATCH.replace("animus.submit_work_batch", "animus_bench.submit_work_batch")


async def _load_v020(conn: asyncpg.Connection) -> None:
    """v0.2.0's functions under animus_bench, calling today's private helpers (unchanged)."""
    await conn.execute("CREATE SCHEMA IF NOT EXISTS animus_bench")
    for change, name in (
        ("function_read_work", "read_work"),
        ("function_submit_work", "submit_work"),
        ("function_submit_work_batch", "submit_work_batch"),
    ):
        text = (ROOT / "deploy" / f"{change}@v0.2.0.sql").read_text()
        text = text.replace(f"animus.{name}(", f"animus_bench.{name}(")
        await conn.execute(text)


async def _queue(conn: asyncpg.Connection, name: str, *, index: bool) -> str:
    await conn.execute("SELECT animus.create_queue($1)", name)
    if not index:
        await conn.execute(f"DROP INDEX IF EXISTS pgmq.animus_priority_{name}")
    return name


async def _fill(conn: asyncpg.Connection, query: str, queue: str, want: int) -> None:
    have = await conn.fetchval(f"SELECT count(*) FROM pgmq.q_{queue} WHERE vt <= now()")
    while have < want:
        n = min(want - have, 1000)
        items = [
            {"queue_name": queue, "work_type": "bench", "source": "bench", "priority": i % 5}
            for i in range(n)
        ]
        await conn.execute(query, json.dumps(items))
        have += n


async def _pairs_at(
    admin: asyncpg.Connection,
    conns: list[asyncpg.Connection],
    c: int,
    *,
    rounds: int,
    seconds: float,
) -> list[Pair]:
    pairs: list[Pair] = []
    new_q = await _queue(admin, f"b3_new_{c}", index=True)
    old_q = await _queue(admin, f"b3_old_{c}", index=False)

    async def read_new(conn: Any, i: int) -> int:
        row = await conn.fetchrow(NEW_READ, new_q)
        if row is None:
            return 0
        await conn.fetchval(COMPLETE, row["id"], row["lease"])
        return 1

    async def read_old(conn: Any, i: int) -> int:
        row = await conn.fetchrow(OLD_READ, old_q)
        if row is None:
            return 0
        await conn.fetchval(COMPLETE, row["id"], row["lease"])
        return 1

    want = max(2000, int(seconds * 4000))

    async def refill() -> None:
        await _fill(admin, NEW_BATCH, new_q, want)
        await _fill(admin, OLD_BATCH, old_q, want)

    pairs.append(
        await alternate(
            Pair(
                "read+complete: priority vs v0.2.0 (no index)",
                c,
                Side("priority", read_new),
                Side("v0.2.0", read_old),
            ),
            conns,
            rounds=rounds,
            seconds=seconds,
            between=refill,
        )
    )

    async def submit_new(conn: Any, i: int) -> int:
        await conn.fetchrow(NEW_SUBMIT, new_q, '{"n": 1}', uuid.uuid4().hex, i % 5)
        return 1

    async def submit_old(conn: Any, i: int) -> int:
        await conn.fetchrow(OLD_SUBMIT, old_q, '{"n": 1}', uuid.uuid4().hex, i % 5)
        return 1

    pairs.append(
        await alternate(
            Pair(
                "submit_work: this vs v0.2.0",
                c,
                Side("this", submit_new),
                Side("v0.2.0", submit_old),
            ),
            conns,
            rounds=rounds,
            seconds=seconds,
        )
    )

    def batch(queue: str) -> str:
        return json.dumps(
            [
                {
                    "queue_name": queue,
                    "work_type": "bench",
                    "source": "bench",
                    "params": {"n": n},
                    "dedup_key": uuid.uuid4().hex,
                    "priority": n % 5,
                }
                for n in range(BATCH)
            ]
        )

    async def batch_new(conn: Any, i: int) -> int:
        await conn.fetch(NEW_BATCH, batch(new_q))
        return BATCH

    async def batch_old(conn: Any, i: int) -> int:
        await conn.fetch(OLD_BATCH, batch(old_q))
        return BATCH

    pairs.append(
        await alternate(
            Pair(
                f"submit_work_batch ({BATCH}): this vs v0.2.0",
                c,
                Side("this", batch_new),
                Side("v0.2.0", batch_old),
            ),
            conns,
            rounds=rounds,
            seconds=seconds,
        )
    )
    return pairs


async def before_after_benchmarks(
    url: str, levels: list[int], *, rounds: int, seconds: float
) -> list[Pair]:
    admin = await asyncpg.connect(url)
    pairs: list[Pair] = []
    try:
        await _load_v020(admin)
        for c in levels:
            conns = [await asyncpg.connect(url) for _ in range(c)]
            try:
                pairs += await _pairs_at(admin, conns, c, rounds=rounds, seconds=seconds)
            finally:
                for conn in conns:
                    await conn.close()
    finally:
        await admin.close()
    return pairs


async def _drain_worker(url: str, queue: str, n: int, batch_complete: bool) -> float:
    db = await animus.Db.connect(url, min_size=2, max_size=4)
    try:

        async def handler(_db: animus.Db, item: animus.WorkItem) -> None:
            return None

        worker = Worker(
            db,
            [queue],
            handler,
            concurrency=16,
            poll_interval=0.05,
            listen=False,
            batch_complete=batch_complete,
        )
        started = time.perf_counter()
        stats = await worker.run(until_empty=True)
        elapsed = time.perf_counter() - started
        assert stats.completed == n, (stats.completed, n)
        return n / elapsed
    finally:
        await db.close()


async def _drain_raw(url: str, queue: str, n: int) -> float:
    conn = await asyncpg.connect(url)
    try:
        done = 0
        started = time.perf_counter()
        while True:
            ids = [
                r["msg_id"]
                for r in await conn.fetch("SELECT msg_id FROM pgmq.read($1, 30, 16)", queue)
            ]
            if not ids:
                break
            await conn.fetch("SELECT pgmq.archive($1, $2::bigint[])", queue, ids)
            done += len(ids)
        elapsed = time.perf_counter() - started
        assert done == n, (done, n)
        return n / elapsed
    finally:
        await conn.close()


async def worker_benchmark(url: str, *, quick: bool, rounds: int) -> dict[str, Any]:
    """Items/s draining a backlog: the worker (batched / single completes) vs a raw pgmq loop."""
    n = 1000 if quick else 3000
    admin = await asyncpg.connect(url)
    rates: dict[str, list[float]] = {"batched": [], "single": [], "raw": []}
    try:
        for r in range(rounds):
            sides = ["batched", "single", "raw"]
            for side in sides if r % 2 == 0 else list(reversed(sides)):
                queue = f"bw_{side}_{r}"
                if side == "raw":
                    await admin.execute("SELECT pgmq.create($1)", queue)
                    await admin.execute(
                        "SELECT pgmq.send_batch($1, (SELECT array_agg(jsonb_build_object('i', g)) "
                        "FROM generate_series(1, $2) AS g))",
                        queue,
                        n,
                    )
                    rates[side].append(await _drain_raw(url, queue, n))
                else:
                    await admin.execute("SELECT animus.create_queue($1)", queue)
                    await _fill(admin, NEW_BATCH, queue, n)
                    rates[side].append(await _drain_worker(url, queue, n, side == "batched"))
    finally:
        await admin.close()
    medians = {k: statistics.median(v) for k, v in rates.items()}
    return {
        "items": n,
        "concurrency": 16,
        "items_per_s": medians,
        "rounds": rates,
        "batched_to_raw": medians["batched"] / medians["raw"],
        "single_to_raw": medians["single"] / medians["raw"],
        "batched_to_single": medians["batched"] / medians["single"],
    }

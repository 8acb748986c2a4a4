"""Partitioned queues (pg_partman) against unpartitioned ones, side by side, for docs/scaling.md.

    .venv/bin/python bench/partitioned.py                  # about 3 minutes on 2 cores
    .venv/bin/python bench/partitioned.py --seconds 1 --rounds 2   # a smoke run

Two queues in one throwaway database on the embedded cluster: `bench_plain` (pgmq.create) and
`bench_part` (partitioned by msg id, 100000 per partition, retention 10 partitions). Each
pair runs its sides alternately on the same connections (bench/_harness.py); pg_partman's
maintenance runs between rounds, as its background worker would, so no message lands in the
default partition. Measured: submit_work, submit_work_batch (100 items), read_work +
complete_work, and the time one partman.run_maintenance of the queue and its archive takes.
Prints a table and writes bench/results/partitioned.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Pair, Side, alternate
from _queue_bench import BATCH, COMPLETE, READ, SUBMIT, SUBMIT_BATCH, _params
from run import RESULTS, _script, fresh_database, machine

PLAIN, PART = "bench_plain", "bench_part"
MAINTAIN = "SELECT partman.run_maintenance($1::text)"


async def maintain(conn: asyncpg.Connection) -> float:
    """One maintenance of the partitioned queue and its archive; returns its seconds."""
    start = time.perf_counter()
    for table in (f"pgmq.q_{PART}", f"pgmq.a_{PART}"):
        await conn.execute(MAINTAIN, table)
    return time.perf_counter() - start


async def top_up(conn: asyncpg.Connection, want: int) -> None:
    for q in (PLAIN, PART):
        have = await conn.fetchval(f"SELECT count(*) FROM pgmq.q_{q} WHERE vt <= now()")
        while have < want:
            n = min(want - have, 1000)
            items = [
                {"queue_name": q, "work_type": "bench", "source": "bench", "params": {"i": i}}
                for i in range(n)
            ]
            await conn.execute(SUBMIT_BATCH, json.dumps(items))
            have += n
        await maintain(conn)


def submit(q: str) -> Any:
    async def op(conn: asyncpg.Connection, i: int) -> int:
        await conn.fetchrow(SUBMIT, q, "bench", "bench", _params(), None)
        return 1

    return op


def submit_batch(q: str) -> Any:
    async def op(conn: asyncpg.Connection, i: int) -> int:
        items = [
            {
                "queue_name": q,
                "work_type": "bench",
                "source": "bench",
                "params": {"n": n},
            }
            for n in range(BATCH)
        ]
        await conn.fetch(SUBMIT_BATCH, json.dumps(items))
        return BATCH

    return op


def read_complete(q: str) -> Any:
    async def op(conn: asyncpg.Connection, i: int) -> int:
        row = await conn.fetchrow(READ, q)
        if row is None:
            return 0
        await conn.execute(COMPLETE, row["id"], row["lease"])
        return 1

    return op


async def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--levels", default="1,8", help="connection counts (default 1,8)")
    opts = ap.parse_args()
    levels = [int(x) for x in opts.levels.split(",")]
    name, url = fresh_database()
    maintenance: list[float] = []
    pairs: list[Pair] = []
    try:
        admin = await asyncpg.connect(url)
        if not await admin.fetchval(
            "SELECT count(*) FROM pg_extension WHERE extname = 'pg_partman'"
        ):
            raise SystemExit(
                "pg_partman is not installed (script/setup installs it where packaged)"
            )
        await admin.execute("SELECT animus.create_queue($1)", PLAIN)
        # 100000 msg ids per partition: batch submits at 8 connections outran pgmq's default
        # of 10000 (4 premade partitions filled within one 3 s round, and the rest spilled into
        # the default partition, which then fails pg_partman's maintenance).
        await admin.execute(
            "SELECT animus.create_queue($1, partitioned => true, partition_interval => '100000')",
            PART,
        )

        async def between() -> None:
            maintenance.append(await maintain(admin))

        for c in levels:
            conns = [await asyncpg.connect(url) for _ in range(c)]
            try:
                for label, make in (
                    ("submit_work", submit),
                    (f"submit_work_batch ({BATCH})", submit_batch),
                ):
                    pairs.append(
                        await alternate(
                            Pair(
                                f"{label}: partitioned vs plain",
                                c,
                                Side("partitioned", make(PART)),
                                Side("plain", make(PLAIN)),
                            ),
                            conns,
                            rounds=opts.rounds,
                            seconds=opts.seconds,
                            between=between,
                        )
                    )
                want = max(2000, int(opts.seconds * 3000))

                async def refill(want: int = want) -> None:
                    await top_up(admin, want)
                    maintenance.append(await maintain(admin))

                pairs.append(
                    await alternate(
                        Pair(
                            "read_work+complete_work: partitioned vs plain",
                            c,
                            Side("partitioned", read_complete(PART)),
                            Side("plain", read_complete(PLAIN)),
                        ),
                        conns,
                        rounds=opts.rounds,
                        seconds=opts.seconds,
                        between=refill,
                    )
                )
            finally:
                for each in conns:
                    await each.close()
        partitions = await admin.fetchval(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = $1::regclass", f"pgmq.q_{PART}"
        )
        messages = await admin.fetchval(f"SELECT max(msg_id) FROM pgmq.q_{PART}")
        await admin.close()
    finally:
        _script("dropdb", name)
    extra = {
        "maintenance_ms_median": 1000 * statistics.median(maintenance),
        "maintenance_ms_max": 1000 * max(maintenance),
        "maintenance_runs": len(maintenance),
        "partitions_at_end": partitions,
        "max_msg_id": messages,
    }
    print(f"\n{'pair':<52} {'conns':>5} {'partitioned/s':>14} {'plain/s':>10} {'ratio':>6}")
    for p in pairs:
        rates = f"{p.a.median:>14.0f} {p.b.median:>10.0f} {p.ratio:>6.2f}"
        print(f"{p.label:<52} {p.concurrency:>5} {rates}")
    print(json.dumps(extra, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "partitioned.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "pairs": [p.as_dict() for p in pairs],
                **extra,
                "rounds": opts.rounds,
                "seconds": opts.seconds,
            },
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    asyncio.run(main())

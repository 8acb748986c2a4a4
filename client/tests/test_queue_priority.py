"""Priority at read under real concurrency, and the messages as other pgmq clients see them.

Many connections read one backlog of mixed priorities at once. SKIP LOCKED lets a reader pass
over messages another reader holds, so "highest first" is checked as what a reader can know:
within each read the deliveries come highest priority first, and a read that delivered an item
of priority p ran while no higher-priority item was free: every such item was delivered by a
read that had started before this one ended (else it sat visible and unlocked the whole time).
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import time
import uuid
from collections import Counter
from typing import Any

import asyncpg
from pgmq.async_queue import PGMQueue

from animus import Db
from animus.models import NewWorkItem

from . import _db

READERS = 16
ITEMS = 800
QTY = 5
PRIORITIES = (-1, 0, 3, 7, 50)

READ = "SELECT * FROM animus.read_work(queue_name => $1::text, vt_seconds => 300, qty => $2::int)"
SUBMIT_BATCH = "SELECT * FROM animus.submit_work_batch(items => $1::jsonb)"


async def test_concurrent_readers_take_the_highest_priority_first(database_url: str) -> None:
    conns = await _db.open_connections(database_url, READERS)
    try:
        queue = await _db.new_queue_on(conns[0], "prio")
        rng = random.Random(16)
        priorities = [rng.choice(PRIORITIES) for _ in range(ITEMS)]
        for start in range(0, ITEMS, 200):
            items = [
                {"queue_name": queue, "work_type": queue, "source": "t", "priority": p}
                for p in priorities[start : start + 200]
            ]
            await conns[0].fetch(SUBMIT_BATCH, json.dumps(items))

        reads: list[tuple[float, float, list[asyncpg.Record]]] = []
        gate = asyncio.Event()

        async def reader(conn: asyncpg.Connection) -> None:
            await gate.wait()
            while True:
                started = time.monotonic()
                rows = await conn.fetch(READ, queue, QTY)
                ended = time.monotonic()
                if not rows:
                    return
                reads.append((started, ended, rows))

        tasks = [asyncio.create_task(reader(c)) for c in conns]
        gate.set()
        await asyncio.gather(*tasks)
    finally:
        await asyncio.gather(*(c.close() for c in conns))

    delivered = [row["id"] for _, _, rows in reads for row in rows]
    assert len(delivered) == ITEMS, "every item is delivered"
    assert len(set(delivered)) == ITEMS, "no item is delivered twice"
    assert Counter(row["priority"] for _, _, rows in reads for row in rows) == Counter(priorities)

    for _, _, rows in reads:
        keys = [(-row["priority"], row["msg_id"]) for row in rows]
        assert keys == sorted(keys), "a read returns highest priority first, then oldest"

    # Every item of a higher priority than the lowest a read delivered went to a read that had
    # started before that read ended.
    for _, ended, rows in reads:
        lowest = min(row["priority"] for row in rows)
        later = [
            row["id"]
            for started, _, other in reads
            if started > ended
            for row in other
            if row["priority"] > lowest
        ]
        assert later == [], (
            f"a read that delivered priority {lowest} ended while higher-priority items were "
            f"free; they were delivered only by reads that started after it: {len(later)}"
        )
    # The test says something only if the readers really overlapped.
    overlapping = sum(1 for a in reads for b in reads if a is not b and a[0] < b[1] and b[0] < a[1])
    assert overlapping > 0


async def test_a_pgmq_client_reads_an_animus_message(db: Db, database_url: str) -> None:
    queue = await _db.new_queue(db, "prio_pgmq")
    low = await db.submit_work(NewWorkItem(queue_name=queue, work_type=queue, source="t"))
    high = await db.submit_work(
        NewWorkItem(queue_name=queue, work_type=queue, source="t", priority=9)
    )
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        client = PGMQueue(pool=pool)
        await client.init()
        messages: Any = await client.read(queue, vt=30, qty=2)
    finally:
        await pool.close()
    # The official client reads in msg_id order and sees ordinary messages.
    assert [m.msg_id for m in messages] == [low.msg_id, high.msg_id]
    assert [m.message for m in messages] == [
        {"work_id": str(low.work_id), "priority": 0},
        {"work_id": str(high.work_id), "priority": 9},
    ]
    # Reading with another client hid the messages like any read: read_work waits for the vt.
    assert await db.read_work(queue, 30, 2) == []


def test_pg_dump_keeps_the_priority_index(database_url: str) -> None:
    """pgmq 1.13's queue tables are no extension members, so a dump carries the index."""
    queue = f"prio_dump_{uuid.uuid4().hex[:12]}"
    _db.psql(database_url, f"SELECT animus.create_queue('{queue}')")
    env = _db.libpq_env(database_url)
    dump = subprocess.run(
        ["pg_dump", "--schema-only", "-t", f"pgmq.q_{queue}", env["PGDATABASE"]],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert f"CREATE INDEX animus_priority_{queue} ON pgmq.q_{queue}" in dump

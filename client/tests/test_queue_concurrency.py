"""The queue under real concurrency: many asyncpg connections against the real database.

Dedup must hold because of the UNIQUE partial index, not because of timing luck, so every
submitter starts on the same keys in the same order at the same moment.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from . import _db

#: Sizes of the races (recorded in the issue note).
SUBMITTERS = 32
KEYS = 50
READERS = 16
ITEMS_TO_DRAIN = 2000

SUBMIT = (
    "SELECT * FROM animus.submit_work(queue_name => $1::text, work_type => $2::text,"
    " source => $3::text, params => $4::jsonb, dedup_key => $5::text)"
)
SUBMIT_BATCH = "SELECT * FROM animus.submit_work_batch(items => $1::jsonb)"
READ = (
    "SELECT * FROM animus.read_work(queue_name => $1::text, vt_seconds => $2::int, qty => $3::int)"
)


@pytest.fixture
async def connections(database_url: str) -> AsyncIterator[list[asyncpg.Connection]]:
    conns = await _db.open_connections(database_url, SUBMITTERS)
    try:
        yield conns
    finally:
        await asyncio.gather(*(c.close() for c in conns))


async def start_together(
    conns: list[asyncpg.Connection],
    job: Callable[[int, asyncpg.Connection], Awaitable[list[Any]]],
) -> list[list[Any]]:
    """Run job(i, conn) on every connection, released at the same moment."""
    gate = asyncio.Event()

    async def run(i: int, conn: asyncpg.Connection) -> list[Any]:
        await gate.wait()
        return await job(i, conn)

    tasks = [asyncio.create_task(run(i, c)) for i, c in enumerate(conns)]
    await asyncio.sleep(0)
    gate.set()
    return await asyncio.gather(*tasks)


async def assert_one_active_item_per_key(
    conn: asyncpg.Connection, queue: str, submissions_per_key: Counter[str]
) -> None:
    rows = await conn.fetch(
        "SELECT id, dedup_key, state, merged_into, pgmq_msg_id FROM animus.work_items"
        " WHERE work_type = $1",
        queue,
    )
    assert {r["dedup_key"] for r in rows} == {f"key-{k}" for k in range(KEYS)}
    by_key: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        by_key.setdefault(row["dedup_key"], []).append(row)
    assert len(by_key) == KEYS
    for key, items in by_key.items():
        active = [r for r in items if r["state"] == "queued"]
        merged = [r for r in items if r["state"] == "merged"]
        assert len(active) == 1, f"key {key}: {len(active)} active items"
        assert len(merged) == submissions_per_key[key] - 1, f"key {key}: {len(merged)} merged"
        assert {r["merged_into"] for r in merged} == {active[0]["id"]}
        assert all(r["pgmq_msg_id"] is None for r in merged)
    messages = await conn.fetch(
        f"SELECT msg_id, message->>'work_id' AS work_id FROM pgmq.q_{queue}"
    )
    assert len(messages) == KEYS, "exactly one pgmq message per key"
    active_ids = {str(r["id"]) for r in rows if r["state"] == "queued"}
    assert {m["work_id"] for m in messages} == active_ids


async def test_racing_submitters_leave_one_active_item_per_key(
    connections: list[asyncpg.Connection],
) -> None:
    queue = await _db.new_queue_on(connections[0], "race")
    keys = [f"key-{k}" for k in range(KEYS)]

    async def submit_every_key(i: int, conn: asyncpg.Connection) -> list[Any]:
        # Same order everywhere: all submitters hit the same key at about the same time.
        return [
            await conn.fetchrow(SUBMIT, queue, queue, f"submitter-{i}", json.dumps({"i": i}), key)
            for key in keys
        ]

    results = [
        r for per_conn in await start_together(connections, submit_every_key) for r in per_conn
    ]

    assert len(results) == SUBMITTERS * KEYS
    assert Counter(r["status"] for r in results) == {
        "queued": KEYS,
        "merged": KEYS * (SUBMITTERS - 1),
    }
    await assert_one_active_item_per_key(
        connections[0], queue, Counter({key: SUBMITTERS for key in keys})
    )


async def test_racing_overlapping_batches_leave_one_active_item_per_key(
    connections: list[asyncpg.Connection],
) -> None:
    queue = await _db.new_queue_on(connections[0], "race")

    async def submit_one_batch(i: int, conn: asyncpg.Connection) -> list[Any]:
        # Every batch holds all keys, in an order of its own, plus a duplicate of its first key.
        order = list(range(KEYS))
        order = order[i % KEYS :] + order[: i % KEYS]
        if i % 2:
            order.reverse()
        items = [
            {
                "queue_name": queue,
                "work_type": queue,
                "source": f"batch-{i}",
                "dedup_key": f"key-{k}",
            }
            for k in [*order, order[0]]
        ]
        submitted.update(item["dedup_key"] for item in items)
        rows = await conn.fetch(SUBMIT_BATCH, json.dumps(items))
        assert [r["status"] for r in rows][-1] == "merged", "an in-batch duplicate merges"
        assert rows[-1]["merged_into"] in (rows[0]["work_id"], rows[0]["merged_into"])
        return list(rows)

    submitted: Counter[str] = Counter()
    results = [r for rows in await start_together(connections, submit_one_batch) for r in rows]

    assert len(results) == SUBMITTERS * (KEYS + 1)
    assert Counter(r["status"] for r in results)["queued"] == KEYS
    await assert_one_active_item_per_key(connections[0], queue, submitted)


async def test_concurrent_readers_never_get_the_same_message_twice(
    connections: list[asyncpg.Connection],
) -> None:
    conn = connections[0]
    queue = await _db.new_queue_on(conn, "race")
    for start in range(0, ITEMS_TO_DRAIN, 500):
        items = [
            {"queue_name": queue, "work_type": "drain", "source": "test", "params": {"n": n}}
            for n in range(start, start + 500)
        ]
        await conn.fetch(SUBMIT_BATCH, json.dumps(items))

    async def drain(_: int, reader: asyncpg.Connection) -> list[Any]:
        got: list[Any] = []
        empty_reads = 0
        while empty_reads < 3:  # SKIP LOCKED: an empty read may race a peer's lock, so retry
            rows = await reader.fetch(READ, queue, 300, 5)
            empty_reads = 0 if rows else empty_reads + 1
            got.extend(rows)
        return got

    deliveries = [r for rows in await start_together(connections[:READERS], drain) for r in rows]

    msg_ids = Counter(r["msg_id"] for r in deliveries)
    assert [m for m, n in msg_ids.items() if n > 1] == [], "a message was delivered twice"
    assert len(deliveries) == ITEMS_TO_DRAIN, "every item delivered exactly once"
    assert len({r["id"] for r in deliveries}) == ITEMS_TO_DRAIN
    assert {r["attempts"] for r in deliveries} == {1}
    assert sorted(r["params"] for r in deliveries) == sorted(
        json.dumps({"n": n}) for n in range(ITEMS_TO_DRAIN)
    )
    states = await conn.fetch(
        "SELECT state, attempts, count(*) AS n FROM animus.work_items WHERE queue_name = $1"
        " GROUP BY state, attempts",
        queue,
    )
    assert [(s["state"], s["attempts"], s["n"]) for s in states] == [("running", 1, ITEMS_TO_DRAIN)]


async def test_queues_created_at_once_while_others_submit_each_get_their_messages(
    connections: list[asyncpg.Connection],
) -> None:
    """create_queue writes animus._send_message again (a static branch per queue). Half the
    connections create queues at the same moment while the other half submit to queues that
    exist: no create fails (two replacements of one function at once would), no submit fails
    or loses its message while the function is replaced under it, and every new queue ends
    with a branch of its own and its messages in its own table."""
    existing = [await _db.new_queue_on(connections[0], "route") for _ in range(4)]
    new = [f"route_new_{i}_{uuid.uuid4().hex[:8]}" for i in range(len(connections) // 2)]
    submitters = connections[len(new) :]

    async def job(i: int, conn: asyncpg.Connection) -> list[Any]:
        if i < len(new):
            await conn.execute("SELECT animus.create_queue($1::text)", new[i])
            return [await conn.fetchrow(SUBMIT, new[i], "route", f"creator-{i}", "{}", None)]
        return [
            await conn.fetchrow(SUBMIT, existing[n % 4], "route", f"submitter-{i}", "{}", None)
            for n in range(20)
        ]

    results = await start_together(connections[: len(new)] + submitters, job)
    rows = [r for per_conn in results for r in per_conn]
    assert len(rows) == len(new) + 20 * len(submitters)
    assert {r["status"] for r in rows} == {"queued"}

    routed = {r[0] for r in await connections[0].fetch("SELECT animus._routed_queues()")}
    assert not {*new, *existing} - routed, "every queue has its branch"
    for queue in [*new, *existing]:
        ids = {
            str(r["id"])
            for r in await connections[0].fetch(
                "SELECT id FROM animus.work_items WHERE queue_name = $1", queue
            )
        }
        in_table = {
            r["work_id"]
            for r in await connections[0].fetch(
                f"SELECT message->>'work_id' AS work_id FROM pgmq.q_{queue}"
            )
        }
        assert ids and ids == in_table, f"{queue}: items and messages differ"

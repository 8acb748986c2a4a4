"""complete_work_batch and the worker that settles in batches, on real connections.

The SQL never waits for a message lock (an item whose message another transaction holds is
``busy``); ``Db.complete_batch`` settles those again with ``complete_work``. Concurrent batches
over the same items in opposite orders must neither deadlock nor complete an item twice.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import asyncpg
import pytest

from animus import Db, NewWorkItem, WorkItem
from animus.errors import InvalidBatch
from animus.models import WorkCompletion
from animus.worker import Worker

from . import _db

COMPLETE_BATCH = "SELECT * FROM animus.complete_work_batch(items => $1::jsonb)"


async def _delivered(db: Db, prefix: str, n: int) -> tuple[str, list[WorkItem]]:
    queue = await _db.new_queue(db, prefix)
    await db.submit_batch(
        [
            NewWorkItem(queue_name=queue, work_type=queue, source="t", params={"i": i})
            for i in range(n)
        ]
    )
    items = await db.read_work(queue, 300, n)
    assert len(items) == n
    return queue, items


def _payload(items: list[WorkItem]) -> str:
    return json.dumps([{"work_id": str(i.id), "lease": i.lease} for i in items])


async def test_a_message_held_by_another_transaction_is_busy_then_settled(
    db: Db, database_url: str
) -> None:
    queue, items = await _delivered(db, "cwb_busy", 3)
    holder, other = await _db.open_connections(database_url, 2)
    try:
        tx = holder.transaction()
        await tx.start()
        # A merge into the item would hold its message like this until it commits.
        await holder.execute(
            f"SELECT 1 FROM pgmq.q_{queue} WHERE msg_id = $1 FOR SHARE", items[1].msg_id
        )
        rows = await other.fetch(COMPLETE_BATCH, _payload(items))
        assert [(r["work_id"], r["status"]) for r in rows] == [
            (items[0].id, "completed"),
            (items[1].id, "busy"),
            (items[2].id, "completed"),
        ]
        state = await other.fetchval(
            "SELECT state FROM animus.work_items WHERE id = $1", items[1].id
        )
        assert state == "running", "a busy item is left as it was"

        # The client settles the busy one again with complete_work, which waits for the lock.
        waiting = asyncio.create_task(db.complete_batch([WorkCompletion.of(items[1], {"ok": 1})]))
        await asyncio.sleep(0.3)
        assert not waiting.done(), "complete_work waits for the message lock"
        await tx.commit()
        results = await waiting
        assert [(r.work_id, r.status) for r in results] == [(items[1].id, "completed")]
        row = await other.fetchrow(
            "SELECT state, outcome_data FROM animus.work_items WHERE id = $1", items[1].id
        )
        assert (row["state"], json.loads(row["outcome_data"])) == ("completed", {"ok": 1})
    finally:
        await holder.close()
        await other.close()


async def test_concurrent_batches_in_opposite_orders_complete_each_item_once(
    db: Db, database_url: str
) -> None:
    _, items = await _delivered(db, "cwb_race", 200)
    conns = await _db.open_connections(database_url, 8)
    try:
        gate = asyncio.Event()

        async def settle(i: int, conn: asyncpg.Connection) -> list[Any]:
            order = items if i % 2 == 0 else list(reversed(items))
            await gate.wait()
            rows = []
            for start in range(0, len(order), 50):
                rows += await conn.fetch(COMPLETE_BATCH, _payload(order[start : start + 50]))
            return rows

        tasks = [asyncio.create_task(settle(i, c)) for i, c in enumerate(conns)]
        gate.set()
        results = await asyncio.gather(*tasks)  # a deadlock would raise 40P01 here
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    completed = [r["work_id"] for rows in results for r in rows if r["status"] == "completed"]
    assert sorted(completed) == sorted(i.id for i in items), "each item completed exactly once"
    others = {r["status"] for rows in results for r in rows if r["status"] != "completed"}
    assert others <= {"not_running", "busy"}
    archived = await db.pool.fetchval(  # type: ignore[union-attr]
        "SELECT count(*) FROM animus.work_items WHERE id = ANY($1::uuid[]) AND state = 'completed'",
        [i.id for i in items],
    )
    assert archived == len(items)


async def test_refusals_are_reported_per_item(db: Db) -> None:
    _, items = await _delivered(db, "cwb_refuse", 2)
    await db.cancel(items[0].id, "no longer needed")
    results = await db.complete_batch(
        [WorkCompletion.of(items[0]), WorkCompletion.of(items[1], {"n": 2}, 5)]
    )
    assert [(r.status, r.sqlstate) for r in results] == [
        ("cancelled", "AN016"),
        ("completed", None),
    ]
    with pytest.raises(InvalidBatch):
        await db.complete_batch([WorkCompletion(work_id=items[1].id)] * 2)


async def test_worker_with_concurrency_completes_in_batches(db: Db) -> None:
    queue = await _db.new_queue(db, "cwb_worker")
    n = 120
    await db.submit_batch(
        [
            NewWorkItem(queue_name=queue, work_type=queue, source="t", params={"i": i})
            for i in range(n)
        ]
    )

    async def handler(_db: Db, item: WorkItem) -> dict[str, Any]:
        await asyncio.sleep(0.01)
        return {"i": item.params["i"]}

    worker = Worker(db, [queue], handler, concurrency=16, poll_interval=0.1, listen=False)
    stats = await asyncio.wait_for(worker.run(until_empty=True), 120)
    assert stats.completed == n
    assert stats.complete_calls < n, "completions share round trips"
    rows = await db.pool.fetch(  # type: ignore[union-attr]
        "SELECT state, outcome_data FROM animus.work_items WHERE queue_name = $1", queue
    )
    assert len(rows) == n and {r["state"] for r in rows} == {"completed"}
    assert sorted(r["outcome_data"]["i"] for r in rows) == list(range(n))


async def test_worker_batch_drops_a_lost_lease(db: Db) -> None:
    """A result whose lease was lost in the meantime is dropped, as with complete_work."""
    queue = await _db.new_queue(db, "cwb_lost")
    await db.submit_work(NewWorkItem(queue_name=queue, work_type=queue, source="t"))
    started = asyncio.Event()
    release = asyncio.Event()

    async def handler(_db: Db, item: WorkItem) -> None:
        started.set()
        await release.wait()

    worker = Worker(db, [queue], handler, concurrency=4, vt_seconds=60, listen=False)
    assert worker.batch_complete
    run = asyncio.create_task(worker.run(max_items=1))
    await started.wait()
    # An operator hands the item back and another reader takes it: the lease is lost.
    item_id = uuid.UUID(
        str(await db.pool.fetchval(f"SELECT (message->>'work_id') FROM pgmq.q_{queue}"))  # type: ignore[union-attr]
    )
    await db.fail(item_id, "operator", 0)
    assert len(await db.read_work(queue, 60)) == 1
    release.set()
    stats = await asyncio.wait_for(run, 60)
    assert (stats.completed, stats.lost) == (0, 1)

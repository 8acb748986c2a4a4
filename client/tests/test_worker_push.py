"""Push wake-ups: submit_work NOTIFYs, the worker LISTENs on a connection of its own, and it
falls back to polling when that connection is killed.

Nothing here asserts a duration: the poll interval is an hour where the test needs the
notification, and each test checks which wake-up delivered the item (``delivered_after``).
The asyncio timeouts only keep a broken build from hanging the suite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg

from animus import Db, NewWorkItem, WorkItem
from animus.worker import Worker

from . import _db


async def new_queue(db: Db) -> str:
    return await _db.new_queue(db, "push")


def recorder() -> tuple[list[WorkItem], asyncio.Event, Any]:
    seen: list[WorkItem] = []
    arrived = asyncio.Event()

    async def handler(_db: Db, item: WorkItem) -> dict[str, Any]:
        seen.append(item)
        arrived.set()
        return {}

    return seen, arrived, handler


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(6000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def wait_listening(worker: Worker) -> None:
    """Until the worker listens and its first read is over: a submit that lands before that
    read would be delivered by it ("start"), not by the notification the test looks for."""
    await until(lambda: worker.listening and "start" in worker.stats.delivered_after)


async def test_a_submit_wakes_a_listening_worker(db: Db, database_url: str) -> None:
    queue = await new_queue(db)
    seen, arrived, handler = recorder()
    worker = Worker(db, [queue], handler, poll_interval=3600)
    run = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(wait_listening(worker), 30)
        # The first read found nothing; only a notification can wake the worker before an hour.
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute("SELECT animus.submit_work($1, 'push', 'test')", queue)
        finally:
            await conn.close()
        await asyncio.wait_for(arrived.wait(), 60)
    finally:
        worker.stop()
        await asyncio.wait_for(run, 60)
    assert len(seen) == 1
    assert worker.stats.delivered_after["notify"] == 1
    assert worker.stats.delivered_after["poll"] == 0
    assert worker.stats.listen_lost == 0


async def test_notifications_of_other_queues_do_not_wake_it(db: Db) -> None:
    mine, other = await new_queue(db), await new_queue(db)
    seen, arrived, handler = recorder()
    worker = Worker(db, [mine], handler, poll_interval=3600)
    run = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(wait_listening(worker), 30)
        await db.submit_work(NewWorkItem(queue_name=other, work_type="push", source="test"))
        # A batch notifies too (once per queue).
        await db.submit_batch([NewWorkItem(queue_name=mine, work_type="push", source="test")])
        await asyncio.wait_for(arrived.wait(), 60)
    finally:
        worker.stop()
        await asyncio.wait_for(run, 60)
    assert [i.queue_name for i in seen] == [mine]
    assert worker.stats.delivered_after["notify"] == 1


async def test_a_killed_listen_connection_falls_back_to_polling(db: Db, database_url: str) -> None:
    queue = await new_queue(db)
    seen, arrived, handler = recorder()
    worker = Worker(db, [queue], handler, poll_interval=0.2, relisten_seconds=3600)
    run = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(wait_listening(worker), 30)
        conn = await asyncpg.connect(database_url)
        try:
            killed = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity a, pg_terminate_backend(a.pid) "
                "WHERE a.datname = current_database() AND a.query LIKE 'LISTEN %animus_work%'"
            )
            assert killed >= 1
            await until(lambda: worker.stats.listen_lost > 0)
            assert not worker.listening
            await conn.execute("SELECT animus.submit_work($1, 'push', 'test')", queue)
        finally:
            await conn.close()
        await asyncio.wait_for(arrived.wait(), 60)
    finally:
        worker.stop()
        await asyncio.wait_for(run, 60)
    assert len(seen) == 1
    assert worker.stats.listen_lost == 1
    assert worker.stats.delivered_after["notify"] == 0
    assert worker.stats.delivered_after["poll"] == 1


async def test_a_burst_sends_few_notifications(db: Db, database_url: str) -> None:
    """Only the submit that finds no ready message notifies (each NOTIFY serializes commits):
    ten submits in ten transactions with nobody reading send one; a delayed item sends none."""
    queue = await new_queue(db)
    heard: list[str] = []
    listener = await asyncpg.connect(database_url)
    try:
        await listener.add_listener("animus_work", lambda *a: heard.append(a[3]))
        delayed = NewWorkItem(queue_name=queue, work_type="push", source="test", delay_seconds=3600)
        await db.submit_work(delayed)
        for _ in range(10):
            await db.submit_work(NewWorkItem(queue_name=queue, work_type="push", source="test"))
        await db.submit_batch([NewWorkItem(queue_name=queue, work_type="push", source="test")])
        # The server hands an idle connection its notifications before it answers a query.
        await listener.fetchval("SELECT 1")
        await until(lambda: len(heard) >= 1)
        await listener.fetchval("SELECT 1")
    finally:
        await listener.close()
    assert heard == [queue]


async def test_requeue_dead_wakes_listening_workers(db: Db, database_url: str) -> None:
    """Requeued items are ready at once, like submitted ones: requeue_dead notifies once per call
    (not once per item), so a listening worker need not wait for its next poll."""
    queue = await new_queue(db)
    for _ in range(3):
        await db.submit_work(
            NewWorkItem(queue_name=queue, work_type="push", source="test", max_attempts=1)
        )
    for item in await db.read_work(queue, vt_seconds=30, qty=3):
        await db.fail(item, "broken")
    heard: list[str] = []
    listener = await asyncpg.connect(database_url)
    try:
        await listener.add_listener("animus_work", lambda *a: heard.append(a[3]))
        rows = await listener.fetch("SELECT * FROM animus.requeue_dead($1::text)", queue)
        assert [r["status"] for r in rows] == ["queued"] * 3
        await listener.fetchval("SELECT 1")
        await until(lambda: len(heard) >= 1)
        await listener.fetchval("SELECT 1")
    finally:
        await listener.close()
    assert heard == [queue]

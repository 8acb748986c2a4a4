"""Results for the submitter (issue 24, part 5): ``animus.work_result``, ``Db.wait_for`` and
``animus work wait``.

The waits here use a poll interval far longer than their timeout, so a result that arrives at
all arrived by the settle's notification, not by polling. No assertion is about time.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from typing import Any

import pytest

from animus import Db, NewWorkItem, WorkItem
from animus.errors import UnknownWorkItem, WaitTimeout, WorkDead, WorkWasCancelled
from animus.worker import Worker

from . import _db

#: Longer than any timeout below: only the notification can wake a wait in time.
NO_POLL = 3600.0


async def submit(db: Db, queue: str, key: str | None = None, **kwargs: Any) -> uuid.UUID:
    result = await db.submit_work(
        NewWorkItem(queue_name=queue, work_type=queue, source="test", dedup_key=key, **kwargs)
    )
    return result.work_id


async def test_a_merged_submission_waits_for_the_item_that_absorbed_it(db: Db) -> None:
    queue = await _db.new_queue(db, "wwt")
    first = await submit(db, queue, key="same")
    second = await submit(db, queue, key="same")
    assert (await db.work_result(second)).resolved_id == first

    waiting = asyncio.ensure_future(db.wait_for(second, timeout=60, poll_interval=NO_POLL))
    (item,) = await db.read_work(queue, 30)
    await asyncio.sleep(0)  # the waiter is listening before the item is settled
    await db.complete(item, {"answer": 42})
    result = await waiting
    assert (result.work_id, result.resolved_id, result.state, result.outcome_data) == (
        second,
        first,
        "completed",
        {"answer": 42},
    )


async def test_a_retry_that_succeeds_returns_the_second_attempts_result(db: Db) -> None:
    queue = await _db.new_queue(db, "wwt")
    work_id = await submit(db, queue)
    waiting = asyncio.ensure_future(db.wait_for(work_id, timeout=60, poll_interval=NO_POLL))

    async def flaky(_: Db, item: WorkItem) -> dict[str, Any]:
        if item.attempts == 1:
            raise RuntimeError("first try fails")
        return {"attempt": item.attempts}

    await Worker(db, [queue], flaky, retry_delay_seconds=0).run(until_empty=True)
    result = await waiting
    assert (result.state, result.outcome_data, result.attempts, result.outcome_error) == (
        "completed",
        {"attempt": 2},
        2,
        None,
    )


async def test_a_dead_item_raises_work_dead(db: Db) -> None:
    queue = await _db.new_queue(db, "wwt")
    work_id = await submit(db, queue, max_attempts=1)
    waiting = asyncio.ensure_future(db.wait_for(work_id, timeout=60, poll_interval=NO_POLL))
    (item,) = await db.read_work(queue, 30)
    assert await db.fail(item, "no luck") == "dead"
    with pytest.raises(WorkDead, match="no luck") as raised:
        await waiting
    assert raised.value.result.state == "dead" and not raised.value.result.cancelled


async def test_a_cancelled_item_raises_work_was_cancelled(db: Db) -> None:
    queue = await _db.new_queue(db, "wwt")
    work_id = await submit(db, queue)
    waiting = asyncio.ensure_future(db.wait_for(work_id, timeout=60, poll_interval=NO_POLL))
    await asyncio.sleep(0)
    await db.cancel(work_id, "not needed any more")
    with pytest.raises(WorkWasCancelled, match="not needed any more") as raised:
        await waiting
    assert raised.value.result.cancelled


async def test_a_wait_times_out_on_an_item_nobody_works_on(db: Db) -> None:
    queue = await _db.new_queue(db, "wwt")
    work_id = await submit(db, queue)
    with pytest.raises(WaitTimeout, match="still queued"):
        await db.wait_for(work_id, timeout=0.5)
    assert (await db.work_result(work_id)).state == "queued"


async def test_an_unknown_id_is_unknown(db: Db) -> None:
    with pytest.raises(UnknownWorkItem):
        await db.wait_for(uuid.uuid4(), timeout=1)


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "animus", *argv], capture_output=True, text=True, timeout=120
    )


async def test_work_wait_from_the_cli(db: Db, database_url: str) -> None:
    queue = await _db.new_queue(db, "wwt")
    done = await submit(db, queue, key="k")
    merged = await submit(db, queue, key="k")
    (item,) = await db.read_work(queue, 30)
    await db.complete(item, {"ok": True})
    proc = await asyncio.to_thread(
        cli, "work", "wait", str(merged), "--timeout", "30", "--json", "--url", database_url
    )
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(proc.stdout)
    assert (shown["resolved_id"], shown["state"], shown["outcome_data"]) == (
        str(done),
        "completed",
        {"ok": True},
    )

    dead = await submit(db, queue)
    await db.cancel(dead, "superseded")
    proc = await asyncio.to_thread(
        cli, "work", "wait", str(dead), "--timeout", "30", "--url", database_url
    )
    assert proc.returncode == 1
    assert "cancelled: superseded" in proc.stderr

    waiting = await submit(db, queue)
    proc = await asyncio.to_thread(
        cli, "work", "wait", str(waiting), "--timeout", "0.5", "--url", database_url
    )
    assert proc.returncode == 1 and "still queued" in proc.stderr

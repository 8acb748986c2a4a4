"""Work-queue calls against the real database: one call of one SQL function each."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import pydantic
import pytest

from animus import Db, NewWorkItem, SubmitResult, WorkItem
from animus.errors import (
    InvalidArgument,
    InvalidQueueName,
    InvalidStateTransition,
    UnknownQueue,
    UnknownWorkItem,
)
from animus.sql import FetchMethod


class CountingDb(Db):
    """A Db that records every statement it sends through the single SQL exit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[str] = []

    async def _send(self, method: FetchMethod, query: str, *args: Any) -> Any:
        self.sent.append(query)
        return await super()._send(method, query, *args)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[CountingDb]:
    connected = await CountingDb.connect(database_url)
    connected.sent.clear()
    try:
        yield connected
    finally:
        await connected.close()


@pytest.fixture
async def queue(db: CountingDb) -> str:
    name = f"q_{uuid.uuid4().hex[:12]}"
    await db.create_queue(name)
    db.sent.clear()
    return name


async def item_state(database_url: str, work_id: uuid.UUID) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        state: str = await conn.fetchval(
            "SELECT state FROM animus.work_items WHERE id = $1", work_id
        )
        return state
    finally:
        await conn.close()


async def test_create_queue_is_idempotent_and_validates(db: CountingDb) -> None:
    name = f"q_{uuid.uuid4().hex[:12]}"
    await db.create_queue(name)
    await db.create_queue(name)
    with pytest.raises(InvalidQueueName) as caught:
        await db.create_queue("Bad Name; DROP TABLE x")
    assert caught.value.sqlstate == "AN001" and caught.value.hint


async def test_submit_queues_then_merges_a_duplicate(db: CountingDb, queue: str) -> None:
    item = NewWorkItem(
        queue_name=queue,
        work_type="summarise",
        source="test",
        params={"doc": 1},
        dedup_key="doc-1",
    )
    first = await db.submit_work(item)
    second = await db.submit_work(item)

    assert isinstance(first, SubmitResult)
    assert first.status == "queued" and first.msg_id is not None and first.merged_into is None
    assert second.status == "merged" and second.merged_into == first.work_id
    assert second.msg_id is None
    assert len(db.sent) == 2, "one statement per call"


async def test_submit_to_an_unknown_queue(db: CountingDb) -> None:
    with pytest.raises(UnknownQueue) as caught:
        await db.submit_work(NewWorkItem(queue_name="never_created_q", work_type="w", source="s"))
    assert caught.value.sqlstate == "AN002"


@pytest.mark.unit
def test_new_work_item_rejects_unknown_fields() -> None:
    with pytest.raises(pydantic.ValidationError):
        NewWorkItem(queue_name="q", work_type="w", source="s", prio=3)  # type: ignore[call-arg]


async def test_submit_batch_in_one_round_trip_in_order(db: CountingDb, queue: str) -> None:
    parent = await db.submit_work(NewWorkItem(queue_name=queue, work_type="plan", source="t"))
    db.sent.clear()
    items = [
        NewWorkItem(queue_name=queue, work_type="fetch", source="t", dedup_key="a"),
        NewWorkItem(
            queue_name=queue,
            work_type="fetch",
            source="t",
            dedup_key="b",
            params={"when": "now"},
            priority=5,
            parent_id=parent.work_id,
            max_attempts=2,
        ),
        NewWorkItem(queue_name=queue, work_type="fetch", source="t", dedup_key="a"),
    ]
    results = await db.submit_batch(items)

    assert [r.status for r in results] == ["queued", "queued", "merged"]
    assert results[2].merged_into == results[0].work_id
    assert len(db.sent) == 1
    assert await db.submit_batch([]) == []
    assert len(db.sent) == 1, "an empty batch sends nothing"


async def test_read_complete_cycle(db: CountingDb, queue: str, database_url: str) -> None:
    submitted = await db.submit_work(
        NewWorkItem(
            queue_name=queue,
            work_type="answer",
            source="agent-1",
            params={"question": "why?", "n": 2},
            trigger_info="unit test",
        )
    )
    delivered = await db.read_work(queue, vt_seconds=30, qty=5)

    assert len(delivered) == 1
    work = delivered[0]
    assert isinstance(work, WorkItem)
    assert work.id == submitted.work_id and work.msg_id == submitted.msg_id
    assert work.params == {"question": "why?", "n": 2}
    assert (work.state, work.attempts, work.read_ct) == ("running", 1, 1)
    assert (work.queue_name, work.work_type, work.source) == (queue, "answer", "agent-1")
    assert work.trigger_info == "unit test"
    assert isinstance(work.vt, datetime) and work.vt.tzinfo is not None

    await db.complete(work.id, outcome_data={"answer": 42}, outcome_ms=12)
    assert await item_state(database_url, work.id) == "completed"
    assert await db.read_work(queue, vt_seconds=30) == []
    with pytest.raises(InvalidStateTransition):
        await db.complete(work.id)


async def test_fail_retries_then_dead_letters(db: CountingDb, queue: str) -> None:
    submitted = await db.submit_work(
        NewWorkItem(queue_name=queue, work_type="flaky", source="t", max_attempts=2)
    )
    (first,) = await db.read_work(queue, vt_seconds=30)
    assert await db.fail(first.id, "timeout talking to the model") == "queued"

    (second,) = await db.read_work(queue, vt_seconds=30)
    assert second.id == submitted.work_id and second.attempts == 2
    assert await db.fail(second.id, "again") == "dead"
    assert await db.read_work(queue, vt_seconds=30) == []


async def test_requeue_dead_gives_a_dead_item_a_new_message(db: CountingDb, queue: str) -> None:
    submitted = await db.submit_work(
        NewWorkItem(queue_name=queue, work_type="once", source="t", max_attempts=1)
    )
    (work,) = await db.read_work(queue, vt_seconds=30)
    assert await db.fail(work.id, "broken") == "dead"

    (requeued,) = await db.requeue_dead(queue, [submitted.work_id])
    assert requeued.work_id == submitted.work_id and requeued.status == "queued"
    (again,) = await db.read_work(queue, vt_seconds=30)
    assert again.id == submitted.work_id and again.attempts == 1
    assert again.msg_id == requeued.msg_id != submitted.msg_id


async def test_extend_returns_the_new_deadline(db: CountingDb, queue: str) -> None:
    await db.submit_work(NewWorkItem(queue_name=queue, work_type="long", source="t"))
    (work,) = await db.read_work(queue, vt_seconds=5)
    new_vt = await db.extend(work.id, 600)
    assert new_vt > work.vt
    with pytest.raises(InvalidArgument):
        await db.extend(work.id, -1)


async def test_archive_and_delete_by_msg_id(db: CountingDb, queue: str, database_url: str) -> None:
    kept = await db.submit_work(NewWorkItem(queue_name=queue, work_type="a", source="t"))
    dropped = await db.submit_work(NewWorkItem(queue_name=queue, work_type="d", source="t"))
    assert kept.msg_id is not None and dropped.msg_id is not None

    assert await db.archive_work(queue, kept.msg_id) is True
    assert await db.delete_work(queue, dropped.msg_id) is True
    assert await item_state(database_url, kept.work_id) == "completed"
    assert await item_state(database_url, dropped.work_id) == "dead"
    assert await db.read_work(queue, vt_seconds=30) == []


async def test_unknown_work_item(db: CountingDb) -> None:
    with pytest.raises(UnknownWorkItem) as caught:
        await db.complete(uuid.uuid4())
    assert caught.value.sqlstate == "AN003"


async def test_calls_join_the_callers_transaction(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        db = await Db.connect(connection=conn)
        queue = f"q_{uuid.uuid4().hex[:12]}"
        await db.create_queue(queue)
        transaction = conn.transaction()
        await transaction.start()
        result = await db.submit_work(NewWorkItem(queue_name=queue, work_type="w", source="t"))
        await transaction.rollback()
        await db.close()
        assert not conn.is_closed()
        count = await conn.fetchval(
            "SELECT count(*) FROM animus.work_items WHERE id = $1", result.work_id
        )
        assert count == 0, "the rolled-back submit left nothing behind"
    finally:
        await conn.close()

"""One lock order (message, then item) under real concurrent connections: no 40P01.

The pairing tests line two calls up deterministically: a third connection holds a lock that
the first call must wait for, the second call starts once the first is seen waiting in
pg_stat_activity, and only then is the third lock released. On v0.1.0's functions (item first
in complete/fail/extend, message first in read_work; batches claiming keys over several
rounds and share-locking items in key order) each of these five pairings deadlocked: checked
by running them against a database deployed `--to @v0.1.0`. The churn test then runs
everything at once for 20 s.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from . import _db

READ = (
    "SELECT * FROM animus.read_work(queue_name => $1::text, vt_seconds => $2::int, qty => $3::int)"
)
SUBMIT = (
    "SELECT * FROM animus.submit_work(queue_name => $1::text, work_type => $2::text,"
    " source => $3::text, params => $4::jsonb, dedup_key => $5::text)"
)
SUBMIT_BATCH = "SELECT * FROM animus.submit_work_batch(items => $1::jsonb)"


@pytest.fixture
async def conns(database_url: str) -> AsyncIterator[list[asyncpg.Connection]]:
    opened = await _db.open_connections(database_url, 4)
    try:
        yield opened
    finally:
        for conn in opened:
            await conn.close()


async def waiting_on_lock(watcher: asyncpg.Connection, conn: asyncpg.Connection) -> bool:
    pid = conn.get_server_pid()
    return bool(
        await watcher.fetchval(
            # A row lock (waiting on the holder's transaction or on the tuple), not a brief
            # relation-extension wait, which a loaded machine shows as well.
            "SELECT wait_event_type = 'Lock' AND wait_event IN ('transactionid', 'tuple') "
            "FROM pg_stat_activity WHERE pid = $1",
            pid,
        )
    )


async def until_blocked_or_done(
    watcher: asyncpg.Connection, conn: asyncpg.Connection, task: asyncio.Future[Any]
) -> None:
    """Return once ``task`` (a call on ``conn``) waits on a lock or has finished."""
    # Polling: the server offers no notification when a backend starts waiting on a lock.
    while not task.done() and not await waiting_on_lock(watcher, conn):  # noqa: ASYNC110
        await asyncio.sleep(0.02)


async def line_up(
    conns: list[asyncpg.Connection],
    hold: str,
    hold_args: tuple[Any, ...],
    first: Callable[[asyncpg.Connection], Awaitable[Any]],
    second: Callable[[asyncpg.Connection], Awaitable[Any]],
    between: str | None = None,
) -> tuple[Any, Any]:
    """Hold ``hold`` on conns[0]; run ``first`` on conns[1] until it waits; run ``second`` on
    conns[2] until it waits or ends; run ``between`` on conns[0]; commit; return both results
    (an exception is returned, not raised). conns[3] watches pg_stat_activity (outside any
    transaction: inside one, its view of the other backends is a snapshot)."""
    holder, a, b, watcher = conns
    tx = holder.transaction()
    await tx.start()
    await holder.execute(hold, *hold_args)
    first_task = asyncio.ensure_future(first(a))
    await until_blocked_or_done(watcher, a, first_task)
    assert not first_task.done(), "the first call did not wait for the held lock"
    second_task = asyncio.ensure_future(second(b))
    await until_blocked_or_done(watcher, b, second_task)
    if between is not None:
        await holder.execute(between, *hold_args)
        await until_blocked_or_done(watcher, b, second_task)
    await tx.commit()
    results = await asyncio.gather(first_task, second_task, return_exceptions=True)
    return results[0], results[1]


def assert_no_deadlock(*results: Any) -> None:
    for result in results:
        if isinstance(result, asyncpg.PostgresError):
            assert result.sqlstate != "40P01", f"deadlock: {result}"
            raise AssertionError(f"unexpected error {result.sqlstate}: {result}")
        assert not isinstance(result, BaseException), result


async def running_item(conn: asyncpg.Connection, queue: str) -> uuid.UUID:
    """A running item whose message is visible again (its vt of 0 ran out): a reader may
    deliver it once more while its first worker settles it."""
    await conn.fetchrow(SUBMIT, queue, queue, "t", "{}", None)
    row = await conn.fetchrow(READ, queue, 0, 1)
    work_id: uuid.UUID = row["id"]
    return work_id


@pytest.mark.parametrize(
    ("settle", "state_after"),
    [
        ("SELECT animus.complete_work(work_id => $1::uuid)", "completed"),
        (
            "SELECT animus.fail_work(work_id => $1::uuid, error => 'e', retry_delay_seconds => 0)",
            "queued",
        ),
        ("SELECT animus.extend_work(work_id => $1::uuid, vt_seconds => 30)", "running"),
    ],
    ids=["read/complete", "read/fail", "read/extend"],
)
async def test_read_and_settle_do_not_deadlock(
    conns: list[asyncpg.Connection], settle: str, state_after: str
) -> None:
    queue = await _db.new_queue_on(conns[0], "locks")
    work_id = await running_item(conns[0], queue)
    # The third lock: the item's row, which the settle call needs (v0.1.0 took it first).
    first, second = await line_up(
        conns,
        "SELECT FROM animus.work_items WHERE id = $1 FOR UPDATE",
        (work_id,),
        lambda c: c.fetchval(settle, work_id),
        lambda c: c.fetch(READ, queue, 30, 1),
    )
    assert_no_deadlock(first, second)
    # The settle holds the message, so the read skipped it rather than delivering it again.
    assert second == []
    state = await conns[0].fetchval("SELECT state FROM animus.work_items WHERE id = $1", work_id)
    assert state == state_after


async def test_overlapping_batches_do_not_deadlock(database_url: str) -> None:
    """v0.1.0's batch claimed keys in rounds and went back to an earlier key, so a batch could
    hold key c while waiting for key a, which a second batch held while waiting for c.

    Lined up: batch 1 brings keys a, b, c, where a and b are held by active items A and B,
    each locked by a holder. A is then resolved, so the key a comes free; batch 2 (a, c)
    claims a and goes on to c. Only then is B released."""
    conns = await _db.open_connections(database_url, 5)
    hold_a, hold_b, first_conn, second_conn, watcher = conns
    try:
        queue = await _db.new_queue_on(hold_a, "locks")
        key = {k: f"{queue}-{k}" for k in "abc"}
        item_a = await hold_a.fetchrow(SUBMIT, queue, queue, "t", "{}", key["a"])
        item_b = await hold_a.fetchrow(SUBMIT, queue, queue, "t", "{}", key["b"])

        def batch(source: str, keys: str) -> str:
            return json.dumps(
                [
                    {"queue_name": queue, "work_type": queue, "source": source, "dedup_key": key[k]}
                    for k in keys
                ]
            )

        tx_a, tx_b = hold_a.transaction(), hold_b.transaction()
        await tx_a.start()
        await tx_b.start()
        lock = "SELECT FROM animus.work_items WHERE id = $1 FOR UPDATE"
        await hold_a.execute(lock, item_a["work_id"])
        await hold_b.execute(lock, item_b["work_id"])
        first = asyncio.ensure_future(first_conn.fetch(SUBMIT_BATCH, batch("first", "abc")))
        await until_blocked_or_done(watcher, first_conn, first)
        assert not first.done(), "the first batch did not wait for the held item"
        await hold_a.execute(
            "UPDATE animus.work_items SET state = 'completed', resolved_at = now() WHERE id = $1",
            item_a["work_id"],
        )
        second = asyncio.ensure_future(second_conn.fetch(SUBMIT_BATCH, batch("second", "ac")))
        await until_blocked_or_done(watcher, second_conn, second)
        await tx_a.commit()
        await until_blocked_or_done(watcher, second_conn, second)
        await asyncio.sleep(0.2)  # let both settle into their next waits
        await tx_b.rollback()
        results = await asyncio.gather(first, second, return_exceptions=True)
        assert_no_deadlock(*results)
        active_now = await watcher.fetch(
            "SELECT dedup_key FROM animus.work_items WHERE work_type = $1 AND state = 'queued'",
            queue,
        )
        assert sorted(r["dedup_key"] for r in active_now) == [key["a"], key["b"], key["c"]]
    finally:
        for conn in conns:
            await conn.close()


async def test_batch_and_read_do_not_deadlock(conns: list[asyncpg.Connection]) -> None:
    """v0.1.0: read_work updated its items in message order, a batch share-locked them in key
    order. Item A has the earlier message and the later key, B the other way round. A holder
    locks A: the read (holding both messages) waits for it, and so does the batch, after it
    share-locked B. Once A is free the read takes A and waits for B; the batch waits for A."""
    queue = await _db.new_queue_on(conns[0], "locks")
    item_a = await conns[0].fetchrow(SUBMIT, queue, queue, "t", "{}", f"{queue}-2")
    item_b = await conns[0].fetchrow(SUBMIT, queue, queue, "t", "{}", f"{queue}-1")
    batch = json.dumps(
        [
            {"queue_name": queue, "work_type": queue, "source": "b", "dedup_key": f"{queue}-{k}"}
            for k in (1, 2)
        ]
    )
    first, second = await line_up(
        conns,
        "SELECT FROM animus.work_items WHERE id = $1 FOR UPDATE",
        (item_a["work_id"],),
        lambda c: c.fetch(READ, queue, 30, 2),
        lambda c: c.fetch(SUBMIT_BATCH, batch),
    )
    assert_no_deadlock(first, second)
    # The read delivers A; B too, unless the batch locked B's message first (the read locks its
    # messages one by one as its item updates go, and skips a locked one).
    assert item_a["work_id"] in {r["id"] for r in first}
    assert [r["status"] for r in second] == ["merged", "merged"]
    assert [r["merged_into"] for r in second] == [item_b["work_id"], item_a["work_id"]]


# --- churn ------------------------------------------------------------------------------------

CHURN_SECONDS = 20
SUBMITTERS = 16
WORKERS = 8
KEYS = 8

INVARIANTS = """
SELECT
  (SELECT count(*) FROM (SELECT dedup_key FROM animus.work_items
                         WHERE work_type = $1 AND state IN ('queued', 'running')
                         GROUP BY dedup_key HAVING count(*) > 1) AS d) AS keys_with_two_active,
  (SELECT count(*) FROM animus.work_items w
   WHERE w.work_type = $1 AND w.state IN ('queued', 'running')
     AND (SELECT count(*) FROM pgmq.{q} m WHERE m.msg_id = w.pgmq_msg_id) <> 1)
    AS active_without_one_message,
  (SELECT count(*) FROM pgmq.{q} m
   WHERE NOT EXISTS (SELECT FROM animus.work_items w
                     WHERE w.id = (m.message->>'work_id')::uuid AND w.pgmq_msg_id = m.msg_id
                       AND w.state IN ('queued', 'running'))) AS messages_without_active_item
"""

MERGED_TARGETS = """
SELECT count(*) FILTER (WHERE t.id IS NULL) AS dangling,
       count(*) FILTER (WHERE t.state = 'merged') AS onto_merged,
       count(*) FILTER (WHERE t.dedup_key IS DISTINCT FROM m.dedup_key) AS other_key,
       count(*) AS merged
FROM animus.work_items m LEFT JOIN animus.work_items t ON t.id = m.merged_into
WHERE m.work_type = $1 AND m.state = 'merged'
"""


async def test_churn_keeps_the_invariants_and_never_deadlocks(database_url: str) -> None:
    pool = await _db.open_connections(database_url, SUBMITTERS + WORKERS + 1)
    submitters, workers, sampler = (
        pool[:SUBMITTERS],
        pool[SUBMITTERS : SUBMITTERS + WORKERS],
        pool[-1],
    )
    queue = await _db.new_queue_on(sampler, "churn")
    keys = [f"{queue}-{k}" for k in range(KEYS)]
    errors: Counter[str] = Counter()
    done: Counter[str] = Counter()
    deadline = time.monotonic() + CHURN_SECONDS

    async def expected(call: Awaitable[Any], what: str) -> None:
        try:
            await call
            done[what] += 1
        except asyncpg.PostgresError as exc:
            errors[exc.sqlstate or "?"] += 1

    async def submitter(conn: asyncpg.Connection, n: int) -> None:
        rng = random.Random(n)
        while time.monotonic() < deadline:
            if n % 2:
                await expected(
                    conn.fetchrow(SUBMIT, queue, queue, f"s{n}", "{}", rng.choice(keys)), "submit"
                )
            else:
                chosen = [*rng.sample(keys, 3), rng.choice(keys)]
                items = [
                    {"queue_name": queue, "work_type": queue, "source": f"b{n}", "dedup_key": k}
                    for k in chosen
                ]
                await expected(conn.fetch(SUBMIT_BATCH, json.dumps(items)), "batch")

    async def worker(conn: asyncpg.Connection, n: int) -> None:
        rng = random.Random(1000 + n)
        while time.monotonic() < deadline:
            try:
                rows = await conn.fetch(READ, queue, 1, 2)
            except asyncpg.PostgresError as exc:
                errors[exc.sqlstate or "?"] += 1
                continue
            for row in rows:
                wid, lease = row["id"], row["lease"]
                action = rng.choice(["complete", "complete", "fail", "cancel", "extend", "late"])
                if action == "late":  # outlive the vt: another worker may own it by now
                    await asyncio.sleep(1.1)
                    action = "complete"
                if action == "extend":
                    await expected(
                        conn.fetchval(
                            "SELECT animus.extend_work($1::uuid, 1, $2::int)", wid, lease
                        ),
                        "extend",
                    )
                    action = "complete"
                if action == "complete":
                    await expected(
                        conn.execute(
                            "SELECT animus.complete_work($1::uuid, NULL, NULL, $2::int)", wid, lease
                        ),
                        "complete",
                    )
                elif action == "fail":
                    await expected(
                        conn.fetchval(
                            "SELECT animus.fail_work($1::uuid, 'e', 0, $2::int)", wid, lease
                        ),
                        "fail",
                    )
                else:
                    await expected(
                        conn.fetchval("SELECT animus.cancel_work($1::uuid, 'churn')", wid), "cancel"
                    )

    violations: list[dict[str, Any]] = []
    samples = 0

    async def sample() -> None:
        # A merged row must point at an item that was active when the merge committed. The
        # samples are snapshots: a merged row that first shows up after its target was already
        # seen resolved committed after that resolution, which would break the rule.
        nonlocal samples
        check = INVARIANTS.format(q=f"q_{queue}")
        resolved_before: set[uuid.UUID] = set()
        merged_before: set[uuid.UUID] = set()
        while time.monotonic() < deadline:
            async with sampler.transaction(isolation="repeatable_read", readonly=True):
                row = dict(await sampler.fetchrow(check, queue))
                items = await sampler.fetch(
                    "SELECT id, state, merged_into FROM animus.work_items WHERE work_type = $1",
                    queue,
                )
            samples += 1
            if any(row.values()):
                violations.append(row)
            late = [
                r["id"]
                for r in items
                if r["state"] == "merged"
                and r["id"] not in merged_before
                and r["merged_into"] in resolved_before
            ]
            if late:
                violations.append({"merged_after_target_resolved": len(late)})
            resolved_before = {r["id"] for r in items if r["state"] in ("completed", "dead")}
            merged_before = {r["id"] for r in items if r["state"] == "merged"}
            await asyncio.sleep(0.1)

    try:
        await asyncio.gather(
            *(submitter(c, i) for i, c in enumerate(submitters)),
            *(worker(c, i) for i, c in enumerate(workers)),
            sample(),
        )
        merged = dict(await sampler.fetchrow(MERGED_TARGETS, queue))
    finally:
        await asyncio.gather(*(c.close() for c in pool))

    assert errors["40P01"] == 0, errors
    # Only the refusals a racing worker expects: lease lost, cancelled, no longer running.
    assert set(errors) <= {"AN015", "AN016", "AN004"}, errors
    assert samples > 10 and violations == [], violations[:5]
    assert merged["merged"] > 0 and done["complete"] > 0 and done["cancel"] > 0, (merged, done)
    assert (
        merged["dangling"],
        merged["onto_merged"],
        merged["other_key"],
    ) == (0, 0, 0), merged
    print("churn:", dict(done), dict(errors), merged, f"{samples} samples")

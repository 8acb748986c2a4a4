"""``animus work purge``, ``animus work reconcile``, ``animus schedule ...`` and partitioned
``animus work create-queue``, against the real database (the schedule commands in the pg_cron
database, as in test_schedules.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import asyncpg
import pytest

from . import _db
from .test_cli import animus, as_json, assert_one_line_error, ok


def _item_states(url: str, queue: str) -> list[str]:
    out = _db.psql(
        url, f"SELECT state FROM animus.work_items WHERE queue_name = '{queue}' ORDER BY created_at"
    )
    return out.split()


def _count(url: str, sql: str) -> int:
    return int(_db.psql(url, sql).strip())


@pytest.fixture
def queue(database_url: str) -> str:
    name = f"clr_{uuid.uuid4().hex[:10]}"
    ok("work", "create-queue", name, url=database_url)
    return name


# --- purge and reconcile -------------------------------------------------------------------------


def test_purge_dry_run_keeps_everything_then_purge_removes(database_url: str, queue: str) -> None:
    submitted = as_json(
        "work", "submit", queue, "clr_job", "--params", '{"n": 1}', url=database_url
    )
    [item] = as_json("work", "read", queue, url=database_url)
    assert item["id"] == submitted["work_id"]
    ok("work", "complete", item["id"], url=database_url)
    archived = f"SELECT count(*) FROM pgmq.a_{queue}"

    dry = as_json(
        "work", "purge", "--older-than", "0s", "--queue", queue, "--dry-run", url=database_url
    )
    assert dry["dry_run"] is True
    assert (dry["messages_deleted"], dry["items_deleted"]) == (1, 1)
    assert _count(database_url, archived) == 1, "a dry run removes nothing"
    assert _item_states(database_url, queue) == ["completed"]

    text = ok("work", "purge", "--older-than", "0s", "--queue", queue, url=database_url)
    assert text.startswith("removed 1 archived messages and 1 terminal items"), text
    assert _count(database_url, archived) == 0
    assert _item_states(database_url, queue) == []

    # The default window (7 days) keeps a fresh settled item.
    as_json("work", "submit", queue, "clr_job", url=database_url)
    [again] = as_json("work", "read", queue, url=database_url)
    ok("work", "complete", again["id"], url=database_url)
    kept = as_json("work", "purge", "--queue", queue, "--until-done", url=database_url)
    assert (kept["messages_deleted"], kept["items_deleted"], kept["more"]) == (0, 0, False)
    assert kept["older_than"] == 7 * 86400


def test_purge_until_done_runs_rounds(database_url: str, queue: str) -> None:
    for n in range(3):
        as_json(
            "work", "submit", queue, "clr_job", "--params", json.dumps({"n": n}), url=database_url
        )
    for item in as_json("work", "read", queue, "--qty", "3", url=database_url):
        ok("work", "complete", item["id"], url=database_url)
    done = as_json(
        "work",
        "purge",
        "--older-than",
        "0s",
        "--queue",
        queue,
        "--max-items",
        "1",
        "--until-done",
        url=database_url,
    )
    assert (done["messages_deleted"], done["items_deleted"]) == (3, 3)
    assert done["rounds"] >= 3 and done["more"] is False
    assert _item_states(database_url, queue) == []


def test_purge_bad_arguments(database_url: str) -> None:
    bad = animus("work", "purge", "--older-than", "soon", url=database_url)
    assert bad.returncode == 2 and "not a duration" in bad.stderr
    too_many = animus("work", "purge", "--max-items", "0", url=database_url)
    assert_one_line_error(too_many, 2, "max_items must be between 1 and 100000")
    assert_one_line_error(
        animus("work", "reconcile", "--max-items", "0", url=database_url),
        2,
        "max_items must be between 1 and 100000",
    )
    unknown = animus("work", "purge", "--queue", f"nope_{uuid.uuid4().hex[:8]}", url=database_url)
    assert_one_line_error(unknown, 3, "unknown queue")


def test_reconcile_settles_an_item_whose_message_was_deleted(database_url: str, queue: str) -> None:
    submitted = as_json(
        "work", "submit", queue, "clr_job", "--dedup-key", f"k-{queue}", url=database_url
    )
    # A pgmq client deletes the message behind animus's back.
    _db.psql(database_url, f"SELECT pgmq.delete('{queue}', {submitted['msg_id']})")
    overview = {r["queue_name"]: r for r in as_json("work", "overview", url=database_url)}
    assert overview[queue]["orphaned"] == 1

    rows = as_json("work", "reconcile", "--queue", queue, url=database_url)
    assert rows == [
        {
            "work_id": submitted["work_id"],
            "state": "dead",
            "reason": "reconciled: the message was deleted outside animus",
        }
    ]
    assert ok("work", "reconcile", "--queue", queue, url=database_url).startswith(
        f"nothing to reconcile in {queue}"
    )
    again = as_json(
        "work", "submit", queue, "clr_job", "--dedup-key", f"k-{queue}", url=database_url
    )
    assert again["status"] == "queued", "the dedup key is free again"


# --- partitioned queues ---------------------------------------------------------------------


@pytest.fixture
def partman(database_url: str) -> str:
    if _count(database_url, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_partman'") == 0:
        _db.unavailable("pg_partman is not installed (script/setup installs it where packaged)")
    return database_url


def test_create_partitioned_queue_and_bad_intervals(partman: str) -> None:
    name = f"clp_{uuid.uuid4().hex[:10]}"
    made = as_json(
        "work",
        "create-queue",
        name,
        "--partitioned",
        "--partition-interval",
        "10",
        "--retention-interval",
        "20",
        url=partman,
    )
    assert made == {"queue": name, "created": True, "partitioned": True}
    assert (
        _db.psql(
            partman, f"SELECT is_partitioned FROM pgmq.meta WHERE queue_name = '{name}'"
        ).strip()
        == "t"
    )
    # The plain call is still the idempotent no-op on it; a submit and a read work.
    ok("work", "create-queue", name, url=partman)
    as_json("work", "submit", name, "clp_job", url=partman)
    [item] = as_json("work", "read", name, url=partman)
    ok("work", "complete", item["id"], url=partman)

    other = f"clp_{uuid.uuid4().hex[:10]}"
    short = animus(
        "work",
        "create-queue",
        other,
        "--partitioned",
        "--partition-interval",
        "100",
        "--retention-interval",
        "50",
        url=partman,
    )
    assert_one_line_error(short, 2, "shorter than one partition")
    alone = animus("work", "create-queue", other, "--retention-interval", "50", url=partman)
    assert_one_line_error(alone, 2, "apply only to a partitioned queue")
    ok("work", "create-queue", other, url=partman)
    layout = animus("work", "create-queue", other, "--partitioned", url=partman)
    assert_one_line_error(layout, 2, "is not partitioned")


# --- schedules ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cron_url(server_url: str) -> Iterator[str]:
    preload = _db.psql(server_url, "SELECT current_setting('shared_preload_libraries')")
    crondb = _db.psql(server_url, "SELECT current_setting('cron.database_name', true)").strip()
    if "pg_cron" not in preload or not crondb:
        _db.unavailable("this server does not preload pg_cron (script/db start sets it up)")
    url = _db.with_database(server_url, crondb)
    _db.deploy(url, 384)
    _db.psql(url, "CREATE EXTENSION IF NOT EXISTS pg_cron")
    yield url


def test_schedule_add_list_pause_resume_remove(cron_url: str) -> None:
    tag = uuid.uuid4().hex[:8]
    name, queue, key = f"cli_{tag}", f"clsched_{tag}", f"inbox-{tag}"
    ok("work", "create-queue", queue, url=cron_url)
    added = as_json(
        "schedule",
        "add",
        name,
        "0 * * * *",
        queue,
        "summarize_inbox",
        "--params",
        '{"inbox": 1}',
        "--dedup-key",
        key,
        url=cron_url,
    )
    assert added["name"] == name and added["cron"] == "0 * * * *"
    jobid = added["jobid"]
    assert (
        _db.psql(cron_url, f"SELECT jobname FROM cron.job WHERE jobid = {jobid}").strip()
        == f"animus:{name}"
    )

    listed = {r["name"]: r for r in as_json("schedule", "list", url=cron_url)}
    assert listed[name]["active"] is True and listed[name]["jobid"] == jobid
    assert listed[name]["queue_name"] == queue and listed[name]["params"] == {"inbox": 1}
    assert name in ok("schedule", "list", url=cron_url)

    assert ok("schedule", "pause", name, url=cron_url).strip() == f"schedule {name} paused"
    assert _db.psql(cron_url, f"SELECT active FROM cron.job WHERE jobid = {jobid}").strip() == "f"
    assert as_json("schedule", "resume", name, url=cron_url) == {"name": name, "active": True}
    assert _db.psql(cron_url, f"SELECT active FROM cron.job WHERE jobid = {jobid}").strip() == "t"

    assert "removed" in ok("schedule", "remove", name, url=cron_url)
    assert _count(cron_url, f"SELECT count(*) FROM cron.job WHERE jobid = {jobid}") == 0
    assert name not in {r["name"] for r in as_json("schedule", "list", url=cron_url)}


def test_schedule_errors(cron_url: str, database_url: str) -> None:
    tag = uuid.uuid4().hex[:8]
    unknown = animus("schedule", "pause", f"nope_{tag}", url=cron_url)
    assert_one_line_error(unknown, 3, "schedule")
    assert "animus schedule list" in unknown.stderr
    ok("work", "create-queue", f"clsched_{tag}", url=cron_url)
    bad = animus(
        "schedule", "add", f"b_{tag}", "every tuesday", f"clsched_{tag}", "x", url=cron_url
    )
    assert_one_line_error(bad, 2, "every tuesday")
    # The session database has no pg_cron: AN017, with the server's set-up hint.
    missing = animus("schedule", "list", url=database_url)
    assert_one_line_error(missing, 1, "pg_cron")


async def test_db_purge_dry_run_on_a_callers_connection(database_url: str, queue: str) -> None:
    from datetime import timedelta

    from animus import Db, init_connection

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SELECT animus.submit_work($1::text, 'clr_job', 'test')", queue)
        await conn.execute(
            "SELECT animus.complete_work(r.id) FROM animus.read_work($1::text, 30) AS r", queue
        )
        await init_connection(conn)
        async with await Db.connect(connection=conn) as db:
            counts = await db.purge(timedelta(0), queue_name=queue, dry_run=True)
            assert (counts["messages_deleted"], counts["items_deleted"]) == (1, 1)
            assert not conn.is_in_transaction(), "the dry run's transaction is gone"
        assert _count(database_url, f"SELECT count(*) FROM pgmq.a_{queue}") == 1
        assert _item_states(database_url, queue) == ["completed"], "a dry run removes nothing"
    finally:
        await conn.close()

"""Schedules on pg_cron: the positive path, in the database named by cron.database_name.

pg_cron can only be created in that one database, so these tests deploy animus there (Sqitch
deploy is idempotent) and create the extension; every other test database is "without pg_cron"
(test/function_schedule_work.sql checks AN017 there). The job is run by hand, through the
command pg_cron stored, instead of waiting a minute for the scheduler.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from . import _db


@pytest.fixture(scope="module")
async def cron_conn(server_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(server_url)
    try:
        preload = await conn.fetchval("SELECT current_setting('shared_preload_libraries')")
        crondb = await conn.fetchval("SELECT current_setting('cron.database_name', true)")
    finally:
        await conn.close()
    if "pg_cron" not in preload or not crondb:
        _db.unavailable("this server does not preload pg_cron (script/db start sets it up)")
    url = _db.with_database(server_url, crondb)
    _db.deploy(url, 384)
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_cron")
    try:
        yield conn
    finally:
        await conn.close()


async def test_schedule_registered_run_listed_paused_removed(cron_conn: asyncpg.Connection) -> None:
    tag = uuid.uuid4().hex[:8]
    name, queue, key = f"t_{tag}", f"sched_{tag}", f"inbox-{tag}"
    await cron_conn.execute("SELECT animus.create_queue($1)", queue)
    jobid = await cron_conn.fetchval(
        "SELECT animus.schedule_work($1, '0 * * * *', $2, 'summarize_inbox', '{\"inbox\": 1}', $3)",
        name,
        queue,
        key,
    )
    job = await cron_conn.fetchrow("SELECT * FROM cron.job WHERE jobid = $1", jobid)
    assert job is not None, "pg_cron registered the job"
    assert job["jobname"] == f"animus:{name}" and job["schedule"] == "0 * * * *" and job["active"]

    # Run the job's command as pg_cron would, twice: the dedup key holds the second one back.
    await cron_conn.execute(job["command"])
    await cron_conn.execute(job["command"])
    items = await cron_conn.fetch(
        "SELECT state, source, params, queue_name FROM animus.work_items "
        "WHERE work_type = 'summarize_inbox' AND dedup_key = $1",
        key,
    )
    assert [(r["state"], r["source"], r["queue_name"]) for r in items] == [
        ("queued", f"schedule:{name}", queue)
    ]

    listed = {r["name"]: r for r in await cron_conn.fetch("SELECT * FROM animus.list_schedules()")}
    assert listed[name]["active"] is True and listed[name]["jobid"] == jobid
    assert listed[name]["queue_name"] == queue and listed[name]["cron"] == "0 * * * *"

    await cron_conn.execute("SELECT animus.pause_schedule($1)", name)
    assert await cron_conn.fetchval("SELECT active FROM cron.job WHERE jobid = $1", jobid) is False
    listed = {r["name"]: r for r in await cron_conn.fetch("SELECT * FROM animus.list_schedules()")}
    assert listed[name]["active"] is False
    await cron_conn.execute("SELECT animus.pause_schedule($1, false)", name)
    assert await cron_conn.fetchval("SELECT active FROM cron.job WHERE jobid = $1", jobid) is True

    # The same name replaces the schedule (and its pg_cron job) in place.
    again = await cron_conn.fetchval(
        "SELECT animus.schedule_work($1, '*/5 * * * *', $2, 'summarize_inbox', '{}', $3)",
        name,
        queue,
        key,
    )
    assert again == jobid
    assert (
        await cron_conn.fetchval("SELECT schedule FROM cron.job WHERE jobid = $1", jobid)
        == "*/5 * * * *"
    )

    await cron_conn.execute("SELECT animus.unschedule_work($1)", name)
    assert await cron_conn.fetchval("SELECT count(*) FROM cron.job WHERE jobid = $1", jobid) == 0
    assert (
        await cron_conn.fetchval("SELECT count(*) FROM animus.schedules WHERE name = $1", name) == 0
    )
    # The item it submitted stays.
    assert (
        await cron_conn.fetchval("SELECT count(*) FROM animus.work_items WHERE dedup_key = $1", key)
        == 1
    )


async def test_bad_cron_and_unknown_schedule(cron_conn: asyncpg.Connection) -> None:
    tag = uuid.uuid4().hex[:8]
    queue = f"sched_{tag}"
    await cron_conn.execute("SELECT animus.create_queue($1)", queue)
    with pytest.raises(asyncpg.PostgresError) as bad:
        await cron_conn.execute(
            "SELECT animus.schedule_work($1, 'every tuesday', $2, 'x')", f"b_{tag}", queue
        )
    assert bad.value.sqlstate == "AN018"
    assert (
        await cron_conn.fetchval(
            "SELECT count(*) FROM cron.job WHERE jobname = $1", f"animus:b_{tag}"
        )
        == 0
    )
    for call in ("SELECT animus.pause_schedule($1)", "SELECT animus.unschedule_work($1)"):
        with pytest.raises(asyncpg.PostgresError) as unknown:
            await cron_conn.execute(call, f"nope_{tag}")
        assert unknown.value.sqlstate == "AN019"

"""Schedules on pg_cron: the positive path, in the database named by cron.database_name.

pg_cron can only be created in that one database, so these tests deploy animus there (Sqitch
deploy is idempotent) and create the extension; every other test database is "without pg_cron"
(test/function_schedule_work.sql checks AN017 there, and the checks that need no pg_cron).

The first test adds two one-minute schedules through the CLI and the last one waits for pg_cron
itself to run them (at most a minute and a few seconds after they were added): the tests in
between run during that wait, so it costs the module little. One schedule submits an item; the
other was pointed at a queue that does not exist behind animus's back, so its run fails and
``schedule list`` shows pg_cron's message.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import asyncpg
import pytest

from . import _db

#: How long after the minute boundary pg_cron may take to start a job on a loaded machine.
TICK_SLACK = dt.timedelta(seconds=20)


def cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    """``python -m animus ARGS --url URL``: the real entry point, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "animus", *args, "--url", url],
        capture_output=True,
        text=True,
        cwd=_db.ROOT,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )


def cli_ok(*args: str, url: str) -> str:
    proc = cli(*args, url=url)
    assert proc.returncode == 0, f"animus {' '.join(args)}: {proc.returncode}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def cron_url(server_url: str) -> str:
    preload = _db.psql(server_url, "SELECT current_setting('shared_preload_libraries')")
    crondb = _db.psql(server_url, "SELECT current_setting('cron.database_name', true)")
    if "pg_cron" not in preload or not crondb:
        _db.unavailable("this server does not preload pg_cron (script/db start sets it up)")
    url = _db.with_database(server_url, crondb)
    _db.deploy(url, 384)
    _db.psql(url, "CREATE EXTENSION IF NOT EXISTS pg_cron")
    return url


@pytest.fixture(scope="module")
async def cron_conn(cron_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(cron_url)
    try:
        yield conn
    finally:
        await conn.close()


@dataclass(frozen=True)
class Tick:
    """Two one-minute schedules, both committed by ``added_at``: ``name`` submits into
    ``queue``; ``broken`` names a queue that does not exist, so its runs fail."""

    name: str
    queue: str
    broken: str
    added_at: dt.datetime


@pytest.fixture(scope="module")
def tick(cron_url: str) -> Iterator[Tick]:
    tag = uuid.uuid4().hex[:8]
    # added_at is set once everything below has committed: on a loaded machine the four CLI
    # calls take seconds each, and a schedule committed after a minute boundary first runs at
    # the next one (seen: a deadline taken before the calls passed before pg_cron's first run).
    t = Tick(f"tick_{tag}", f"tick_{tag}", f"tick_broken_{tag}", dt.datetime.now(dt.UTC))
    cli_ok("work", "create-queue", t.queue, url=cron_url)
    cli_ok("work", "create-queue", t.broken, url=cron_url)
    for name, queue in ((t.name, t.queue), (t.broken, t.broken)):
        cli_ok(
            "schedule", "add", name, "* * * * *", queue, "tick", "--dedup-key", name, url=cron_url
        )
    # An edit behind animus's back points that schedule at a queue that does not exist (a
    # queue dropped from the shared database would fail queue_overview for other tests):
    # every run of it fails.
    _db.psql(
        cron_url,
        f"UPDATE animus.schedules SET queue_name = 'gone_{tag}' WHERE name = '{t.broken}'",
    )
    t = dataclasses.replace(t, added_at=dt.datetime.now(dt.UTC))
    try:
        yield t
    finally:
        for name in (t.name, t.broken):
            cli("schedule", "remove", name, url=cron_url)


def test_a_schedule_added_through_the_cli_is_listed_with_its_owner(
    tick: Tick, cron_url: str
) -> None:
    """Runs first in this module: it starts the minute that the last test waits out."""
    listed = {r["name"]: r for r in json.loads(cli_ok("schedule", "list", "--json", url=cron_url))}
    me = _db.psql(cron_url, "SELECT current_user")
    assert listed[tick.name]["active"] is True
    assert listed[tick.name]["cron"] == "* * * * *"
    assert listed[tick.name]["owner"] == me


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


async def test_sub_minute_schedules_follow_the_installed_pg_cron(
    cron_conn: asyncpg.Connection,
) -> None:
    """'N seconds' exists from pg_cron 1.5 on; an older one refuses it with a hint that says
    so (Debian 12 has 1.4), where the hint used to recommend that very syntax."""
    tag = uuid.uuid4().hex[:8]
    name, queue = f"sec_{tag}", f"sched_{tag}"
    await cron_conn.execute("SELECT animus.create_queue($1)", queue)
    version = await cron_conn.fetchval(
        "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'"
    )
    major, minor = (int(p) for p in version.split("-")[0].split(".")[:2])
    if (major, minor) >= (1, 5):
        jobid = await cron_conn.fetchval(
            "SELECT animus.schedule_work($1, '5 seconds', $2, 'x')", name, queue
        )
        schedule = await cron_conn.fetchval("SELECT schedule FROM cron.job WHERE jobid = $1", jobid)
        assert schedule == "5 seconds"
        await cron_conn.execute("SELECT animus.unschedule_work($1)", name)
        return
    with pytest.raises(asyncpg.PostgresError) as refused:
        await cron_conn.execute(
            "SELECT animus.schedule_work($1, '5 seconds', $2, 'x')", name, queue
        )
    assert refused.value.sqlstate == "AN018"
    assert "1.5" in refused.value.message
    hint = refused.value.hint or ""
    assert f"pg_cron {version}" in hint and "1.5" in hint and "* * * * *" in hint
    # Any other refusal gives the same hint: it never recommends what pg_cron cannot run.
    with pytest.raises(asyncpg.PostgresError) as bad:
        await cron_conn.execute("SELECT animus.schedule_work($1, 'often', $2, 'x')", name, queue)
    assert bad.value.sqlstate == "AN018" and bad.value.hint == hint


@pytest.mark.parametrize(
    ("field", "value", "sqlstate"),
    [
        ("params", json.dumps({"blob": "x" * (2 * 1024 * 1024)}), "AN006"),
        ("work_type", "w" * 5000, "AN006"),
        ("dedup_key", "k" * 5000, "AN006"),
        ("params", "[1, 2]", "AN005"),
        ("work_type", "", "AN008"),
        ("max_attempts", "0", "AN008"),
    ],
)
async def test_schedule_work_refuses_what_submit_work_refuses(
    cron_conn: asyncpg.Connection, field: str, value: str, sqlstate: str
) -> None:
    """A schedule whose runs submit_work would refuse used to be accepted, and then failed every
    minute without a word: it is refused up front, with submit_work's own SQLSTATE."""
    tag = uuid.uuid4().hex[:8]
    name, queue = f"bad_{tag}", f"sched_{tag}"
    await cron_conn.execute("SELECT animus.create_queue($1)", queue)
    args: dict[str, object] = {"work_type": "x", "params": "{}", "dedup_key": None}
    args["max_attempts"] = None
    args[field] = int(value) if field == "max_attempts" else value
    with pytest.raises(asyncpg.PostgresError) as submitted:
        await cron_conn.execute(
            "SELECT animus.submit_work($1, $2, 'schedule:x', $3::jsonb, dedup_key => $4, "
            "max_attempts => $5)",
            queue,
            args["work_type"],
            args["params"],
            args["dedup_key"],
            args["max_attempts"],
        )
    with pytest.raises(asyncpg.PostgresError) as scheduled:
        await cron_conn.execute(
            "SELECT animus.schedule_work($1, '@hourly', $2, $3, $4::jsonb, dedup_key => $5, "
            "max_attempts => $6)",
            name,
            queue,
            args["work_type"],
            args["params"],
            args["dedup_key"],
            args["max_attempts"],
        )
    assert submitted.value.sqlstate == sqlstate
    assert scheduled.value.sqlstate == sqlstate
    jobs = "SELECT count(*) FROM cron.job WHERE jobname = $1"
    assert await cron_conn.fetchval(jobs, f"animus:{name}") == 0, "no pg_cron job was left behind"


@pytest.fixture
async def operators(cron_conn: asyncpg.Connection) -> AsyncIterator[tuple[str, str]]:
    """Two operator roles of this test's own (roles are cluster-wide), dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    alice, bob = f"sched_alice_{tag}", f"sched_bob_{tag}"
    for role in (alice, bob):
        await cron_conn.execute(f'CREATE ROLE "{role}" NOLOGIN IN ROLE animus_ops')
    try:
        yield alice, bob
    finally:
        await cron_conn.execute("RESET ROLE")
        for role in (alice, bob):
            await cron_conn.execute(f'DROP ROLE "{role}"')


async def test_only_the_owner_or_the_schema_owner_changes_a_schedule(
    cron_conn: asyncpg.Connection, operators: tuple[str, str]
) -> None:
    alice, bob = operators
    tag = uuid.uuid4().hex[:8]
    name, queue = f"own_{tag}", f"sched_{tag}"
    await cron_conn.execute("SELECT animus.create_queue($1)", queue)
    await cron_conn.execute(f'SET ROLE "{alice}"')
    jobid = await cron_conn.fetchval(
        "SELECT animus.schedule_work($1, '0 3 * * *', $2, 'nightly')", name, queue
    )
    owner = await cron_conn.fetchval(
        "SELECT owner FROM animus.list_schedules() WHERE name = $1", name
    )
    assert owner == alice

    await cron_conn.execute(f'SET ROLE "{bob}"')
    for call, args in (
        ("SELECT animus.schedule_work($1, '* * * * *', $2, 'hijack')", (name, queue)),
        ("SELECT animus.pause_schedule($1)", (name,)),
        ("SELECT animus.unschedule_work($1)", (name,)),
    ):
        with pytest.raises(asyncpg.PostgresError) as refused:
            await cron_conn.execute(call, *args)
        assert refused.value.sqlstate == "AN050", call
    await cron_conn.execute("RESET ROLE")
    job = await cron_conn.fetchrow("SELECT schedule, active FROM cron.job WHERE jobid = $1", jobid)
    assert job is not None and (job["schedule"], job["active"]) == ("0 3 * * *", True)
    row = await cron_conn.fetchrow(
        "SELECT work_type, owner FROM animus.schedules WHERE name = $1", name
    )
    assert row is not None and (row["work_type"], row["owner"]) == ("nightly", alice)

    await cron_conn.execute(f'SET ROLE "{alice}"')
    await cron_conn.execute("SELECT animus.pause_schedule($1)", name)
    await cron_conn.execute("RESET ROLE")
    # The schema owner (here the superuser that deployed it) may change anyone's.
    await cron_conn.execute("SELECT animus.pause_schedule($1, false)", name)
    await cron_conn.execute("SELECT animus.unschedule_work($1)", name)
    assert await cron_conn.fetchval("SELECT count(*) FROM cron.job WHERE jobid = $1", jobid) == 0


async def test_pg_cron_runs_the_schedule(
    tick: Tick, cron_url: str, cron_conn: asyncpg.Connection
) -> None:
    """The last test of the module: pg_cron itself ran the schedules the first one added (at
    the first minute boundary after they were added). Wait no longer than that plus slack."""
    boundary = tick.added_at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    deadline = boundary + TICK_SLACK
    item = None
    while True:
        item = await cron_conn.fetchrow(
            "SELECT source, trigger_info, state FROM animus.work_items "
            "WHERE queue_name = $1 AND work_type = 'tick'",
            tick.queue,
        )
        failed = await cron_conn.fetchval(
            "SELECT last_failure FROM animus.list_schedules() WHERE name = $1", tick.broken
        )
        if (item is not None and failed is not None) or dt.datetime.now(dt.UTC) > deadline:
            break
        await asyncio.sleep(1)
    assert item is not None, f"pg_cron did not run {tick.name} by {deadline:%H:%M:%S}: " + repr(
        await cron_conn.fetch("SELECT * FROM animus.list_schedules() WHERE name = $1", tick.name)
    )
    assert (item["source"], item["trigger_info"]) == (f"schedule:{tick.name}", "pg_cron * * * * *")

    listed = {r["name"]: r for r in json.loads(cli_ok("schedule", "list", "--json", url=cron_url))}
    ran = listed[tick.name]
    assert ran["last_status"] == "succeeded" and ran["last_run_at"] is not None
    assert ran["last_failure"] is None
    broken = listed[tick.broken]
    assert broken["last_status"] == "failed" and broken["last_failure_at"] is not None
    assert "gone_" in broken["last_failure"], "the failure names the queue that is gone"
    table = cli_ok("schedule", "list", url=cron_url)
    assert broken["last_failure"].split("\n")[0][:40] in table, "the table shows it too"

"""Roles as an agent meets them: a login role made as docs/security.md says, connected through
the client; the timeouts of the role_settings change; and readers that never wait on each other.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from animus import Db, NewWorkItem, init_connection
from animus.errors import DatabaseError, PermissionDenied


def as_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


@pytest.fixture
async def admin(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def agent_url(admin: asyncpg.Connection, database_url: str) -> AsyncIterator[str]:
    """A login role made by the recipe in docs/security.md."""
    role = f"agent_{uuid.uuid4().hex[:10]}"
    password = uuid.uuid4().hex
    dbname = await admin.fetchval("SELECT current_database()")
    await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE animus_app")
    await admin.execute(f"ALTER ROLE {role} IN DATABASE \"{dbname}\" SET statement_timeout = '30s'")
    await admin.execute(f"ALTER ROLE {role} IN DATABASE \"{dbname}\" SET lock_timeout = '5s'")
    await admin.execute(
        f'ALTER ROLE {role} IN DATABASE "{dbname}" '
        "SET idle_in_transaction_session_timeout = '15s'"
    )
    try:
        yield as_user(database_url, role, password)
    finally:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role
        )
        await admin.execute(f"DROP ROLE {role}")


@asynccontextmanager
async def agent_db(url: str) -> AsyncIterator[Db]:
    """A Db on one connection of the agent role (the health check is tested separately)."""
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        yield Db(conn, owned=False)
    finally:
        await conn.close()


async def test_an_agent_login_role_can_connect_with_the_client(agent_url: str) -> None:
    """The health check (schema, Sqitch changes, dimension) passes with only animus_app's rights."""
    db = await Db.connect(agent_url)
    try:
        assert await db.embedding_dim() == 384
    finally:
        await db.close()


async def new_queue(db: Db, items: int) -> tuple[str, list[uuid.UUID]]:
    name = f"roles_{uuid.uuid4().hex[:12]}"
    await db.create_queue(name)
    ids = []
    for i in range(items):
        result = await db.submit_work(
            NewWorkItem(queue_name=name, work_type=name, source="t", dedup_key=str(i))
        )
        ids.append(result.work_id)
    return name, ids


async def test_an_agent_login_role_uses_the_api_and_nothing_else(agent_url: str) -> None:
    async with agent_db(agent_url) as db:
        queue, ids = await new_queue(db, 1)
        (item,) = await db.read_work(queue, 30)
        assert item.id == ids[0]
        await db.complete(item.id)
        with pytest.raises(PermissionDenied) as denied:
            await db.requeue_dead(queue)
        assert denied.value.sqlstate == "42501"
    conn = await asyncpg.connect(agent_url)
    try:
        for statement in (
            "SELECT count(*) FROM animus.work_items",
            "SELECT count(*) FROM animus.memories",
            "SELECT count(*) FROM animus.queue_overview",
            f"SELECT count(*) FROM pgmq.q_{queue}",
            f"SELECT pgmq.send('{queue}', '{{}}'::jsonb)",
            "CREATE TABLE animus.intruder (x int)",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()


async def test_the_agent_sessions_get_the_timeouts(
    agent_url: str, admin: asyncpg.Connection
) -> None:
    conn = await asyncpg.connect(agent_url)
    try:
        assert await conn.fetchval("SHOW statement_timeout") == "30s"
        assert await conn.fetchval("SHOW lock_timeout") == "5s"
        assert await conn.fetchval("SHOW idle_in_transaction_session_timeout") == "15s"
    finally:
        await conn.close()
    # animus_app's own settings (role_settings) are there for sessions that log in as it;
    # PostgreSQL does not pass role settings on to members, hence the recipe's two lines.
    settings = await admin.fetchval(
        "SELECT setconfig FROM pg_db_role_setting WHERE setrole = 'animus_app'::regrole"
        " AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    assert sorted(settings) == [
        "idle_in_transaction_session_timeout=15s",
        "lock_timeout=5s",
        "statement_timeout=30s",
    ]


async def test_a_call_that_waits_on_a_lock_gives_up_after_lock_timeout(
    agent_url: str, admin: asyncpg.Connection
) -> None:
    async with agent_db(agent_url) as db:
        queue, _ = await new_queue(db, 1)
        (item,) = await db.read_work(queue, 30)
        async with admin.transaction():
            await admin.execute("SELECT FROM animus.work_items WHERE id = $1 FOR UPDATE", item.id)
            started = time.monotonic()
            with pytest.raises(DatabaseError) as waited:
                await db.complete(item.id)
            elapsed = time.monotonic() - started
        assert waited.value.sqlstate == "55P03"  # lock_not_available
        assert 4.5 <= elapsed < 10
        await db.complete(item.id)  # the lock gone, the same call succeeds


async def test_read_work_never_waits_for_another_readers_open_transaction(
    agent_url: str, admin: asyncpg.Connection
) -> None:
    holder = await asyncpg.connect(agent_url)
    async with agent_db(agent_url) as db:
        queue, ids = await new_queue(db, 3)
        tx = holder.transaction()
        await tx.start()
        try:
            held = await holder.fetch(
                "SELECT * FROM animus.read_work(queue_name => $1, vt_seconds => 30, qty => 1)",
                queue,
            )
            assert len(held) == 1
            held_id = held[0]["id"]

            started = time.monotonic()
            others = await db.read_work(queue, 30, 10)
            assert time.monotonic() - started < 1.0
            assert sorted(i.id for i in others) == sorted(i for i in ids if i != held_id)

            started = time.monotonic()
            assert await db.read_work(queue, 30, 10) == []
            assert time.monotonic() - started < 1.0
        finally:
            await tx.rollback()
            await holder.close()
        # The holder rolled back: its read never happened, so the item is delivered afresh.
        (again,) = await db.read_work(queue, 30, 10)
        assert (again.id, again.attempts) == (held_id, 1)

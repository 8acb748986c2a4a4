"""Memory search served from a streaming replica of the embedded cluster (script/db replica).

A real hot standby: ``pg_basebackup -R`` of the running cluster, streaming on its own port. The
client's read pool sends the searches and overviews there; writes stay on the primary.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import asyncpg
import pytest

from animus import Db, LocalEmbedder, NewMemory, NewWorkItem
from animus.errors import ReadOnlyDatabase

from . import _db

REPLICA = [str(_db.ROOT / "script" / "db"), "replica"]


def _replica(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*REPLICA, *args], capture_output=True, text=True, cwd=_db.ROOT)


@pytest.fixture(scope="module")
def replica_server(server_url: str) -> Iterator[None]:
    # The standby is a copy of the embedded cluster, so it exists only when that is the server.
    if os.environ.get("ANIMUS_TEST_CLUSTER_URL") != server_url:
        _db.unavailable("the replica tests need the embedded cluster (script/test provides it)")
    was_running = _replica("status").returncode == 0
    started = _replica("start")
    assert started.returncode == 0, started.stderr
    yield
    if not was_running:
        # Also drops the primary's replication slot, so no WAL is kept for a stopped standby.
        destroyed = _replica("destroy")
        assert destroyed.returncode == 0, destroyed.stderr


@pytest.fixture
def primary_and_replica(server_url: str, replica_server: None) -> Iterator[tuple[str, str]]:
    with _db.fresh_database(server_url, embedding_dim=384) as url:
        name = urlsplit(url).path.lstrip("/")
        replica_url = _replica("url", name).stdout.strip()
        # A clone is on the primary at once: wait until the standby has replayed it too.
        _replayed(url, _db.with_database(replica_url, "postgres"))
        yield url, replica_url


async def _caught_up(primary: asyncpg.Pool, replica: asyncpg.Pool) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    lsn = await primary.fetchval("SELECT pg_current_wal_lsn()")
    async with asyncio.timeout(60):
        # The replay position lives on the server; there is no event to wait on.
        while not await replica.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def _replayed(primary_url: str, replica_url: str) -> None:
    """Block until the standby has replayed what the primary has written so far."""
    lsn = _db.psql(primary_url, "SELECT pg_current_wal_lsn()")
    for _ in range(1200):
        if _db.psql(replica_url, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t":
            return
        time.sleep(0.05)
    raise AssertionError("the standby did not catch up within a minute")


MEMORIES = [
    NewMemory(content="read replicas serve the read-heavy memory search", memory_type="rep"),
    NewMemory(content="the primary takes every write and every queue call", memory_type="rep"),
    NewMemory(
        content="streaming replication copies the HNSW graph page by page", memory_type="rep"
    ),
]


async def test_searches_from_the_read_pool_equal_the_primary(
    primary_and_replica: tuple[str, str], local_embedder: LocalEmbedder
) -> None:
    primary_url, replica_url = primary_and_replica
    async with await Db.connect(primary_url, read_url=replica_url, embedder=local_embedder) as db:
        assert db.read_pool is not None and db.pool is not None
        assert await db.read_pool.fetchval("SELECT pg_is_in_recovery()") is True
        assert await db.pool.fetchval("SELECT pg_is_in_recovery()") is False

        ids = await db.store_memories(MEMORIES)
        await _caught_up(db.pool, db.read_pool)

        question = "which servers answer the memory search?"
        from_replica = await db.hybrid_search(question, limit=3)
        from_primary = await db.hybrid_search(question, limit=3, on_primary=True)
        assert [m.id for m in from_replica] == [m.id for m in from_primary]
        assert [m.score for m in from_replica] == pytest.approx([m.score for m in from_primary])
        assert {m.id for m in from_replica} == set(ids)
        assert from_replica[0].content == MEMORIES[0].content

        vector_replica = await db.search_memory("how is the HNSW index copied?", limit=3)
        vector_primary = await db.search_memory(
            "how is the HNSW index copied?", limit=3, on_primary=True
        )
        assert [(m.id, m.score) for m in vector_replica] == [
            (m.id, m.score) for m in vector_primary
        ]
        assert vector_replica[0].content == MEMORIES[2].content
        assert await db.memory_overview() == await _overview_on(primary_url)


async def _overview_on(url: str) -> list[dict[str, object]]:
    async with await Db.connect(url) as db:
        return await db.memory_overview()


async def test_a_search_right_after_a_write_can_ask_for_the_primary(
    primary_and_replica: tuple[str, str], local_embedder: LocalEmbedder
) -> None:
    primary_url, replica_url = primary_and_replica
    async with await Db.connect(primary_url, read_url=replica_url, embedder=local_embedder) as db:
        assert db.read_pool is not None and db.pool is not None
        # Hold the standby's replay, so its view is certainly older than the write.
        await db.read_pool.execute("SELECT pg_wal_replay_pause()")
        try:
            await db.store_memories([MEMORIES[0]])
            stale = await db.search_memory("replicas", limit=3)
            fresh = await db.search_memory("replicas", limit=3, on_primary=True)
            assert stale == []
            assert [m.content for m in fresh] == [MEMORIES[0].content]
        finally:
            await db.read_pool.execute("SELECT pg_wal_replay_resume()")
        await _caught_up(db.pool, db.read_pool)
        assert [m.content for m in await db.search_memory("replicas", limit=3)] == [
            MEMORIES[0].content
        ]


async def test_a_write_sent_to_the_replica_is_refused_clearly(
    primary_and_replica: tuple[str, str], local_embedder: LocalEmbedder
) -> None:
    primary_url, replica_url = primary_and_replica
    _db.psql(primary_url, "SELECT animus.create_queue('rep_q')")
    _replayed(primary_url, replica_url)
    async with await Db.connect(replica_url, embedder=local_embedder) as on_replica:
        with pytest.raises(ReadOnlyDatabase) as stored:
            await on_replica.store_memories([MEMORIES[1]])
        assert stored.value.sqlstate == "25006"
        assert "primary" in (stored.value.hint or "")
        with pytest.raises(ReadOnlyDatabase):
            await on_replica.create_queue("rep_new")
        with pytest.raises(ReadOnlyDatabase):
            await on_replica.submit_work(NewWorkItem(queue_name="rep_q", work_type="t", source="s"))


def test_every_search_function_runs_on_the_hot_standby(
    primary_and_replica: tuple[str, str],
) -> None:
    # Plain psql on the standby: a search function that wrote anything (statistics, a cache)
    # would fail there with 25006.
    primary_url, replica_url = primary_and_replica
    _db.psql(
        primary_url,
        "SELECT animus.store_memory('standby search words', 'rep', "
        "(array_fill(0.0::real, ARRAY[383]) || ARRAY[1.0::real])::vector)",
    )
    q = "(SELECT embedding FROM animus.memories WHERE memory_type = 'rep')"
    _db.psql(primary_url, "SELECT animus.create_queue('rep_q')")
    _replayed(primary_url, replica_url)
    queries = {
        f"SELECT count(*) FROM animus.search_memory({q}, 5)": "1",
        "SELECT count(*) FROM animus.keyword_search('standby words', 5)": "1",
        f"SELECT count(*) FROM animus.hybrid_search('standby words', {q}, 5)": "1",
        f"SELECT count(*) FROM animus.hybrid_search('standby words', {q}, 5, fusion => 'rrf')": "1",
        f"SELECT count(*) FROM animus.search_memory({q}, 5, group_by_document => true)": "1",
        f"SELECT count(*) FROM animus.hybrid_search('standby words', {q}, 5, "
        "group_by_document => true)": "1",
        "SELECT count(*) FROM animus.get_memory((SELECT min(id) FROM animus.memories "
        "WHERE memory_type = 'rep'))": "1",
        "SELECT memories FROM animus.memory_overview WHERE memory_type = 'rep'": "1",
        "SELECT queued FROM animus.queue_overview WHERE queue_name = 'rep_q'": "0",
    }
    for query, expected in queries.items():
        assert _db.psql(replica_url, query) == expected, query

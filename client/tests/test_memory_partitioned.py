"""Memories partitioned by scope (animus.partition_memories): the client works unchanged.

A database of its own, since the rebuild takes the table's ACCESS EXCLUSIVE lock and changes
its layout for every other test.
"""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
import pytest

from animus import Db, LocalEmbedder, NewMemory
from animus.errors import InvalidPartitionCount, MemoryLayoutMismatch, map_db_error

from . import _db


@pytest.fixture
def partitioned_url(server_url: str) -> Iterator[str]:
    with _db.fresh_database(server_url, 384) as url:
        yield url


async def test_every_client_memory_call_on_a_partitioned_table(
    partitioned_url: str, local_embedder: LocalEmbedder
) -> None:
    db = await Db.connect(partitioned_url, embedder=local_embedder)
    try:
        acme, globex = db.scoped("acme"), db.scoped("globex")
        before = await acme.store_memory("The launch is on Friday.", "note")
        assert _db.psql(partitioned_url, "SELECT animus.partition_memories(8)") == "1"
        assert (
            _db.psql(
                partitioned_url,
                "SELECT count(*) FROM pg_inherits WHERE inhparent = 'animus.memories'::regclass",
            )
            == "8"
        )

        # The pooled connections' plans were invalidated by the rebuild; every call still works.
        assert (got := await acme.get_memory(before)) is not None
        assert got.content == "The launch is on Friday."
        assert await acme.store_memory("The launch is on Friday.", "note") == before, "dedup"
        g_id = await globex.store_memory("The launch is on Friday.", "note")
        assert g_id != before, "per scope"
        (batch_id,) = await acme.store_memories(
            [NewMemory(content="Acme runs PostgreSQL 17.", memory_type="note")]
        )
        hits = await acme.search_memory("when is the launch", 10)
        assert {h.id for h in hits} == {before, batch_id}
        hybrid = await globex.hybrid_search("launch Friday", limit=10)
        assert [h.id for h in hybrid] == [g_id]
        assert await globex.get_memory(before) is None, "another scope's id reads as none"
        assert await acme.update_memory(batch_id, metadata={"edited": True})
        assert not await globex.update_memory(batch_id, metadata={"edited": False})
        chunks = await acme.store_document("handbook.md", "# Handbook\n\nBe kind.\n")
        assert len(chunks) == 1
        assert await acme.forget_document("handbook.md") == 1
        assert await acme.forget_memory(batch_id)
        overview = {(r["scope"], r["memories"]) for r in await db.memory_overview()}
        assert {("acme", 1), ("globex", 1)} <= overview
    finally:
        await db.close()

    # The refusals, as the client maps them.
    conn = await asyncpg.connect(partitioned_url)
    try:
        with pytest.raises(asyncpg.PostgresError) as refused:
            await conn.fetchval("SELECT animus.partition_memories(8)")
        assert isinstance(map_db_error(refused.value), MemoryLayoutMismatch)
        with pytest.raises(asyncpg.PostgresError) as refused:
            await conn.fetchval("SELECT animus.partition_memories(1)")
        assert isinstance(map_db_error(refused.value), InvalidPartitionCount)
        assert await conn.fetchval("SELECT animus.unpartition_memories()") == 2
    finally:
        await conn.close()

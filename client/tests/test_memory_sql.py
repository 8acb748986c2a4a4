"""The memory SQL functions against the session database (embedding_dim 384), with real
embeddings from the offline all-MiniLM-L6-v2 and plain asyncpg (no animus client code)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import numpy as np
import pytest
from pgvector.asyncpg import register_vector

from animus.local_embedder import LocalEmbedder


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    return LocalEmbedder()


async def _connect(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await register_vector(conn)
    return conn


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    c = await _connect(database_url)
    try:
        yield c
    finally:
        await c.close()


def unique_type(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


async def test_store_dedups_and_reembeds(conn: asyncpg.Connection, embedder: LocalEmbedder) -> None:
    memory_type = unique_type("dedup")
    text = "The quarterly planning meeting moved to Thursday."
    (vector,) = await embedder.embed([text])
    first = await conn.fetchval(
        "SELECT animus.store_memory($1, $2, $3, 'test', $4::jsonb, $5)",
        text,
        memory_type,
        np.array(vector),
        '{"a": 1}',
        "model-old",
    )
    # Re-embedding: the same content again, with a new vector, model and metadata.
    other = (await embedder.embed(["something else entirely"]))[0]
    again = await conn.fetchval(
        "SELECT animus.store_memory($1, $2, $3, 'test', $4::jsonb, $5)",
        text,
        memory_type,
        np.array(other),
        '{"b": 2}',
        embedder.model,
    )
    assert again == first
    row = await conn.fetchrow(
        "SELECT count(*) OVER () AS n, metadata, embedding, embedding_model "
        "FROM animus.memories WHERE memory_type = $1",
        memory_type,
    )
    assert row["n"] == 1
    assert json.loads(row["metadata"]) == {"a": 1, "b": 2}
    assert row["embedding_model"] == embedder.model
    assert np.allclose(row["embedding"].to_numpy(), other, atol=1e-6)


async def test_batch_store_returns_ids_in_order(
    conn: asyncpg.Connection, embedder: LocalEmbedder
) -> None:
    memory_type = unique_type("batch")
    texts = ["first note", "second note", "first note", "third note"]
    vectors = await embedder.embed(texts)
    items = [
        {"content": t, "memory_type": memory_type, "embedding": v}
        for t, v in zip(texts, vectors, strict=True)
    ]
    ids = [
        r[0]
        for r in await conn.fetch(
            "SELECT * FROM animus.store_memories($1::jsonb)", json.dumps(items)
        )
    ]
    assert len(ids) == 4
    assert ids[2] == ids[0]
    assert ids[0] < ids[1] < ids[3]
    stored = {
        r["id"]: r["content"]
        for r in await conn.fetch(
            "SELECT id, content FROM animus.memories WHERE memory_type = $1", memory_type
        )
    }
    assert [stored[i] for i in ids] == texts


async def test_filter_at_one_percent_still_fills_the_page(
    conn: asyncpg.Connection, embedder: LocalEmbedder
) -> None:
    # 3000 memories with real embeddings of near-identical sentences; 1% carry the filter.
    common, rare = unique_type("bulk"), unique_type("rare")
    topics = ["invoices", "deployments", "holidays", "the database", "hiring", "the roadmap"]
    texts = [f"Note {i} about {topics[i % len(topics)]} for week {i % 52}." for i in range(3000)]
    vectors = await embedder.embed(texts)
    items = [
        {"content": t, "memory_type": rare if i % 100 == 0 else common, "embedding": v}
        for i, (t, v) in enumerate(zip(texts, vectors, strict=True))
    ]
    for start in range(0, len(items), 1000):
        await conn.execute(
            "SELECT count(*) FROM animus.store_memories($1::jsonb)",
            json.dumps(items[start : start + 1000]),
        )
    await conn.execute("ANALYZE animus.memories")
    (query,) = await embedder.embed(["a note about deployments"])
    filters = json.dumps({"memory_type": rare})
    q = np.array(query)
    async with conn.transaction():
        # Leave the planner only the HNSW index: no sequential, bitmap or btree scans.
        await conn.execute("SET LOCAL enable_seqscan = off")
        await conn.execute("SET LOCAL enable_bitmapscan = off")
        await conn.execute("SET LOCAL enable_sort = off")
        vector_rows = await conn.fetch(
            "SELECT memory_type FROM animus.search_memory($1, 20, $2::jsonb)", q, filters
        )
        hybrid_rows = await conn.fetch(
            "SELECT memory_type FROM animus.hybrid_search('deployments', $1, 20, $2::jsonb)",
            q,
            filters,
        )
    assert len(vector_rows) == 20
    assert {r["memory_type"] for r in vector_rows} == {rare}
    assert len(hybrid_rows) == 20
    assert {r["memory_type"] for r in hybrid_rows} == {rare}
    await conn.execute(
        "SELECT animus.forget_memories($1::jsonb)", json.dumps({"memory_type": [common, rare]})
    )


async def test_hybrid_finds_an_exact_code_the_vector_leg_misses(
    conn: asyncpg.Connection, embedder: LocalEmbedder
) -> None:
    memory_type = unique_type("codes")
    areas = ["billing", "login", "search", "checkout", "uploads", "email", "reports", "exports"]
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    texts = [f"Customer complained that {a} was slow on {d}." for a in areas for d in days]
    target = "Reference PLX-7731-QZ: the parking garage gate stays open at night."
    texts.append(target)
    vectors = await embedder.embed(texts)
    items = [
        {"content": t, "memory_type": memory_type, "embedding": v}
        for t, v in zip(texts, vectors, strict=True)
    ]
    await conn.execute("SELECT count(*) FROM animus.store_memories($1::jsonb)", json.dumps(items))
    # An agent asks about a reference it was given; the sentence embedding follows the
    # "customer complaint" meaning and cannot see the code.
    query_text = "customer complaint PLX-7731-QZ"
    (query,) = await embedder.embed([query_text])
    q, filters = np.array(query), json.dumps({"memory_type": memory_type})
    vector_hits = [
        r["content"]
        for r in await conn.fetch(
            "SELECT content FROM animus.search_memory($1, 10, $2::jsonb)", q, filters
        )
    ]
    assert len(vector_hits) == 10
    assert target not in vector_hits
    hybrid = await conn.fetch(
        "SELECT content, vector_rank, keyword_rank "
        "FROM animus.hybrid_search($1, $2, 10, $3::jsonb)",
        query_text,
        q,
        filters,
    )
    assert len(hybrid) == 10
    assert hybrid[0]["content"] == target
    assert hybrid[0]["keyword_rank"] == 1


async def test_concurrent_stores_of_the_same_content_make_one_row(
    database_url: str, embedder: LocalEmbedder
) -> None:
    memory_type = unique_type("race")
    text = "Everyone remembers this at the same moment."
    (vector,) = await embedder.embed([text])
    conns = [await _connect(database_url) for _ in range(16)]
    try:
        barrier = asyncio.Barrier(len(conns))

        async def store(c: asyncpg.Connection, n: int) -> int:
            await barrier.wait()
            result: int = await c.fetchval(
                "SELECT animus.store_memory($1, $2, $3, NULL, $4::jsonb)",
                text,
                memory_type,
                np.array(vector),
                json.dumps({f"k{n}": n}),
            )
            return result

        ids = await asyncio.gather(*(store(c, n) for n, c in enumerate(conns)))
    finally:
        for c in conns:
            await c.close()
    assert len(set(ids)) == 1
    check = await _connect(database_url)
    try:
        rows = await check.fetch(
            "SELECT metadata FROM animus.memories WHERE memory_type = $1", memory_type
        )
    finally:
        await check.close()
    assert len(rows) == 1
    assert json.loads(rows[0]["metadata"]) == {f"k{n}": n for n in range(16)}


async def test_bad_input_is_refused_with_its_sqlstate(conn: asyncpg.Connection) -> None:
    cases = [
        ("SELECT animus.store_memory('x', 't', $1)", np.ones(3), "AN012"),
        ("SELECT animus.store_memory('x', 't', $1)", np.zeros(384), "AN013"),
        ("SELECT * FROM animus.search_memory($1, 5, '{\"tag\": 1}')", np.ones(384), "AN010"),
        ("SELECT animus.store_memory('x', 't', $1, NULL, '[]')", np.ones(384), "AN014"),
    ]
    for sql, vector, sqlstate in cases:
        with pytest.raises(asyncpg.PostgresError) as info:
            await conn.fetch(sql, vector)
        assert info.value.sqlstate == sqlstate, sql

"""Memory calls against the real database with the real offline embedder."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pydantic
import pytest

from animus import Db, HybridMatch, MemoryFilters, MemoryMatch, NewMemory
from animus.errors import (
    AnimusError,
    EmbeddingDimensionMismatch,
    InvalidFilterValue,
    UnknownFilterKey,
)
from animus.sql import FetchMethod

DOCS = [
    ("The cat sleeps on the warm windowsill all afternoon.", {"topic": "pets"}),
    ("Quarterly revenue grew by twelve percent in the European market.", {"topic": "finance"}),
    ("Postgres vacuum reclaims storage occupied by dead tuples.", {"topic": "databases"}),
    ("A kitten chased the ball of yarn across the kitchen floor.", {"topic": "pets"}),
]


class CountingEmbedder:
    """The real LocalEmbedder, recording the size of each batch it is asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model: str = inner.model
        self.provider: str = inner.provider
        self.dimensions: int = inner.dimensions
        self.batches: list[int] = []

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.batches.append(len(texts))
        vectors: list[list[float]] = await self.inner.embed(texts)
        return vectors


class CountingDb(Db):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[str] = []

    async def _run(self, executor: Any, method: FetchMethod, query: str, *args: Any) -> Any:
        # _run is the one exit of every statement, to the primary or the read pool.
        self.sent.append(query)
        return await super()._run(executor, method, query, *args)


@pytest.fixture
async def db(database_url: str, local_embedder: Any) -> AsyncIterator[CountingDb]:
    connected = await CountingDb.connect(database_url, embedder=local_embedder)
    connected.sent.clear()
    try:
        yield connected
    finally:
        await connected.close()


@pytest.fixture
async def memory_type(db: CountingDb) -> str:
    """A memory_type of this test alone, with the four DOCS stored under it."""
    kind = f"note_{uuid.uuid4().hex[:10]}"
    await db.store_memories(
        [NewMemory(content=c, memory_type=kind, source="test", metadata=m) for c, m in DOCS]
    )
    db.sent.clear()
    return kind


async def test_store_embeds_in_batches_and_stores_in_one_call(
    db: CountingDb, local_embedder: Any, database_url: str
) -> None:
    kind = f"note_{uuid.uuid4().hex[:10]}"
    counting = CountingEmbedder(local_embedder)
    docs = [NewMemory(content=f"memory number {i}", memory_type=kind) for i in range(5)]

    ids = await db.store_memories(docs, counting, batch_size=2)

    assert counting.batches == [2, 2, 1]
    assert len(db.sent) == 1, "all five stored by one statement"
    assert len(ids) == 5 and len(set(ids)) == 5
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT id, content, embedding_model FROM animus.memories WHERE memory_type = $1",
            kind,
        )
    finally:
        await conn.close()
    by_id = {r["id"]: r for r in rows}
    assert [by_id[i]["content"] for i in ids] == [d.content for d in docs], "ids in input order"
    assert {r["embedding_model"] for r in rows} == {"all-MiniLM-L6-v2"}


async def test_storing_again_returns_the_same_ids_and_merges_metadata(
    db: CountingDb, memory_type: str
) -> None:
    content, _ = DOCS[0]
    again = await db.store_memories(
        [NewMemory(content=content, memory_type=memory_type, metadata={"seen": 2})]
    )
    (match,) = await db.search_memory(content, 1, filters=MemoryFilters(memory_type=memory_type))
    assert again == [match.id]
    assert match.metadata == {"topic": "pets", "seen": 2}


async def test_search_memory_finds_the_meaning(db: CountingDb, memory_type: str) -> None:
    results = await db.search_memory(
        "feline resting in the sun", 2, filters=MemoryFilters(memory_type=memory_type)
    )
    assert all(isinstance(r, MemoryMatch) for r in results)
    assert results[0].content == DOCS[0][0]
    assert results[0].score >= results[1].score
    assert results[0].memory_type == memory_type and results[0].source == "test"
    assert len(db.sent) == 1


async def test_hybrid_search_with_an_embedder_or_a_vector(
    db: CountingDb, memory_type: str, local_embedder: Any
) -> None:
    filters = MemoryFilters(memory_type=memory_type)
    with_embedder = await db.hybrid_search("vacuum dead tuples", local_embedder, 3, filters)
    (vector,) = await local_embedder.embed(["vacuum dead tuples"])
    db.sent.clear()
    with_vector = await db.hybrid_search("vacuum dead tuples", vector, 3, filters)

    assert len(db.sent) == 1, "a given vector costs no embedding and one statement"
    assert [r.id for r in with_vector] == [r.id for r in with_embedder]
    top = with_vector[0]
    assert isinstance(top, HybridMatch)
    assert top.content == DOCS[2][0]
    assert top.vector_rank == 1 and top.keyword_rank == 1


async def test_hybrid_tuning_reaches_the_fusion(db: CountingDb, memory_type: str) -> None:
    filters = {"memory_type": memory_type}
    default = await db.hybrid_search("kitten", limit=4, filters=filters)
    assert default[0].content == DOCS[3][0] and default[0].keyword_rank == 1

    rrf = await db.hybrid_search("kitten", limit=4, filters=filters, fusion="rrf")
    # RRF: score = sum of weight / (rrf_k + rank) over the legs a row is in (weights 1, k 60).
    top = next(r for r in rrf if r.keyword_rank == 1)
    assert top.vector_rank is not None
    assert top.score == pytest.approx(1 / (60 + top.vector_rank) + 1 / (60 + 1))

    keyword_only = await db.hybrid_search(
        "kitten", limit=4, filters=filters, fusion="rrf", rrf_k=10, vector_weight=0.0
    )
    assert keyword_only[0].id == top.id
    assert keyword_only[0].score == pytest.approx(1 / (10 + 1))
    assert len(db.sent) == 3


async def test_filters_metadata_and_time(db: CountingDb, memory_type: str) -> None:
    pets = await db.search_memory(
        "animals", 10, filters=MemoryFilters(memory_type=memory_type, metadata={"topic": "pets"})
    )
    assert {r.content for r in pets} == {DOCS[0][0], DOCS[3][0]}

    future = datetime.now(UTC) + timedelta(days=1)
    none_yet = await db.search_memory(
        "animals", 10, filters=MemoryFilters(memory_type=memory_type, created_after=future)
    )
    assert none_yet == []
    # A plain mapping goes as-is, datetimes included.
    also_none = await db.search_memory(
        "animals", 10, filters={"memory_type": memory_type, "created_after": future}
    )
    assert also_none == []


async def test_bad_filters_are_database_errors_with_their_codes(db: CountingDb) -> None:
    with pytest.raises(UnknownFilterKey) as caught:
        await db.search_memory("x", 3, filters={"colour": "red"})
    assert caught.value.sqlstate == "AN010" and caught.value.hint
    with pytest.raises(InvalidFilterValue):
        await db.search_memory("x", 3, filters={"created_after": "not a time"})
    with pytest.raises(pydantic.ValidationError):
        MemoryFilters(colour="red")  # type: ignore[call-arg]


async def test_a_vector_of_the_wrong_length_is_refused_by_the_database(db: CountingDb) -> None:
    with pytest.raises(EmbeddingDimensionMismatch) as caught:
        await db.hybrid_search("x", [0.1] * 10, 3)
    assert caught.value.sqlstate == "AN012"


async def test_no_embedder_is_a_clear_error(database_url: str) -> None:
    async with await Db.connect(database_url) as db:
        with pytest.raises(AnimusError, match="no embedder"):
            await db.search_memory("x", 3)


async def test_nothing_to_store_sends_nothing(db: CountingDb) -> None:
    assert await db.store_memories([]) == []
    assert db.sent == []

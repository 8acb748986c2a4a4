"""Re-embedding (Db.reembed, animus memory reembed) and changing the embedding dimension of a
deployed database (animus.set_embedding_dim), on the real PostgreSQL, through the real openai SDK
against the local OpenAI-compatible server and with the offline MiniLM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from animus import Db, LocalEmbedder, NewMemory, OpenAIEmbedder
from animus.errors import (
    EmbeddingDimensionMismatch,
    InvalidArgument,
    InvalidEmbeddingBatch,
    InvalidEmbeddingDim,
)

from . import _db
from .openai_server import EMBEDDINGS, OpenAIServer, fake_embedding, openai_server
from .test_cli import animus

__all__ = ["openai_server"]

SNAPSHOT = """
SELECT id, content, memory_type, source, metadata::text, key, chunk_index, content_hash,
       created_at, updated_at
FROM animus.memories ORDER BY id"""


def openai(server: OpenAIServer, model: str, dimensions: int) -> OpenAIEmbedder:
    return OpenAIEmbedder(model, dimensions, api_key="sk-test-reembed", base_url=server.base_url)


class Renamed:
    """Another embedder's vectors under another model name (an "old model" to move away from)."""

    def __init__(self, inner: Any, model: str) -> None:
        self.inner, self._model = inner, model

    @property
    def model(self) -> str:
        return self._model

    @property
    def provider(self) -> str:
        return "test"

    @property
    def dimensions(self) -> int:
        dims: int = self.inner.dimensions
        return dims

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = await self.inner.embed(texts)
        return vectors


class Counting(Renamed):
    """Records every text embedded; raises after ``fail_after`` calls (a crash mid-run)."""

    def __init__(self, inner: Any, model: str, fail_after: int | None = None) -> None:
        super().__init__(inner, model)
        self.texts: list[str] = []
        self.calls = 0
        self.fail_after = fail_after

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise RuntimeError("the embedder went away")
        self.calls += 1
        self.texts.extend(texts)
        return await super().embed(texts)


async def rows(db: Db, query: str, *args: Any) -> list[asyncpg.Record]:
    pool = db.pool
    assert pool is not None
    return list(await pool.fetch(query, *args))


async def models_of(db: Db, memory_type: str) -> dict[str, int]:
    found = await rows(
        db,
        "SELECT coalesce(embedding_model, '<none>') AS m, count(*) AS n FROM animus.memories "
        "WHERE memory_type = $1 GROUP BY 1",
        memory_type,
    )
    return {r["m"]: r["n"] for r in found}


async def test_reembed_moves_one_type_between_two_models_and_back(
    db: Db, local_embedder: LocalEmbedder, openai_server: OpenAIServer
) -> None:
    kind = f"reembed_{uuid.uuid4().hex[:8]}"
    other = f"reembed_other_{uuid.uuid4().hex[:8]}"
    texts = [f"fact number {i}: the {i}th server is in rack {i % 7}" for i in range(25)]
    ids = await db.store_memories(
        [NewMemory(content=t, memory_type=kind, metadata={"i": i}) for i, t in enumerate(texts)]
    )
    (other_id,) = await db.store_memories([NewMemory(content="left alone", memory_type=other)])
    before = {m.id: m for m in [await db.get_memory(i) for i in ids] if m is not None}
    remote = openai(openai_server, "text-embedding-3-small", 384)

    assert await db.count_to_reembed(remote.model, memory_type=kind) == 25
    result = await db.reembed(remote, memory_type=kind, batch_size=10)
    assert (result.model, result.reembedded, result.skipped, result.batches) == (
        "text-embedding-3-small",
        25,
        0,
        3,
    )
    sent = openai_server.requests_to(EMBEDDINGS)
    assert [len(r.body["input"]) for r in sent] == [10, 10, 5]
    assert {r.body["model"] for r in sent} == {"text-embedding-3-small"}
    assert await models_of(db, kind) == {"text-embedding-3-small": 25}
    assert await models_of(db, other) == {local_embedder.model: 1}, "another type is untouched"
    # The stored vectors are the provider's, and search finds each text by them.
    stored = await rows(db, "SELECT content, embedding FROM animus.memories WHERE id = $1", ids[3])
    expected = fake_embedding(texts[3], 384)
    assert stored[0]["embedding"].to_list() == pytest.approx(expected, abs=1e-6)
    hits = await db.search_memory(fake_embedding(texts[3], 384), 1, filters={"memory_type": kind})
    assert hits[0].id == ids[3] and hits[0].score == pytest.approx(1.0, abs=1e-5)

    # Nothing left for that model: a second run sends nothing.
    again = await db.reembed(remote, memory_type=kind, batch_size=10)
    assert (again.reembedded, again.batches) == (0, 0)
    assert len(openai_server.requests_to(EMBEDDINGS)) == 3

    # And back to the local model, with the Db's own embedder.
    back = await db.reembed(memory_type=kind, batch_size=7)
    assert (back.model, back.reembedded, back.batches) == (local_embedder.model, 25, 4)
    assert await models_of(db, kind) == {local_embedder.model: 25}
    hits = await db.search_memory(texts[11], 1, filters={"memory_type": kind})
    assert hits[0].id == ids[11] and hits[0].score == pytest.approx(1.0, abs=1e-5)
    after = {m.id: m for m in [await db.get_memory(i) for i in ids] if m is not None}
    assert after.keys() == before.keys()
    for memory_id, old in before.items():
        new = after[memory_id]
        assert (new.content, new.metadata, new.created_at, new.updated_at) == (
            old.content,
            old.metadata,
            old.created_at,
            old.updated_at,
        )
    assert await db.get_memory(other_id) is not None


async def test_an_interrupted_reembed_resumes_where_it_stopped(
    db: Db, local_embedder: LocalEmbedder
) -> None:
    kind = f"reembed_crash_{uuid.uuid4().hex[:8]}"
    old = Renamed(local_embedder, "old-model")
    await db.store_memories(
        [NewMemory(content=f"note {i} about resuming", memory_type=kind) for i in range(23)],
        embedder=old,
    )
    crashing = Counting(local_embedder, "new-model", fail_after=2)
    with pytest.raises(RuntimeError, match="went away"):
        await db.reembed(crashing, memory_type=kind, batch_size=5)
    # The two batches written before the crash are kept; nothing else was touched.
    assert await models_of(db, kind) == {"new-model": 10, "old-model": 13}
    assert await db.count_to_reembed("new-model", memory_type=kind) == 13

    resumed = Counting(local_embedder, "new-model")
    result = await db.reembed(resumed, memory_type=kind, batch_size=5)
    assert (result.reembedded, result.batches) == (13, 3)
    assert not set(resumed.texts) & set(crashing.texts), "no memory is embedded twice"
    assert len(set(resumed.texts) | set(crashing.texts)) == 23
    assert await models_of(db, kind) == {"new-model": 23}


async def test_reembed_skips_what_changed_or_went_meanwhile(
    db: Db, local_embedder: LocalEmbedder
) -> None:
    kind = f"reembed_race_{uuid.uuid4().hex[:8]}"
    old = Renamed(local_embedder, "old-model")
    ids = await db.store_memories(
        [NewMemory(content=f"racing note {i}", memory_type=kind) for i in range(4)], embedder=old
    )

    class Meddling(Counting):
        # Between the read of the batch and its write: one memory is forgotten, one edited.
        async def embed(self, texts: Sequence[str]) -> list[list[float]]:
            if self.calls == 0:
                await db.forget_memory(ids[0])
                await db.update_memory(ids[1], content="racing note 1, edited", embedder=old)
            return await super().embed(texts)

    result = await db.reembed(Meddling(local_embedder, "new-model"), memory_type=kind)
    assert (result.reembedded, result.skipped) == (2, 2)
    # The edited memory keeps the embedding its update brought, of the edited text.
    assert await models_of(db, kind) == {"new-model": 2, "old-model": 1}
    edited = await db.get_memory(ids[1])
    assert edited is not None and edited.content == "racing note 1, edited"


async def test_reembed_refuses_an_embedder_of_another_dimension(
    db: Db, openai_server: OpenAIServer
) -> None:
    with pytest.raises(EmbeddingDimensionMismatch) as caught:
        await db.reembed(openai(openai_server, "text-embedding-3-large", 3072))
    assert (caught.value.expected, caught.value.actual) == (384, 3072)
    assert caught.value.hint is not None and "set_embedding_dim(3072)" in caught.value.hint
    assert not openai_server.requests_to(EMBEDDINGS)


async def test_set_embeddings_and_set_embedding_dim_errors_map(db: Db) -> None:
    with pytest.raises(InvalidEmbeddingBatch):
        await db._send("fetchval", "SELECT animus.set_embeddings('{}'::jsonb, 'm')")
    with pytest.raises(InvalidEmbeddingDim):
        await db.set_embedding_dim(4001)


def test_cli_reembed_killed_mid_run_continues_when_run_again(
    database_url: str, local_embedder: LocalEmbedder
) -> None:
    kind = f"reembed_cli_{uuid.uuid4().hex[:8]}"
    total = 120

    async def seed() -> None:
        async with await Db.connect(database_url) as db:
            await db.store_memories(
                [
                    NewMemory(content=f"cli note {i} to re-embed", memory_type=kind)
                    for i in range(total)
                ],
                embedder=Renamed(local_embedder, "old-model"),
            )

    async def left() -> int:
        async with await Db.connect(database_url) as db:
            return await db.count_to_reembed(local_embedder.model, memory_type=kind)

    asyncio.run(seed())
    argv = [sys.executable, "-m", "animus", "memory", "reembed", "--type", kind, "--batch", "4"]
    proc = subprocess.Popen(
        [*argv, "--url", database_url],
        cwd=_db.ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    try:
        # stderr is not a terminal: one plain progress line per batch.
        first = proc.stderr.readline()
        while first and not first.startswith("re-embedding"):
            first = proc.stderr.readline()  # a library's start-up notice, if any
        assert (
            first.startswith(f"re-embedding with {local_embedder.model} [") and f"/{total}" in first
        )
        second = proc.stderr.readline()
        assert "/120" in second
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    remaining = asyncio.run(left())
    assert 0 < remaining <= total - 8, "the batches written before the kill are kept"

    done = animus("memory", "reembed", "--type", kind, "--batch", "50", "--json", url=database_url)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["reembedded"] == remaining and report["skipped"] == 0
    assert report["model"] == local_embedder.model
    assert asyncio.run(left()) == 0
    lines = done.stderr.strip().splitlines()
    assert lines[-1].endswith(f"{remaining}/{remaining} 100%"), done.stderr


async def test_reembed_batch_bounds_are_the_databases(db: Db) -> None:
    """memories_to_reembed owns the 1..1000 bound: refused (AN008) before anything is embedded."""
    for size in (0, 1001):
        with pytest.raises(InvalidArgument, match="batch_size must be between 1 and 1000"):
            await db.reembed(batch_size=size)


def test_cli_reembed_batch_out_of_range_is_exit_2(database_url: str) -> None:
    proc = animus("memory", "reembed", "--batch", "5000", url=database_url)
    assert proc.returncode == 2, proc.stderr
    assert "batch_size must be between 1 and 1000, got 5000" in proc.stderr


def test_cli_reembed_rejects_a_model_the_local_embedder_is_not(database_url: str) -> None:
    proc = animus("memory", "reembed", "--model", "text-embedding-3-large", url=database_url)
    assert proc.returncode == 2, proc.stderr
    assert "--embedder openai" in proc.stderr


def test_dimension_change_from_1536_to_384_keeps_every_memory(
    server_url: str, openai_server: OpenAIServer, local_embedder: LocalEmbedder
) -> None:
    wide = openai(openai_server, "text-embedding-3-small", 1536)
    texts = [f"incident {i}: the ledger service on host {i % 5} ran out of disk" for i in range(40)]

    async def seed(url: str) -> list[asyncpg.Record]:
        async with await Db.connect(url, embedder=wide) as db:
            await db.store_memories(
                [
                    NewMemory(content=t, memory_type="incident", source="pager", metadata={"i": i})
                    for i, t in enumerate(texts)
                ]
            )
            await db.store_document(
                "runbooks/disk.md",
                "# Disk\n\nClean /var/log first.\n\n## Ledger\n\nRotate the ledger.",
            )
            return await rows(db, SNAPSHOT)

    async def change(url: str) -> int:
        async with await Db.connect(url) as db:
            return await db.set_embedding_dim(384)

    async def while_waiting(url: str) -> None:
        # The old embedder no longer fits; the new one connects, the vector leg has nothing
        # yet, keyword search finds everything.
        with pytest.raises(EmbeddingDimensionMismatch):
            await Db.connect(url, embedder=wide)
        async with await Db.connect(url, embedder=local_embedder) as db:
            assert await db.embedding_dim() == 384
            assert await db.search_memory("ledger disk", 10) == []
            hits = await rows(db, "SELECT content FROM animus.keyword_search('incident 17', 5)")
            assert texts[17] in [h["content"] for h in hits]
            hybrid = await db.hybrid_search("ledger", limit=50)
            assert hybrid and all(h.vector_rank is None for h in hybrid)

    async def check(url: str, snapshot: list[asyncpg.Record]) -> None:
        async with await Db.connect(url, embedder=local_embedder) as db:
            assert await rows(db, SNAPSHOT) == snapshot, "ids, content, metadata, keys, times kept"
            left = await rows(
                db,
                "SELECT count(*) AS n FROM animus.memories "
                "WHERE embedding IS NULL OR embedding_model IS DISTINCT FROM $1",
                local_embedder.model,
            )
            assert left[0]["n"] == 0
            for i in (0, 17, 39):
                (hit,) = await db.search_memory(texts[i], 1)
                assert hit.content == texts[i] and hit.score == pytest.approx(1.0, abs=1e-5)
            best = await db.hybrid_search("ledger rotation", limit=3, group_by_document=True)
            assert any(h.metadata.get("document") == "runbooks/disk.md" for h in best)

    with _db.fresh_database(server_url, 1536) as url:
        snapshot = asyncio.run(seed(url))
        assert len(snapshot) > 40
        assert asyncio.run(change(url)) == len(snapshot)
        asyncio.run(while_waiting(url))
        proc = animus("memory", "reembed", "--batch", "16", "--json", url=url)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["reembedded"] == len(snapshot)
        asyncio.run(check(url, snapshot))


def test_a_database_at_3072_dimensions_stores_searches_and_uses_the_halfvec_index(
    server_url: str, openai_server: OpenAIServer
) -> None:
    large = openai(openai_server, "text-embedding-3-large", 3072)
    texts = [f"large model memory {i} about topic {i % 9}" for i in range(60)]

    async def run(url: str) -> None:
        async with await Db.connect(url) as db:
            assert await db.set_embedding_dim(3072) == 0
        async with await Db.connect(url, embedder=large) as db:
            ids = await db.store_memories([NewMemory(content=t, memory_type="big") for t in texts])
            (hit,) = await db.search_memory(texts[42], 1)
            assert hit.id == ids[42] and hit.score == pytest.approx(1.0, abs=1e-3)
            hybrid = await db.hybrid_search("topic 4 memory 13", limit=5)
            assert hybrid[0].id == ids[13]

    with _db.fresh_database(server_url, 3) as url:
        asyncio.run(run(url))
        column = _db.psql(
            url,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'animus.memories'::regclass AND attname = 'embedding'",
        )
        assert column == "halfvec(3072)"
        query = json.dumps(fake_embedding(texts[5], 3072))
        plan = _db.psql(
            url,
            "SET enable_seqscan = off; SET enable_sort = off;"
            " EXPLAIN (COSTS OFF) SELECT * FROM animus._vector_leg("
            f"'{query}', 10, ROW(NULL, NULL, NULL, NULL, NULL)::animus.memory_filter, 'default')",
        )
        assert "Index Scan using memories_embedding_idx" in plan


def test_cli_reembed_with_an_openai_model_through_the_sdk(
    database_url: str, openai_server: OpenAIServer, local_embedder: LocalEmbedder
) -> None:
    kind = f"reembed_oai_{uuid.uuid4().hex[:8]}"
    texts = [f"openai cli note {i}" for i in range(7)]

    async def seed() -> None:
        async with await Db.connect(database_url, embedder=local_embedder) as db:
            await db.store_memories([NewMemory(content=t, memory_type=kind) for t in texts])

    async def stored() -> dict[str, list[float]]:
        async with await Db.connect(database_url) as db:
            found = await rows(
                db,
                "SELECT content, embedding FROM animus.memories "
                "WHERE memory_type = $1 AND embedding_model = 'text-embedding-3-large'",
                kind,
            )
        return {r["content"]: r["embedding"].to_list() for r in found}

    asyncio.run(seed())
    env = {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": openai_server.base_url}
    args = ("memory", "reembed", "--type", kind, "--batch", "3", "--json")
    proc = animus(
        *args,
        "--embedder",
        "openai",
        "--model",
        "text-embedding-3-large",
        url=database_url,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["reembedded"] == 7
    sent = openai_server.requests_to(EMBEDDINGS)
    assert [len(r.body["input"]) for r in sent] == [3, 3, 1]
    assert {(r.body["model"], r.body["dimensions"]) for r in sent} == {
        ("text-embedding-3-large", 384)
    }
    vectors = asyncio.run(stored())
    assert vectors.keys() == set(texts)
    for text, vector in vectors.items():
        assert vector == pytest.approx(fake_embedding(text, 384), abs=1e-6)

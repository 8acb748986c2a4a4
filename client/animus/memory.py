"""Semantic-memory calls. Embeddings are computed here; storage and ranking are SQL functions."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from . import sql
from .chunking import DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP, Chunk, split_document
from .embeddings import Embedder, traced_embed
from .errors import (
    AnimusError,
    EmbeddingDimensionMismatch,
    InvalidArgument,
    InvalidEmbedding,
    MissingEmbedder,
)
from .models import HybridMatch, Memory, MemoryFilters, MemoryMatch, NewMemory

Filters = MemoryFilters | Mapping[str, Any] | None

#: The scope of every memory stored or searched without naming one (and of every v0.1.0 memory).
DEFAULT_SCOPE = "default"

#: The most keys one animus.stored_documents call takes.
STORED_DOCUMENTS_BATCH = 10_000


class MemoryCalls(sql.SqlCaller):
    """The semantic-memory half of ``Db``.

    Every memory belongs to one scope (a tenant, or a tenant's user, agent or run). Each call
    takes ``scope=``; left out, it is the ``Db``'s scope (``Db.connect(..., scope=...)`` or
    ``db.scoped(...)``), which is ``"default"`` unless set.
    """

    #: The embedder used when a call is not given one (set by ``Db.connect``).
    embedder: Embedder | None
    #: The scope of calls that do not name one.
    scope: str = DEFAULT_SCOPE

    async def store_memories(
        self,
        docs: Sequence[NewMemory],
        embedder: Embedder | None = None,
        *,
        batch_size: int = 256,
        scope: str | None = None,
    ) -> list[int]:
        """Embed ``docs`` in batches, then store them all in one call, in one scope; ids in
        input order.

        Storing the same content and memory_type again in the scope returns the existing id,
        merges the metadata and replaces the embedding (that is how a memory is re-embedded).
        """
        if not docs:
            return []
        chosen = self._embedder(embedder)
        vectors = await _embed_all(chosen, [doc.content for doc in docs], batch_size)
        items = [
            {
                "content": doc.content,
                "memory_type": doc.memory_type,
                "source": doc.source,
                "metadata": doc.metadata,
                "embedding": vector,
                "embedding_model": chosen.model,
            }
            for doc, vector in zip(docs, vectors, strict=True)
        ]
        records = await self._send("fetch", sql.STORE_MEMORIES, items, self._scope(scope))
        return [r["id"] for r in records]

    async def store_memory(
        self,
        content: str,
        memory_type: str,
        *,
        key: str | None = None,
        source: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        embedder: Embedder | None = None,
        scope: str | None = None,
    ) -> int:
        """Embed and store one memory in ``scope``; its id.

        Without ``key``, the content dedup applies (the same content and memory_type return the
        existing id). With ``key`` (a document path, a URL, a message id), storing the key again
        replaces what it named, content included, and keeps the id; keyed memories are never
        merged by content.
        """
        if key is None:
            (memory_id,) = await self.store_memories(
                [
                    NewMemory(
                        content=content,
                        memory_type=memory_type,
                        source=source,
                        metadata=dict(metadata or {}),
                    )
                ],
                embedder,
                scope=scope,
            )
            return memory_id
        (memory_id,) = await self._store_keyed(
            key, memory_type, [(content, {})], source, metadata, embedder, scope=scope
        )
        return memory_id

    async def store_document(
        self,
        key: str,
        text: str,
        memory_type: str = "document",
        *,
        source: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        overlap: int = DEFAULT_OVERLAP,
        embedder: Embedder | None = None,
        scope: str | None = None,
    ) -> list[int]:
        """Split ``text`` (Markdown or plain) into chunks that fit the embedder's window (by
        headings, then windows of ``max_tokens`` overlapping by ``overlap``), embed them and
        store them under ``key``; the chunk ids in order.

        Storing the key again replaces all of its chunks in one transaction. Each chunk's
        metadata holds ``document`` (the key), ``chunk`` (its index) and ``headings`` (the
        heading path above it), besides ``metadata``.
        """
        chunks = split_document(text, max_tokens, overlap)
        if not chunks:
            raise InvalidArgument("the document is empty", sqlstate="AN008")
        return await self.store_chunks(
            key, chunks, memory_type=memory_type, source=source, metadata=metadata,
            embedder=embedder, scope=scope,
        )  # fmt: skip

    async def store_chunks(
        self,
        key: str,
        chunks: Sequence[Chunk],
        *,
        memory_type: str = "document",
        source: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        embedder: Embedder | None = None,
        batch_size: int = 256,
        scope: str | None = None,
    ) -> list[int]:
        """Store already split ``chunks`` under ``key`` in ``scope``, replacing what it held
        there (see ``store_document``)."""
        return await self._store_keyed(
            key,
            memory_type,
            [(c.text, {"headings": list(c.headings)}) for c in chunks],
            source,
            metadata,
            embedder,
            batch_size=batch_size,
            scope=scope,
        )

    async def _store_keyed(
        self,
        key: str,
        memory_type: str,
        chunks: Sequence[tuple[str, Mapping[str, Any]]],
        source: str | None,
        metadata: Mapping[str, Any] | None,
        embedder: Embedder | None,
        *,
        batch_size: int = 256,
        scope: str | None = None,
    ) -> list[int]:
        """Embed the chunks, then replace everything stored under ``key`` in one call."""
        chosen = self._embedder(embedder)
        vectors = await _embed_all(chosen, [text for text, _ in chunks], batch_size)
        items = [
            {
                "content": text,
                "metadata": dict(chunk_metadata),
                "embedding": vector,
            }
            for (text, chunk_metadata), vector in zip(chunks, vectors, strict=True)
        ]
        records = await self._send(
            "fetch",
            sql.STORE_DOCUMENT,
            key,
            memory_type,
            items,
            source,
            dict(metadata or {}),
            chosen.model,
            self._scope(scope),
        )
        return [r["id"] for r in records]

    async def get_memory(
        self, memory_id: int, *, scope: str | None = None, on_primary: bool = False
    ) -> Memory | None:
        """The memory with this id in ``scope``, or None (another scope's id reads as none).
        Runs on the replica when there is a read pool."""
        record = await self._send_read(
            "fetchrow", sql.GET_MEMORY, memory_id, self._scope(scope), on_primary=on_primary
        )
        return None if record is None else Memory.from_record(record)

    async def update_memory(
        self,
        memory_id: int,
        content: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        embedder: Embedder | None = None,
        *,
        scope: str | None = None,
    ) -> bool:
        """Change a memory of ``scope`` in place; False when the scope has none with this id.

        New ``content`` is embedded here (the database refuses new content without a new
        embedding); ``metadata`` replaces the old metadata. ``updated_at`` is set.
        """
        vector: Sequence[float] | None = None
        model: str | None = None
        if content is not None:
            chosen = self._embedder(embedder)
            (vector,) = await _embed_all(chosen, [content])
            model = chosen.model
        result: bool = await self._send(
            "fetchval",
            sql.UPDATE_MEMORY,
            memory_id,
            content,
            None if metadata is None else dict(metadata),
            vector,
            model,
            self._scope(scope),
        )
        return result

    async def forget_memory(self, memory_id: int, *, scope: str | None = None) -> bool:
        """Delete one memory of ``scope``; False when the scope had none with this id."""
        result: bool = await self._send(
            "fetchval", sql.FORGET_MEMORY, memory_id, self._scope(scope)
        )
        return result

    async def forget_memories(
        self, filters: Filters, *, all: bool = False, scope: str | None = None
    ) -> int:
        """Delete the memories of ``scope`` matching ``filters``; how many. A filter that
        narrows nothing (``{}``, None) is refused (``InvalidArgument``) unless ``all=True``,
        which forgets the whole scope (never another)."""
        result: int = await self._send(
            "fetchval", sql.FORGET_MEMORIES, _filters_json(filters), all, self._scope(scope)
        )
        return result

    async def forget_document(self, key: str, *, scope: str | None = None) -> int:
        """Delete the memory or every chunk of the document stored under ``key`` in ``scope``;
        how many."""
        result: int = await self._send("fetchval", sql.FORGET_DOCUMENT, key, self._scope(scope))
        return result

    async def search_memory(
        self,
        query: str | Sequence[float],
        limit: int = 10,
        embedder: Embedder | None = None,
        filters: Filters = None,
        *,
        group_by_document: bool = False,
        on_primary: bool = False,
        scope: str | None = None,
    ) -> list[MemoryMatch]:
        """The ``limit`` memories of ``scope`` closest to ``query`` (a text to embed, or a
        vector).

        ``group_by_document=True`` returns only the closest chunk of each document.

        With a read pool (``read_url``) the search runs on the replica; ``on_primary=True``
        runs it on the primary instead, to see this client's own writes at once.
        """
        vector = _finite(await self._vector(query, embedder))
        records = await self._send_read(
            "fetch",
            sql.SEARCH_MEMORY,
            vector,
            limit,
            _filters_json(filters),
            group_by_document,
            self._scope(scope),
            on_primary=on_primary,
        )
        return [MemoryMatch.from_record(r) for r in records]

    async def hybrid_search(
        self,
        text: str,
        embedding: Sequence[float] | Embedder | None = None,
        limit: int = 10,
        filters: Filters = None,
        *,
        fusion: str | None = None,
        vector_weight: float | None = None,
        keyword_weight: float | None = None,
        rrf_k: int | None = None,
        keyword_ranking: str | None = None,
        group_by_document: bool = False,
        on_primary: bool = False,
        scope: str | None = None,
    ) -> list[HybridMatch]:
        """Vector and keyword search over the memories of ``scope``, fused.

        ``embedding`` is the query's vector, or an embedder to compute it with (default: the
        ``Db``'s embedder). The keyword arguments tune the fusion (``fusion`` "convex" or "rrf",
        the leg weights, ``rrf_k``, ``keyword_ranking``); those left as None are not sent, so
        the SQL function's defaults apply. ``group_by_document=True`` returns only the best
        chunk of each document. With a read pool (``read_url``) the search runs on
        the replica; ``on_primary=True`` runs it on the primary (read-your-writes).
        """
        if embedding is None or isinstance(embedding, Embedder):
            vector = await self._vector(text, embedding)
        else:
            vector = embedding
        vector = _finite(vector)
        tuning = {
            name: value
            for name, value in (
                ("rrf_k", rrf_k),
                ("vector_weight", vector_weight),
                ("keyword_weight", keyword_weight),
                ("keyword_ranking", keyword_ranking),
                ("fusion", fusion),
                ("group_by_document", group_by_document or None),
            )
            if value is not None
        }
        query = sql.HYBRID_SEARCH
        if tuning:
            query = sql.hybrid_search_tuned(tuple(tuning))
            tuning = {name: tuning[name] for name in sql.HYBRID_TUNING if name in tuning}
        records = await self._send_read(
            "fetch",
            query,
            text,
            vector,
            limit,
            _filters_json(filters),
            self._scope(scope),
            *tuning.values(),
            on_primary=on_primary,
        )
        return [HybridMatch.from_record(r) for r in records]

    async def memory_overview(self, scope: str | None = None) -> list[dict[str, Any]]:
        """Operator call: memory counts by scope, memory_type and embedding_model (needs
        animus_ops): every scope, or only ``scope``, filtered by the view."""
        if scope is None:
            return [dict(r) for r in await self._send_read("fetch", sql.MEMORY_OVERVIEW)]
        return [dict(r) for r in await self._send_read("fetch", sql.MEMORY_OVERVIEW_SCOPE, scope)]

    async def stored_documents(
        self, keys: Sequence[str], *, scope: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """What ``scope`` holds under each of ``keys`` (``animus.stored_documents``), by key:
        ``chunks``, chunk 0's ``memory_type``, ``source`` and ``metadata``, the
        ``embedding_model`` of every chunk (None when they differ) and ``updated_at``. A key the
        scope does not hold is absent. Reads the primary (it follows this client's writes)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), STORED_DOCUMENTS_BATCH):
            batch = list(keys[start : start + STORED_DOCUMENTS_BATCH])
            for record in await self._send(
                "fetch", sql.STORED_DOCUMENTS, batch, self._scope(scope)
            ):
                found[record["key"]] = dict(record)
        return found

    def _scope(self, scope: str | None) -> str:
        return self.scope if scope is None else scope

    def _embedder(self, embedder: Embedder | None) -> Embedder:
        chosen = embedder or self.embedder
        if chosen is None:
            raise MissingEmbedder(
                "no embedder: pass one to this call or to Db.connect(..., embedder=...)"
            )
        return chosen

    async def _vector(
        self, query: str | Sequence[float], embedder: Embedder | None
    ) -> Sequence[float]:
        if not isinstance(query, str):
            return query
        (vector,) = await traced_embed(self._embedder(embedder), [query])
        return vector


async def _embed_all(
    embedder: Embedder, texts: Sequence[str], batch_size: int = 256
) -> list[list[float]]:
    """Embed ``texts`` in batches of ``batch_size``: one checked, finite vector per text."""
    vectors: list[list[float]] = []
    for start in range(0, len(texts), batch_size):
        vectors.extend(await traced_embed(embedder, list(texts[start : start + batch_size])))
    if len(vectors) != len(texts):
        raise AnimusError(f"the embedder returned {len(vectors)} vectors for {len(texts)} texts")
    return [_finite([float(x) for x in vector]) for vector in vectors]


_Vector = TypeVar("_Vector", bound=Sequence[float])


#: pgvector stores single-precision components and at most 16,000 of them. A vector outside
#: those bounds fails in pgvector's input, before any animus function can answer with an AN
#: code (22003 for 1e39, 54000 for 16,001 dimensions), so the client refuses it first.
_FLOAT4_MAX = 3.4028234663852886e38
_PGVECTOR_MAX_DIM = 16_000


def _finite(vector: _Vector) -> _Vector:
    """Refuse what pgvector's input would refuse with a raw SQLSTATE, with the AN code the SQL
    functions use for the same fault: AN013 (empty, NaN, infinity, outside single precision)
    and AN012 (more dimensions than pgvector stores)."""
    if len(vector) == 0:
        raise InvalidEmbedding(
            "an embedding is empty",
            sqlstate="AN013",
            hint="compute the embedding of the text first",
        )
    if len(vector) > _PGVECTOR_MAX_DIM:
        raise EmbeddingDimensionMismatch(
            f"an embedding has {len(vector)} dimensions, over pgvector's {_PGVECTOR_MAX_DIM}",
            sqlstate="AN012",
            hint="use the embedding model the database was deployed for",
        )
    if not all(math.isfinite(x) and abs(x) <= _FLOAT4_MAX for x in vector):
        raise InvalidEmbedding(
            "an embedding contains NaN, infinity or a component outside single precision",
            sqlstate="AN013",
            hint="check the embedding model's output; every component must be a finite number",
        )
    return vector


def _filters_json(filters: Filters) -> Mapping[str, Any]:
    """Typed filters are checked here; a plain mapping goes as-is, and the database rejects
    unknown keys (UnknownFilterKey) and wrong types (InvalidFilterValue)."""
    if filters is None:
        return {}
    if isinstance(filters, MemoryFilters):
        return filters.to_json()
    return filters


__all__ = ["DEFAULT_SCOPE", "MemoryCalls"]

"""Semantic-memory calls. Embeddings are computed here; storage and ranking are SQL functions."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from . import sql
from .embeddings import Embedder, traced_embed
from .errors import AnimusError, InvalidEmbedding
from .models import HybridMatch, MemoryFilters, MemoryMatch, NewMemory

Filters = MemoryFilters | Mapping[str, Any] | None


class MemoryCalls(sql.SqlCaller):
    """The semantic-memory half of ``Db``."""

    #: The embedder used when a call is not given one (set by ``Db.connect``).
    embedder: Embedder | None

    async def store_memories(
        self,
        docs: Sequence[NewMemory],
        embedder: Embedder | None = None,
        *,
        batch_size: int = 256,
    ) -> list[int]:
        """Embed ``docs`` in batches, then store them all in one call; ids in input order.

        Storing the same content and memory_type again returns the existing id, merges the
        metadata and replaces the embedding (that is how a memory is re-embedded).
        """
        if not docs:
            return []
        chosen = self._embedder(embedder)
        vectors: list[list[float]] = []
        for start in range(0, len(docs), batch_size):
            texts = [doc.content for doc in docs[start : start + batch_size]]
            vectors.extend(await traced_embed(chosen, texts))
        if len(vectors) != len(docs):
            raise AnimusError(f"the embedder returned {len(vectors)} vectors for {len(docs)} docs")
        items = [
            {
                "content": doc.content,
                "memory_type": doc.memory_type,
                "source": doc.source,
                "metadata": doc.metadata,
                "embedding": _finite([float(x) for x in vector]),
                "embedding_model": chosen.model,
            }
            for doc, vector in zip(docs, vectors, strict=True)
        ]
        records = await self._send("fetch", sql.STORE_MEMORIES, items)
        return [r["id"] for r in records]

    async def search_memory(
        self,
        query: str | Sequence[float],
        limit: int = 10,
        embedder: Embedder | None = None,
        filters: Filters = None,
        *,
        on_primary: bool = False,
    ) -> list[MemoryMatch]:
        """The ``limit`` memories closest to ``query`` (a text to embed, or a vector).

        With a read pool (``read_url``) the search runs on the replica; ``on_primary=True``
        runs it on the primary instead, to see this client's own writes at once.
        """
        vector = _finite(await self._vector(query, embedder))
        records = await self._send_read(
            "fetch", sql.SEARCH_MEMORY, vector, limit, _filters_json(filters), on_primary=on_primary
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
        on_primary: bool = False,
    ) -> list[HybridMatch]:
        """Vector and keyword search, fused.

        ``embedding`` is the query's vector, or an embedder to compute it with (default: the
        ``Db``'s embedder). The keyword arguments tune the fusion (``fusion`` "convex" or "rrf",
        the leg weights, ``rrf_k``, ``keyword_ranking``); those left as None are not sent, so
        the SQL function's defaults apply. With a read pool (``read_url``) the search runs on
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
            *tuning.values(),
            on_primary=on_primary,
        )
        return [HybridMatch.from_record(r) for r in records]

    async def memory_overview(self) -> list[dict[str, Any]]:
        """Operator call: memory counts by memory_type and embedding_model (needs animus_ops)."""
        return [dict(r) for r in await self._send_read("fetch", sql.MEMORY_OVERVIEW)]

    def _embedder(self, embedder: Embedder | None) -> Embedder:
        chosen = embedder or self.embedder
        if chosen is None:
            raise AnimusError(
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


_Vector = TypeVar("_Vector", bound=Sequence[float])


def _finite(vector: _Vector) -> _Vector:
    """Refuse NaN and infinity here, as the SQL functions would (AN013): pgvector's binary
    input rejects them before any animus function runs, with a less helpful error."""
    if not all(math.isfinite(x) for x in vector):
        raise InvalidEmbedding(
            "an embedding contains NaN or infinity",
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


__all__ = ["MemoryCalls"]

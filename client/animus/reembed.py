"""Re-embedding: give every memory an embedding from one model, in batches, resumably.

The loop runs here because the client holds the embedder; the database picks the batches
(``animus.memories_to_reembed``, a keyset on the id) and writes them back
(``animus.set_embeddings``). Each batch records ``embedding_model`` as it is written, so a run
that is killed resumes where it stopped: the memories already done no longer match.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from . import sql
from .embeddings import Embedder
from .errors import AnimusError, EmbeddingDimensionMismatch
from .memory import _embed_all

#: set_embeddings takes at most this many items per call.
MAX_BATCH = 1000

#: animus.set_embedding_dim's limit: pgvector's HNSW indexes halfvec up to 4,000 dimensions.
MAX_DIM = 4000


def dimension_change_hint(deployed: int, wanted: int) -> str:
    """What to do when an embedder's dimension differs from the database's: another embedder,
    or the dimension change (``sqitch deploy --set embedding_dim`` on a deployed database
    deploys nothing)."""
    if not 1 <= wanted <= MAX_DIM:
        return (
            f"use an embedder that makes {deployed}-dimensional embeddings (pgvector indexes "
            f"at most {MAX_DIM} dimensions, so {wanted} cannot be stored)"
        )
    return (
        f"use an embedder that makes {deployed}-dimensional embeddings, or change the "
        f"database to {wanted} keeping every memory: as the schema owner run "
        f"SELECT animus.set_embedding_dim({wanted}); then animus memory reembed (the memories "
        "wait without a vector until then; keyword search still finds them). See "
        'docs/operations.md, "Changing the embedding dimension"'
    )


class ReembedResult(BaseModel):
    """What a ``Db.reembed`` run did."""

    model_config = ConfigDict(frozen=True)

    #: The model every memory visited now has.
    model: str
    #: Memories written with the new embedding.
    reembedded: int
    #: Memories read but not written: forgotten, or their content changed, meanwhile.
    skipped: int
    #: Batches sent.
    batches: int


class ReembedCalls(sql.SqlCaller):
    """The re-embedding part of ``Db``."""

    embedder: Embedder | None

    async def _check_embedder_dim(self, embedder: Embedder) -> None:
        """EmbeddingDimensionMismatch, with the hint to change the dimension, unless the
        embedder makes vectors of the deployed dimension (connect's check, and reembed's)."""
        deployed: int = await self._send("fetchval", sql.EMBEDDING_DIM)
        if embedder.dimensions != deployed:
            raise EmbeddingDimensionMismatch(
                f"the database stores {deployed}-dimensional embeddings but the embedder "
                f"{embedder.model!r} makes {embedder.dimensions}-dimensional ones",
                expected=deployed,
                actual=embedder.dimensions,
                hint=dimension_change_hint(deployed, embedder.dimensions),
            )

    async def count_to_reembed(
        self, model: str, *, memory_type: str | None = None, scope: str | None = None
    ) -> int:
        """How many memories have no embedding or one from another model than ``model`` (of
        one ``scope``, or every scope when None)."""
        count: int = await self._send("fetchval", sql.COUNT_TO_REEMBED, model, memory_type, scope)
        return count

    async def reembed(
        self,
        embedder: Embedder | None = None,
        *,
        memory_type: str | None = None,
        batch_size: int = 100,
        on_batch: Callable[[int], None] | None = None,
        scope: str | None = None,
    ) -> ReembedResult:
        """Re-embed, with ``embedder`` (default: the Db's), every memory whose embedding is
        missing or from another model, optionally of one ``memory_type`` only, and of one
        ``scope`` only (None, unlike the other memory calls: every scope; re-embedding follows
        a model change, which is the database's).

        Works in batches of ``batch_size`` (1..1000; ``memories_to_reembed`` refuses others
        with AN008, ``InvalidArgument``, before anything is embedded): read the batch, embed
        its contents, write the vectors with the model's name. An interrupted run loses at
        most the batch in flight; the next run carries on from there. ``on_batch(n)`` is
        called after each batch with the number of memories it handled (for a progress bar).
        Content, metadata, ids and ``updated_at`` are not touched. Memories stored meanwhile
        by another model are picked up when their id is still ahead; a second run catches
        the rest.
        """
        chosen = embedder or self.embedder
        if chosen is None:
            raise AnimusError(
                "no embedder: pass one to reembed or to Db.connect(..., embedder=...)"
            )
        await self._check_embedder_dim(chosen)
        model = chosen.model
        after = 0
        written = skipped = batches = 0
        while True:
            rows = await self._send(
                "fetch", sql.MEMORIES_TO_REEMBED, model, batch_size, after, memory_type, scope
            )
            if not rows:
                break
            vectors = await _embed_all(chosen, [r["content"] for r in rows], batch_size)
            items = [
                {"id": r["id"], "embedding": v, "content_hash": bytes(r["content_hash"]).hex()}
                for r, v in zip(rows, vectors, strict=True)
            ]
            done: int = await self._send("fetchval", sql.SET_EMBEDDINGS, items, model)
            written += done
            skipped += len(rows) - done
            batches += 1
            after = rows[-1]["id"]
            if on_batch is not None:
                on_batch(len(rows))
        return ReembedResult(model=model, reembedded=written, skipped=skipped, batches=batches)

    async def set_embedding_dim(self, dim: int) -> int:
        """Change the database's embedding dimension (the schema owner only): every memory
        stays, every embedding is emptied for ``reembed``. Returns how many were emptied.
        Reconnect afterwards with an embedder of the new dimension."""
        emptied: int = await self._send("fetchval", sql.SET_EMBEDDING_DIM, dim)
        return emptied


__all__ = ["MAX_BATCH", "MAX_DIM", "ReembedCalls", "ReembedResult", "dimension_change_hint"]

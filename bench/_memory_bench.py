"""Memory: hybrid_search and search_memory latency, vector-leg recall@10, page fill under a filter.

The corpus is synthetic but shaped like sentence embeddings rather than uniform noise:

* vectors: a mixture of a few hundred topics. Each topic is a unit centre; a memory is the
  centre plus noise that lives mostly in a topic-specific 16-dimensional subspace (people
  paraphrase along a few directions), plus a little isotropic noise, normalised to the unit
  sphere. A memory's cosine to its centre is about 0.8, two unrelated memories about 0.0;
* texts: 24 words, most drawn from a 20k-word vocabulary with Zipf-like frequencies
  (p(r) ~ 1 / (r + 50)), a few from the topic's own 30 words, so the keyword leg sees a
  realistic mix of common and rare terms that agrees loosely with the vector leg;
* queries: fresh draws from the same topics (never stored rows), with three words of text.

Rows are stored with ``animus.store_memories`` in batches, as a client would. The HNSW index is
dropped for the load and rebuilt once with its own definition (as an operator bulk-loading
would; inserting 100k rows through the index takes several times longer on 2 cores).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

import asyncpg
import numpy as np
from _harness import percentile
from pgvector.asyncpg import register_vector

DIM = 384
SUBSPACE = 16
TOPIC_WORDS = 30
WORDS_PER_DOC = 24
TOPIC_WORDS_PER_DOC = 6
WARMUP = 20
K = 10

HYBRID = (
    "SELECT * FROM animus.hybrid_search(query_text => $1::text, "
    "query_embedding => $2::public.vector, match_count => $3::integer, filters => $4::jsonb)"
)
SEARCH = (
    "SELECT * FROM animus.search_memory(query_embedding => $1::public.vector, "
    "match_count => $2::integer, filters => $3::jsonb)"
)
EXACT = (
    "SELECT id FROM animus.memories WHERE ($2::text IS NULL OR memory_type = $2) "
    "ORDER BY embedding OPERATOR(public.<=>) $1::public.vector LIMIT $3"
)


def _log(message: str) -> None:
    print(f"memory: {message}", file=sys.stderr, flush=True)


class Corpus:
    """Topic-mixture vectors and Zipf texts; ``draw`` makes rows or queries from it."""

    def __init__(self, topics: int, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        self.rng = rng
        syllables = np.array("ka lo mi ren tas vu dor phi quen sar bel tro nix ost ula zem".split())
        # 16^2 + 16^3 + 16^4 distinct syllable words; keep 20k of them in a random order.
        combos = [
            "".join(syllables[list(idx)])
            for n in (2, 3, 4)
            for idx in np.ndindex(*(len(syllables),) * n)
        ]
        self.words = np.array(combos)[rng.permutation(len(combos))[:20_000]]
        p = 1.0 / (np.arange(len(self.words)) + 50)
        self.p = p / p.sum()
        centres = rng.normal(size=(topics, DIM)).astype(np.float32)
        self.centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
        # a topic-specific basis for its main directions of variation
        basis = rng.normal(size=(topics, SUBSPACE, DIM)).astype(np.float32)
        self.basis = basis / np.linalg.norm(basis, axis=2, keepdims=True)
        self.spread = rng.uniform(0.10, 0.20, size=topics).astype(np.float32)
        # each topic's own words come from the mid-frequency band of the vocabulary
        self.topic_words = rng.integers(500, 15_000, size=(topics, TOPIC_WORDS))

    def vectors(self, topic: np.ndarray) -> np.ndarray:
        n = len(topic)
        out = np.empty((n, DIM), dtype=np.float32)
        coef = self.rng.normal(size=(n, SUBSPACE)).astype(np.float32)
        for t in np.unique(topic):
            rows = np.nonzero(topic == t)[0]
            out[rows] = self.centres[t] + self.spread[t] * (coef[rows] @ self.basis[t])
        out += 0.02 * self.rng.normal(size=(n, DIM)).astype(np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    def texts(self, topic: np.ndarray, words: int, topical: int) -> list[str]:
        n = len(topic)
        common = self.rng.choice(len(self.words), size=(n, words - topical), p=self.p)
        own = self.topic_words[topic[:, None], self.rng.integers(0, TOPIC_WORDS, (n, topical))]
        picks = np.concatenate([common, own], axis=1)  # word order does not matter to tsvector
        return [" ".join(row) for row in self.words[picks]]

    def draw(self, n: int, words: int, topical: int) -> tuple[np.ndarray, list[str]]:
        topic = self.rng.integers(0, len(self.centres), size=n)
        return self.vectors(topic), self.texts(topic, words, topical)


async def _load(conn: asyncpg.Connection, corpus: Corpus, rows: int, batch: int) -> float:
    """Store ``rows`` memories through animus.store_memories; 1% get memory_type 'rare'."""
    started = time.perf_counter()
    done = 0
    while done < rows:
        n = min(batch, rows - done)
        vectors, texts = corpus.draw(n, WORDS_PER_DOC, TOPIC_WORDS_PER_DOC)
        embeddings = np.round(vectors.astype(np.float64), 5).tolist()  # short reprs
        items = [
            {
                "content": f"{text} m{done + i}",
                "memory_type": "rare" if (done + i) % 100 == 0 else "note",
                "source": "bench",
                "embedding": emb,
                "embedding_model": "synthetic-topics-384",
            }
            for i, (text, emb) in enumerate(zip(texts, embeddings, strict=True))
        ]
        await conn.execute(
            "SELECT count(*) FROM animus.store_memories(items => $1::jsonb)", json.dumps(items)
        )
        done += n
    return time.perf_counter() - started


def _summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "mean_ms": round(statistics.fmean(times), 2),
    }


async def _timed(stmt: Any, *args: Any) -> tuple[float, list[Any]]:
    t0 = time.perf_counter()
    result = await stmt.fetch(*args)
    return (time.perf_counter() - t0) * 1000.0, result


async def _measure(
    conn: asyncpg.Connection, corpus: Corpus, rows: int, queries: int, recall_queries: int
) -> dict[str, Any]:
    qvecs, qtexts = corpus.draw(queries + WARMUP, 3, 2)
    hybrid = await conn.prepare(HYBRID)
    search = await conn.prepare(SEARCH)
    out: dict[str, Any] = {}
    for label, filters in (("unfiltered", "{}"), ("filter_1pct", '{"memory_type": "rare"}')):
        for name, stmt, make in (
            ("hybrid_search", hybrid, lambda i, f=filters: (qtexts[i], qvecs[i], K, f)),
            ("search_memory", search, lambda i, f=filters: (qvecs[i], K, f)),
        ):
            times, fill = [], []
            # interleave nothing here: one call at a time, one connection, as an agent would
            for i in range(queries + WARMUP):
                ms, result = await _timed(stmt, *make(i))
                if i >= WARMUP:
                    times.append(ms)
                    fill.append(len(result) / K)
            entry = _summary(times)
            entry["page_fill"] = round(statistics.fmean(fill), 4)
            entry["short_pages"] = sum(f < 1.0 for f in fill)
            out[f"{name}_{label}"] = entry

    # recall@10 of the vector leg (search_memory, as the functions set it up) against exact
    # search: the same ORDER BY with index scans switched off, so a sequential scan sorts all
    # rows by true distance.
    exact_stmt = await conn.prepare(EXACT)
    recall_range = range(WARMUP, WARMUP + recall_queries)
    exact: dict[tuple[int, str | None], set[int]] = {}
    for i in recall_range:
        for memory_type in (None, "rare"):
            async with conn.transaction():
                await conn.execute("SET LOCAL enable_indexscan = off")
                await conn.execute("SET LOCAL enable_bitmapscan = off")
                rows_ = await exact_stmt.fetch(qvecs[i], memory_type, K)
            exact[i, memory_type] = {r["id"] for r in rows_}
    for label, memory_type, filters in (
        ("unfiltered", None, "{}"),
        ("filter_1pct", "rare", '{"memory_type": "rare"}'),
    ):
        recalls = []
        for i in recall_range:
            approx = {r["id"] for r in await search.fetch(qvecs[i], K, filters)}
            recalls.append(len(approx & exact[i, memory_type]) / K)
        out[f"recall_at_10_{label}"] = round(statistics.fmean(recalls), 4)
        out[f"recall_at_10_{label}_min"] = min(recalls)

    # The hard case: queries about nothing in memory (uniform random directions), whose ten
    # nearest rows are barely nearer than the rest. Reported, not a target.
    off_topic = corpus.rng.normal(size=(recall_queries // 2, DIM)).astype(np.float32)
    off_topic /= np.linalg.norm(off_topic, axis=1, keepdims=True)
    off_exact: list[set[int]] = []
    for q in off_topic:
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_indexscan = off")
            off_exact.append({r["id"] for r in await exact_stmt.fetch(q, None, K)})
    recalls = [
        len({r["id"] for r in await search.fetch(q, K, "{}")} & ex) / K
        for q, ex in zip(off_topic, off_exact, strict=True)
    ]
    out["recall_at_10_off_topic"] = round(statistics.fmean(recalls), 4)

    # the lever: recall and latency of the bare index scan at several ef_search values
    sweep: dict[str, Any] = {}
    raw = await conn.prepare(
        "SELECT id FROM animus.memories ORDER BY embedding OPERATOR(public.<=>) $1 LIMIT 10"
    )
    for ef in (40, 100, 200, 400):
        recalls, times = [], []
        for i in recall_range:
            async with conn.transaction():
                await conn.execute(f"SET LOCAL hnsw.ef_search = {ef}")
                ms, got = await _timed(raw, qvecs[i])
            times.append(ms)
            recalls.append(len({r["id"] for r in got} & exact[i, None]) / K)
        off = []
        for q, ex in zip(off_topic, off_exact, strict=True):
            async with conn.transaction():
                await conn.execute(f"SET LOCAL hnsw.ef_search = {ef}")
                off.append(len({r["id"] for r in await raw.fetch(q)} & ex) / K)
        sweep[str(ef)] = {
            "recall_at_10": round(statistics.fmean(recalls), 4),
            "recall_at_10_off_topic": round(statistics.fmean(off), 4),
            "p50_ms": round(statistics.median(times), 2),
        }
    out["ef_search_sweep"] = sweep
    return out


async def _one_size(url: str, rows: int, queries: int, recall_queries: int) -> dict[str, Any]:
    topics = int(min(400, max(20, rows // 250)))
    corpus = Corpus(topics, seed=rows)
    conn = await asyncpg.connect(url)
    try:
        await register_vector(conn)
        await conn.execute("DELETE FROM animus.memories")  # the corpus-stats triggers follow
        indexdef = await conn.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'animus' "
            "AND indexname = 'memories_embedding_idx'"
        )
        await conn.execute("DROP INDEX animus.memories_embedding_idx")
        _log(f"{rows:,} rows ({topics} topics): storing through animus.store_memories ...")
        load_s = await _load(conn, corpus, rows, batch=1000)
        started = time.perf_counter()
        await conn.execute("SET maintenance_work_mem = '512MB'")
        await conn.execute(indexdef)
        index_s = time.perf_counter() - started
        await conn.execute("VACUUM ANALYZE animus.memories")
        _log(f"{rows:,} rows: stored in {load_s:.0f} s, HNSW built in {index_s:.0f} s; querying")
        result = await _measure(conn, corpus, rows, queries, recall_queries)
        return {
            "rows": rows,
            "topics": topics,
            "dim": DIM,
            "queries": queries,
            "recall_queries": recall_queries,
            "load_s": round(load_s, 1),
            "index_build_s": round(index_s, 1),
            "index": indexdef,
            **result,
        }
    finally:
        await conn.close()


async def memory_benchmarks(url: str, *, quick: bool) -> dict[str, Any]:
    sizes = (2_000, 10_000) if quick else (10_000, 100_000)
    queries = 100 if quick else 300
    recall_queries = 50 if quick else 100
    out: dict[str, Any] = {
        "targets": {"hybrid_p50_ms": 15, "hybrid_p95_ms": 40, "recall_at_10": 0.95}
    }
    for rows in sizes:
        out[str(rows)] = await _one_size(url, rows, queries, recall_queries)
    return out


def memory_table(result: dict[str, Any]) -> str:
    """The memory figures as a small text table (for run.py's output)."""
    lines = [
        f"{'memory (match_count 10)':<34} {'rows':>7} {'p50 ms':>7} {'p95 ms':>7} {'fill':>5}",
        "-" * 64,
    ]
    sizes = [k for k in result if k.isdigit()]
    for size in sizes:
        r = result[size]
        for name in ("hybrid_search", "search_memory"):
            for label in ("unfiltered", "filter_1pct"):
                e = r[f"{name}_{label}"]
                lines.append(
                    f"{name + ' ' + label:<34} {r['rows']:>7,} {e['p50_ms']:>7.1f} "
                    f"{e['p95_ms']:>7.1f} {e['page_fill']:>5.2f}"
                )
    lines.append("")
    for size in sizes:
        r = result[size]
        sweep = ", ".join(
            f"{ef}: {v['recall_at_10']:.3f}/{v['recall_at_10_off_topic']:.3f}"
            f" ({v['p50_ms']:.1f} ms)"
            for ef, v in r["ef_search_sweep"].items()
        )
        lines.append(
            f"recall@10 at {r['rows']:,} rows: {r['recall_at_10_unfiltered']:.3f} unfiltered, "
            f"{r['recall_at_10_filter_1pct']:.3f} under the 1% filter (target >= 0.95), "
            f"{r['recall_at_10_off_topic']:.3f} for off-topic queries"
        )
        lines.append(f"  bare index scan by ef_search (on-topic/off-topic recall, p50): {sweep}")
        lines.append(
            f"  load {r['load_s']} s through store_memories, HNSW build {r['index_build_s']} s"
        )
    return "\n".join(lines)

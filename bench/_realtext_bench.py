"""Memory on real text: recall@10 of the vector leg and keyword/hybrid latency by query length.

Corpus: paragraphs of the installed packages' docstrings and /usr/share/doc (bench/_realtext.py),
MiniLM vectors from the cache outside the repository. Only paragraphs whose vectors are cached
are used; when they number fewer than the size asked for, the rest is the synthetic
topic-mixture set of _memory_bench (reported as ``real_rows`` / ``synthetic_rows``).
Queries: held-out paragraphs (never stored) cut to 5-10, 10-40 and 40-100 words, and
questions made from them ("How does ... work?"), embedded with the same model.
Rows are loaded with COPY (statement triggers keep the corpus and lexeme statistics) and the
HNSW index is built once, as a bulk load would.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import sys
import time
from typing import Any

import asyncpg
import numpy as np
from _harness import percentile
from _memory_bench import Corpus
from _realtext import CHUNK, cache_dir, paragraphs, shuffled
from pgvector.asyncpg import register_vector

BUCKETS = {"<=10": (5, 10), "10-40": (11, 40), "40-100": (41, 100)}
TARGETS = {
    "recall_at_10": 0.95,
    "hybrid_p50_ms": 15,
    "hybrid_p95_ms": 40,
    "keyword_50w_ratio_100k_over_10k": 1.5,
}


def _log(message: str) -> None:
    print(f"realtext: {message}", file=sys.stderr, flush=True)


def cached_real(limit: int) -> tuple[list[str], np.ndarray, list[str]]:
    """(stored texts, their vectors, held-out texts) from the cached embedding run."""
    texts = shuffled(paragraphs(60_000))
    folders = sorted(cache_dir().glob("realtext-*"))
    if not folders:
        return [], np.zeros((0, 384), dtype=np.float32), texts[-2000:]
    folder = max(folders, key=lambda f: len(list(f.glob("*.npy"))))
    chunks = []
    for start in range(0, len(texts), CHUNK):
        path = folder / f"{start:08d}.npy"
        if not path.exists():
            break
        chunks.append(np.load(path))
    vectors = np.concatenate(chunks) if chunks else np.zeros((0, 384), dtype=np.float32)
    n = min(len(vectors), limit)
    # A few documentation files hold NUL bytes, which PostgreSQL text cannot store; the cache
    # is keyed by the texts as read, so replace them only here.
    texts = [t.replace("\x00", " ") for t in texts]
    held_out = texts[len(vectors) :][:2000] if len(vectors) < len(texts) else texts[-2000:]
    return texts[:n], vectors[:n], held_out


def make_queries(held_out: list[str], per_bucket: int) -> dict[str, list[str]]:
    rng = random.Random(5)
    out: dict[str, list[str]] = {b: [] for b in BUCKETS}
    pool = [t.split() for t in held_out]
    rng.shuffle(pool)
    for words in pool:
        for bucket, (lo, hi) in BUCKETS.items():
            if len(out[bucket]) < per_bucket and len(words) >= lo:
                n = rng.randint(lo, min(hi, len(words)))
                text = " ".join(words[:n])
                if rng.random() < 0.3:  # a natural question around the passage
                    text = f"How does this work: {' '.join(words[: max(n - 4, 1)])}?"
                out[bucket].append(text)
                break
    return out


async def _load(conn: asyncpg.Connection, texts: list[str], vectors: np.ndarray, kind: str) -> None:
    records = [
        (
            t,
            kind,
            "bench",
            "{}",
            v,
            "all-MiniLM-L6-v2" if kind == "real" else "synthetic",
            hashlib.sha256(t.encode()).digest(),
        )
        for t, v in zip(texts, vectors, strict=True)
    ]
    for start in range(0, len(records), 5000):
        await conn.copy_records_to_table(
            "memories",
            schema_name="animus",
            columns=[
                "content",
                "memory_type",
                "source",
                "metadata",
                "embedding",
                "embedding_model",
                "content_hash",
            ],
            records=records[start : start + 5000],
        )


def _summary(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2)}


async def _one_size(
    url: str,
    rows: int,
    queries: dict[str, list[str]],
    qvec: dict[str, np.ndarray],
    real: tuple[list[str], np.ndarray],
) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    await register_vector(conn)
    try:
        await conn.execute("DELETE FROM animus.memories")
        indexdef = await conn.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'animus' "
            "AND indexname = 'memories_embedding_idx'"
        )
        await conn.execute("DROP INDEX animus.memories_embedding_idx")
        texts, vectors = real
        n_real = min(rows, len(texts))
        await _load(conn, texts[:n_real], vectors[:n_real], "real")
        n_syn = rows - n_real
        if n_syn:
            corpus = Corpus(topics=max(n_syn // 300, 20))
            v, t = corpus.draw(n_syn, 24, 6)
            await _load(conn, [f"{x} s{i}" for i, x in enumerate(t)], v, "synthetic")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        started = time.perf_counter()
        await conn.execute(indexdef)
        build_s = time.perf_counter() - started
        await conn.execute("VACUUM ANALYZE animus.memories")
        _log(f"{rows} rows ({n_real} real), HNSW built in {build_s:.0f} s")

        kw = await conn.prepare("SELECT id FROM animus.keyword_search($1, 10)")
        hy = await conn.prepare("SELECT id FROM animus.hybrid_search($1, $2, 10)")
        vec = await conn.prepare("SELECT id FROM animus.search_memory($1, 10)")
        out: dict[str, Any] = {
            "rows": rows,
            "real_rows": n_real,
            "synthetic_rows": n_syn,
            "hnsw_build_s": round(build_s, 1),
        }
        for bucket, qs in queries.items():
            for q, v in zip(qs[:3], qvec[bucket][:3], strict=True):  # warm-up
                await kw.fetch(q)
                await hy.fetch(q, v)
            k_times, h_times = [], []
            for q, v in zip(qs, qvec[bucket], strict=True):
                t0 = time.perf_counter()
                await kw.fetch(q)
                k_times.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                await hy.fetch(q, v)
                h_times.append((time.perf_counter() - t0) * 1000)
            out[f"keyword_{bucket}"] = _summary(k_times)
            out[f"hybrid_{bucket}"] = _summary(h_times)
        # 50-word queries for the keyword-leg scaling check
        fifty = [q for q in queries["40-100"] if len(q.split()) >= 45][:40] or queries["40-100"]
        times = []
        for q in fifty:
            t0 = time.perf_counter()
            await kw.fetch(q)
            times.append((time.perf_counter() - t0) * 1000)
        out["keyword_50w"] = _summary(times)
        recalls = []
        for v in [x for b in qvec.values() for x in b][:100]:
            approx = {r["id"] for r in await vec.fetch(v)}
            async with conn.transaction():
                await conn.execute("SET LOCAL enable_indexscan = off")
                exact = {
                    r["id"]
                    for r in await conn.fetch(
                        "SELECT id FROM animus.memories "
                        "ORDER BY embedding OPERATOR(public.<=>) $1 LIMIT 10",
                        v,
                    )
                }
            recalls.append(len(approx & exact) / 10)
        out["vector_recall_at_10"] = round(statistics.fmean(recalls), 4)
        return out
    finally:
        await conn.close()


async def realtext_benchmarks(url: str, *, quick: bool) -> dict[str, Any]:
    from animus.local_embedder import LocalEmbedder

    sizes = (2_000, 10_000) if quick else (10_000, 100_000)
    texts, vectors, held_out = cached_real(max(sizes))
    _log(f"{len(texts)} cached real paragraphs")
    queries = make_queries(held_out, 20 if quick else 40)
    embedder = LocalEmbedder()
    qvec = {b: np.asarray(embedder.embed_sync(qs), dtype=np.float32) for b, qs in queries.items()}
    out: dict[str, Any] = {"targets": TARGETS}
    for rows in sizes:
        out[str(rows)] = await _one_size(url, rows, queries, qvec, (texts, vectors))
    small, large = out[str(sizes[0])], out[str(sizes[1])]
    out["keyword_50w_ratio"] = round(
        large["keyword_50w"]["p50_ms"] / small["keyword_50w"]["p50_ms"], 2
    )
    return out


def realtext_table(result: dict[str, Any]) -> str:
    lines = [
        f"{'real text (match_count 10)':<28} {'rows':>8} {'real':>7} {'p50 ms':>7} {'p95 ms':>7}",
        "-" * 62,
    ]
    for size in [k for k in result if k.isdigit()]:
        r = result[size]
        for name in ("keyword", "hybrid"):
            for bucket in (*BUCKETS, "50w"):
                e = r.get(f"{name}_{bucket}")
                if e:
                    lines.append(
                        f"{name + ' ' + bucket + ' words':<28} {r['rows']:>8,} "
                        f"{r['real_rows']:>7,} {e['p50_ms']:>7.1f} {e['p95_ms']:>7.1f}"
                    )
        lines.append(
            f"{'vector recall@10':<28} {r['rows']:>8,} {r['real_rows']:>7,} "
            f"{r['vector_recall_at_10']:>7.3f}"
        )
    lines.append(
        f"keyword 50-word p50 ratio, large/small: {result['keyword_50w_ratio']} "
        f"(target <= {TARGETS['keyword_50w_ratio_100k_over_10k']})"
    )
    return "\n".join(lines)

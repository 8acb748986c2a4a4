"""Large models: recall@10 and latency of the halfvec HNSW index at 3,072 dimensions.

    .venv/bin/python bench/halfvec.py                 # 20,000 rows at 3,072 dimensions
    .venv/bin/python bench/halfvec.py --rows 2000     # a smoke run

Above 2,000 dimensions animus stores embeddings as halfvec (animus.set_embedding_dim), whose
HNSW index pgvector builds up to 4,000. This measures what that costs in recall:

* the corpus is a topic mixture shaped like sentence embeddings (the same recipe as the memory
  benchmark, at 3,072 dimensions): a unit centre per topic plus noise mostly in a
  topic-specific 16-dimensional subspace, normalised; queries are fresh draws (never stored),
  plus off-topic queries (uniform random directions, the hard case);
* rows are stored through animus.store_memories, the index dropped for the load and rebuilt
  with its own definition (as bench/run.py's memory part does);
* recall@10 of search_memory (the vector leg, as the functions set it up) against exact search
  over the same halfvec values (a sequential scan sorting every row), and against exact search
  over the original single-precision vectors (numpy): the second includes the rounding to half
  precision, the first only the index;
* latency p50/p95 of search_memory next to the exact scan, in the same run.

It creates a throwaway database on the embedded cluster (script/db), writes
bench/results/halfvec.json, and prints the figures. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import percentile
from run import RESULTS, _script, fresh_database, machine

SUBSPACE = 16
K = 10
WARMUP = 10

SEARCH = (
    "SELECT id FROM animus.search_memory(query_embedding => $1::public.vector, "
    "match_count => $2::integer)"
)
EXACT = (
    "SELECT id FROM animus.memories "
    "ORDER BY embedding OPERATOR(public.<=>) $1::public.vector LIMIT $2"
)


def _log(message: str) -> None:
    print(f"halfvec: {message}", file=sys.stderr, flush=True)


class Topics:
    """Unit vectors around topic centres, varying mostly within a per-topic subspace."""

    def __init__(self, topics: int, dim: int, seed: int = 11) -> None:
        self.rng = np.random.default_rng(seed)
        self.dim = dim
        centres = self.rng.normal(size=(topics, dim)).astype(np.float32)
        self.centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
        basis = self.rng.normal(size=(topics, SUBSPACE, dim)).astype(np.float32)
        self.basis = basis / np.linalg.norm(basis, axis=2, keepdims=True)
        self.spread = self.rng.uniform(0.10, 0.20, size=topics).astype(np.float32)

    def draw(self, n: int) -> np.ndarray:
        topic = self.rng.integers(0, len(self.centres), size=n)
        coef = self.rng.normal(size=(n, SUBSPACE)).astype(np.float32)
        out = np.empty((n, self.dim), dtype=np.float32)
        for t in np.unique(topic):
            rows = np.nonzero(topic == t)[0]
            out[rows] = self.centres[t] + self.spread[t] * (coef[rows] @ self.basis[t])
        out += 0.02 * self.rng.normal(size=(n, self.dim)).astype(np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    def off_topic(self, n: int) -> np.ndarray:
        out = self.rng.normal(size=(n, self.dim)).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


async def _load(conn: asyncpg.Connection, vectors: np.ndarray, batch: int) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(vectors), batch):
        chunk = np.round(vectors[start : start + batch].astype(np.float64), 5).tolist()
        items = [
            {
                "content": f"synthetic memory {start + i}",
                "memory_type": "bench",
                "embedding": emb,
                "embedding_model": f"synthetic-topics-{vectors.shape[1]}",
            }
            for i, emb in enumerate(chunk)
        ]
        rows = await conn.fetch(
            "SELECT id FROM animus.store_memories(items => $1::jsonb) AS s(id)", json.dumps(items)
        )
        ids.extend(r["id"] for r in rows)
    return ids


def _exact_float32(vectors: np.ndarray, ids: list[int], q: np.ndarray) -> set[int]:
    # rows and queries are unit vectors: the largest dot products are the nearest by cosine
    order = np.argpartition(-(vectors @ q), K)[:K]
    return {ids[i] for i in order}


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 2)


async def measure(url: str, rows: int, dim: int, queries: int) -> dict[str, Any]:
    topics = int(min(400, max(20, rows // 250)))
    corpus = Topics(topics, dim)
    vectors = corpus.draw(rows)
    conn = await asyncpg.connect(url)
    try:
        await register_vector(conn)
        emptied = await conn.fetchval("SELECT animus.set_embedding_dim($1)", dim)
        column = await conn.fetchval(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'animus.memories'::regclass AND attname = 'embedding'"
        )
        indexdef = await conn.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'animus' "
            "AND indexname = 'memories_embedding_idx'"
        )
        _log(f"{column} (emptied {emptied}); index: {indexdef}")
        await conn.execute("DROP INDEX animus.memories_embedding_idx")
        _log(f"{rows:,} rows ({topics} topics): storing through animus.store_memories ...")
        started = time.perf_counter()
        ids = await _load(conn, vectors, batch=200)
        load_s = time.perf_counter() - started
        await conn.execute("SET maintenance_work_mem = '1GB'")
        started = time.perf_counter()
        await conn.execute(indexdef)
        index_s = time.perf_counter() - started
        await conn.execute("VACUUM ANALYZE animus.memories")
        _log(f"stored in {load_s:.0f} s, HNSW built in {index_s:.0f} s; querying")

        plan = "\n".join(
            r[0]
            for r in await conn.fetch(
                "EXPLAIN (COSTS OFF) SELECT * FROM animus._vector_leg($1::public.vector, 10, "
                "ROW(NULL, NULL, NULL, NULL, NULL)::animus.memory_filter, 'default')",
                corpus.draw(1)[0],
            )
        )
        search = await conn.prepare(SEARCH)
        exact = await conn.prepare(EXACT)
        out: dict[str, Any] = {
            "rows": rows,
            "dim": dim,
            "topics": topics,
            "column": column,
            "index": indexdef,
            "vector_leg_uses_index": "Index Scan using memories_embedding_idx" in plan,
            "load_seconds": round(load_s, 1),
            "index_build_seconds": round(index_s, 1),
            "table_and_indexes": await conn.fetchval(
                "SELECT pg_size_pretty(pg_total_relation_size('animus.memories'))"
            ),
            "hnsw_index": await conn.fetchval(
                "SELECT pg_size_pretty(pg_relation_size('animus.memories_embedding_idx'))"
            ),
        }
        for label, qs in (
            ("on_topic", corpus.draw(queries + WARMUP)),
            ("off_topic", corpus.off_topic(queries // 2 + WARMUP)),
        ):
            r_half, r_f32, r_exact_f32, t_hnsw, t_exact = [], [], [], [], []
            for n, q in enumerate(qs):
                started = time.perf_counter()
                approx = {r["id"] for r in await search.fetch(q, K)}
                hnsw_s = time.perf_counter() - started
                async with conn.transaction():
                    await conn.execute("SET LOCAL enable_indexscan = off")
                    started = time.perf_counter()
                    truth_half = {r["id"] for r in await exact.fetch(q, K)}
                    exact_s = time.perf_counter() - started
                if n < WARMUP:
                    continue
                truth_f32 = _exact_float32(vectors, ids, q)
                r_half.append(len(approx & truth_half) / K)
                r_f32.append(len(approx & truth_f32) / K)
                r_exact_f32.append(len(truth_half & truth_f32) / K)
                t_hnsw.append(hnsw_s)
                t_exact.append(exact_s)
            out[label] = {
                "queries": len(r_half),
                "recall_at_10_vs_exact_halfvec": round(statistics.fmean(r_half), 4),
                "recall_at_10_vs_exact_halfvec_min": min(r_half),
                "recall_at_10_vs_exact_float32": round(statistics.fmean(r_f32), 4),
                "exact_halfvec_vs_exact_float32": round(statistics.fmean(r_exact_f32), 4),
                "search_memory_p50_ms": _ms(statistics.median(t_hnsw)),
                "search_memory_p95_ms": _ms(percentile(t_hnsw, 95)),
                "exact_scan_p50_ms": _ms(statistics.median(t_exact)),
            }
            _log(f"{label}: {out[label]}")
        return out
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=3072)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    name, url = fresh_database()
    started = time.time()
    try:
        result = await measure(url, args.rows, args.dim, args.queries)
    finally:
        if not args.keep:
            _script("dropdb", name)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "machine": machine(),
        "halfvec": result,
    }
    (RESULTS / "halfvec.json").write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps(result, indent=2))
    print(f"\nwrote {RESULTS / 'halfvec.json'}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())

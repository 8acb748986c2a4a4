"""Memory partitioned by scope: the deployed functions on a plain and a partitioned table.

    .venv/bin/python bench/mempart.py                          # 30k rows, 100 scopes
    .venv/bin/python bench/mempart.py --rows 5000 --queries 20   # a smoke run

One database is loaded with the rows of bench/scopes.py (100 scopes of Zipf-like sizes, the
topic-mixture corpus at 384 dimensions, stored through animus.store_memories), then copied
whole (CREATE DATABASE ... TEMPLATE, so both hold the same rows under the same ids), and the
copy is turned into 16 hash partitions with animus.partition_memories (timed: the runbook's
figure). Then, on one connection to each, alternated call by call so that both sides see the
same machine load:

* search_memory, hybrid_search and keyword_search (k = 10) in the largest scope, the 1% one
  and the smallest, with how often both sides returned the same ids;
* get_memory of a random id of the scope;
* store_memory of one new memory, and store_memories of 100 new memories, into scopes drawn
  with the same Zipf weights (rows/s).

Prints a table and writes bench/results/mempart.json. The machine is shared: compare the two
sides of one run, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import percentile
from _memory_bench import TOPIC_WORDS_PER_DOC, WORDS_PER_DOC, Corpus
from run import fresh_database
from scopes import DEPLOYED, HYBRID, KEYWORD, PROBE, SCOPES, load_indexed, scope_sizes

ROOT = Path(__file__).resolve().parent
WARMUP = 5
PARTITIONS = 16
GET = "SELECT id FROM animus.get_memory(id => $1::bigint, scope => $2::text)"
STORE_ONE = (
    "SELECT animus.store_memory(content => $1, memory_type => 'note', "
    "embedding => $2::public.vector, embedding_model => 'synthetic-topics-384', scope => $3)"
)
STORE_MANY = "SELECT count(*) FROM animus.store_memories(items => $1::jsonb, scope => $2)"


def _log(message: str) -> None:
    print(f"mempart: {message}", file=sys.stderr, flush=True)


def _p50(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--store-rounds", type=int, default=40)
    args = parser.parse_args()
    plain_name, plain_url = fresh_database()
    part_name = plain_name + "_part"
    part_url = plain_url.replace(f"/{plain_name}?", f"/{part_name}?")
    _log(f"{plain_name}: {args.rows:,} rows in {SCOPES} scopes; {part_name}: the same, partitioned")
    try:
        out = asyncio.run(
            measure(
                plain_url,
                plain_name,
                part_url,
                part_name,
                args.rows,
                args.queries,
                args.store_rounds,
            )
        )
    finally:
        for db_name in (plain_name, part_name):
            subprocess.run([str(ROOT.parent / "script" / "db"), "dropdb", db_name], check=False)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "mempart.json").write_text(json.dumps(out, indent=2) + "\n")
    print(table(out))


async def measure(
    plain_url: str,
    plain_name: str,
    part_url: str,
    part_name: str,
    rows: int,
    queries: int,
    store_rounds: int,
) -> dict[str, Any]:
    sizes = scope_sizes(rows)
    out: dict[str, Any] = {"rows": rows, "scopes": SCOPES, "partitions": PARTITIONS}
    out["probe_sizes"] = {label: sizes[s] for label, s in PROBE.items()}
    corpus = Corpus(topics=max(20, rows // 250), seed=5)
    conn = await asyncpg.connect(plain_url)
    await register_vector(conn)
    load_s, index_s = await load_indexed(conn, corpus, sizes)
    out["load_s"], out["index_build_s"] = round(load_s, 1), round(index_s, 1)
    await conn.close()
    _log(f"loaded in {out['load_s']} s, HNSW in {out['index_build_s']} s; copying")

    admin = await asyncpg.connect(plain_url.replace(f"/{plain_name}?", "/postgres?"))
    await admin.execute(f'CREATE DATABASE "{part_name}" TEMPLATE "{plain_name}"')
    await admin.close()
    part = await asyncpg.connect(part_url)
    await register_vector(part)
    await part.execute("SET maintenance_work_mem = '512MB'")
    t0 = time.perf_counter()
    moved = await part.fetchval("SELECT animus.partition_memories($1)", PARTITIONS)
    out["partition_s"] = round(time.perf_counter() - t0, 1)
    out["partition_rows"] = moved
    t0 = time.perf_counter()
    await part.fetchval("SELECT animus.unpartition_memories()")
    out["unpartition_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    await part.fetchval("SELECT animus.partition_memories($1)", PARTITIONS)
    out["partition_again_s"] = round(time.perf_counter() - t0, 1)
    await part.execute("VACUUM ANALYZE animus.memories")
    _log(f"partitioned {moved:,} rows in {out['partition_s']} s; measuring")

    plain = await asyncpg.connect(plain_url)
    await register_vector(plain)
    sides = {"plain": plain, "partitioned": part}
    try:
        n = queries + WARMUP
        qvecs, qtexts = corpus.draw(n, 3, 2)
        rng = random.Random(7)
        calls: dict[str, Any] = {}
        for label, scope in PROBE.items():
            ids = [
                r["id"]
                for r in await plain.fetch("SELECT id FROM animus.memories WHERE scope = $1", scope)
            ]
            for fname, sql, make in (
                ("search_memory", DEPLOYED, lambda i, s=scope: (qvecs[i], 10, s)),
                ("hybrid_search", HYBRID, lambda i, s=scope: (qtexts[i], qvecs[i], 10, s)),
                ("keyword_search", KEYWORD, lambda i, s=scope: (qtexts[i], 10, s)),
                ("get_memory", GET, lambda i, s=scope, ids=ids: (rng.choice(ids), s)),
            ):
                stmts = {side: await c.prepare(sql) for side, c in sides.items()}
                times: dict[str, list[float]] = {side: [] for side in sides}
                same = 0
                for i in range(n):
                    args = make(i)
                    got: dict[str, list[int]] = {}
                    order = list(stmts.items()) if i % 2 == 0 else list(stmts.items())[::-1]
                    for side, stmt in order:
                        t0 = time.perf_counter()
                        got[side] = [r["id"] for r in await stmt.fetch(*args)]
                        if i >= WARMUP:
                            times[side].append((time.perf_counter() - t0) * 1000.0)
                    same += got["plain"] == got["partitioned"]
                p50 = {side: _p50(t) for side, t in times.items()}
                calls[f"{fname}/{label}"] = {
                    **{side: v for side, v in p50.items()},
                    "ratio": round(p50["partitioned"]["p50_ms"] / p50["plain"]["p50_ms"], 2),
                    "same_ids": round(same / n, 3),
                }
                _log(f"{fname}/{label}: {calls[f'{fname}/{label}']}")
        out["calls"] = calls
        out["store"] = await stores(sides, corpus, sizes, store_rounds)
    finally:
        for c in sides.values():
            await c.close()
    return out


async def stores(
    sides: dict[str, asyncpg.Connection], corpus: Corpus, sizes: dict[str, int], rounds: int
) -> dict[str, Any]:
    """New memories into Zipf-drawn scopes, the two sides alternated round by round."""
    scopes = list(sizes)
    weights = [sizes[s] for s in scopes]
    rng = random.Random(3)
    out: dict[str, Any] = {}
    for fname, per_round in (("store_memory", 1), ("store_memories_100", 100)):
        elapsed = {side: 0.0 for side in sides}
        for r in range(rounds + 2):
            scope = rng.choices(scopes, weights)[0]
            vectors, texts = corpus.draw(per_round, WORDS_PER_DOC, TOPIC_WORDS_PER_DOC)
            items = [
                {
                    "content": f"{t} new-{fname}-{r}-{i}",
                    "memory_type": "note",
                    "embedding": np.round(v.astype(np.float64), 5).tolist(),
                    "embedding_model": "synthetic-topics-384",
                }
                for i, (t, v) in enumerate(zip(texts, vectors, strict=True))
            ]
            order = list(sides.items()) if r % 2 == 0 else list(sides.items())[::-1]
            for side, conn in order:
                t0 = time.perf_counter()
                if per_round == 1:
                    await conn.fetchval(STORE_ONE, items[0]["content"], vectors[0], scope)
                else:
                    await conn.fetchval(STORE_MANY, json.dumps(items), scope)
                if r >= 2:
                    elapsed[side] += time.perf_counter() - t0
        rate = {side: round(rounds * per_round / e, 1) for side, e in elapsed.items()}
        out[fname] = {
            "plain_rows_per_s": rate["plain"],
            "partitioned_rows_per_s": rate["partitioned"],
            "ratio": round(rate["partitioned"] / rate["plain"], 2),
        }
        _log(f"{fname}: {out[fname]}")
    return out


def table(out: dict[str, Any]) -> str:
    lines = [
        f"{out['rows']:,} rows, {out['scopes']} scopes, {out['partitions']} hash partitions; "
        f"probe sizes {out['probe_sizes']}",
        f"load {out['load_s']} s, HNSW {out['index_build_s']} s; partition_memories "
        f"{out['partition_s']} s, unpartition {out['unpartition_s']} s, again "
        f"{out['partition_again_s']} s",
        f"{'call / scope (k = 10)':<32} {'plain p50':>10} {'part p50':>10} {'ratio':>6} "
        f"{'same ids':>9}",
    ]
    for key, r in out["calls"].items():
        lines.append(
            f"{key:<32} {r['plain']['p50_ms']:>10.2f} {r['partitioned']['p50_ms']:>10.2f} "
            f"{r['ratio']:>6.2f} {r['same_ids']:>9.3f}"
        )
    for key, r in out["store"].items():
        lines.append(
            f"{key:<32} {r['plain_rows_per_s']:>10.1f} {r['partitioned_rows_per_s']:>10.1f} "
            f"{r['ratio']:>6.2f}  rows/s"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Scopes: is a scoped search full and fast when 99 other scopes share the table?

    .venv/bin/python bench/scopes.py                 # 30k rows, about 6 minutes on 2 cores
    .venv/bin/python bench/scopes.py --rows 5000 --queries 20   # a smoke run

100 scopes with Zipf-like sizes (scope k holds a share proportional to 1 / (k + 1)): the
largest holds 19% of the rows, scope s018 1% (the case the issue names), the smallest 0.19%.
Vectors and texts come from the topic-mixture corpus of bench/_memory_bench.py, with topics
drawn independently of the scope, so a small scope's nearest rows in the shared HNSW graph are
almost all other scopes' rows: the hard case for a filtered index scan.

Index designs, each asked for the 10 and the 40 (hybrid_search's pool) nearest rows of a scope:

* ``deployed``: animus.search_memory(..., scope => s) as deployed: the shared HNSW and the
  b-trees whose first column is scope, iterative scan, every call planned for its scope;
* ``hnsw_only``: the shared HNSW with the scope in the WHERE and pgvector's iterative scan,
  the other paths switched off (what the planner would have without the scope b-tree);
* ``btree_exact``: the scope's rows from the b-tree, sorted by exact distance;
* ``generic_plan``: the deployed query shape under one cached generic plan (what a plpgsql
  function does after five calls unless it sets plan_cache_mode);
* ``partial_hnsw``: an HNSW index WHERE scope = 's018', for that scope only (a partition
  without partitioning);
* ``list_partitions``: a copy of the rows in a table PARTITION BY LIST (scope), one
  partition and one HNSW per scope (pruning leaves one small graph);
* ``hash_partitions``: a copy PARTITION BY HASH (scope) into 16 partitions, an HNSW and a
  scope b-tree in each.

Reported per design and scope: p50 and p95 latency (one connection, one query at a time, as
an agent asks), page fill (rows returned / rows asked, when the scope holds that many), recall
against exact search in the scope, and whether any row came from another scope. Then the
deployed hybrid_search and keyword_search per scope. Prints a table and writes
bench/results/scopes.json. The machine is shared: compare rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

ROOT = Path(__file__).resolve().parent
SCOPES = 100
WARMUP = 5
PROBE = {"largest": "s000", "one_percent": "s018", "smallest": "s099"}

DEPLOYED = (
    "SELECT id FROM animus.search_memory(query_embedding => $1::public.vector, "
    "match_count => $2::integer, scope => $3::text)"
)
# The query of animus._vector_leg for one scope, on a given table.
SHAPE = (
    "SELECT m.id, m.scope FROM {table} AS m WHERE m.scope = $3::text "
    "ORDER BY m.embedding OPERATOR(public.<=>) $1::public.vector LIMIT $2::integer"
)
# Adding 0 to the distance hides it from the HNSW operator class: a sort of the scope's rows.
EXACT = (
    "SELECT m.id FROM animus.memories AS m WHERE m.scope = $3::text "
    "ORDER BY (m.embedding OPERATOR(public.<=>) $1::public.vector) + 0 LIMIT $2::integer"
)
HYBRID = (
    "SELECT id FROM animus.hybrid_search(query_text => $1::text, "
    "query_embedding => $2::public.vector, match_count => $3::integer, scope => $4::text)"
)
KEYWORD = (
    "SELECT id FROM animus.keyword_search(query_text => $1::text, match_count => $2::integer, "
    "scope => $3::text)"
)
PARTIAL = (
    "CREATE INDEX memories_s018_hnsw ON animus.memories USING hnsw "
    "(embedding public.vector_cosine_ops) WITH (m = 16, ef_construction = 128) "
    "WHERE scope = 's018'"
)
MATCHING = (
    "SELECT count(*) FROM animus.memories WHERE scope = $1 AND search_text @@ "
    "(SELECT string_agg(quote_literal(l), ' | ')::tsquery "
    "FROM unnest(tsvector_to_array(to_tsvector('english', $2::text))) AS l)"
)
ITERATIVE = (
    "SET LOCAL hnsw.iterative_scan = relaxed_order",
    "SET LOCAL hnsw.ef_search = 100",
)


def _log(message: str) -> None:
    print(f"scopes: {message}", file=sys.stderr, flush=True)


def scope_sizes(rows: int) -> dict[str, int]:
    weights = np.array([1.0 / (k + 1) for k in range(SCOPES)])
    sizes = np.maximum(1, np.floor(rows * weights / weights.sum())).astype(int)
    sizes[0] += rows - sizes.sum()
    return {f"s{k:03d}": int(n) for k, n in enumerate(sizes)}


async def load(conn: asyncpg.Connection, corpus: Corpus, sizes: dict[str, int]) -> float:
    """Store every scope's rows through animus.store_memories (scope => s), HNSW dropped."""
    started = time.perf_counter()
    order = [s for s, n in sizes.items() for _ in range(n)]
    rng = np.random.default_rng(11)
    rng.shuffle(order)  # scopes interleaved in time, as tenants write
    for start in range(0, len(order), 1000):
        batch = order[start : start + 1000]
        vectors, texts = corpus.draw(len(batch), WORDS_PER_DOC, TOPIC_WORDS_PER_DOC)
        by_scope: dict[str, list[dict[str, Any]]] = {}
        for i, (scope, text, vec) in enumerate(zip(batch, texts, vectors, strict=True)):
            by_scope.setdefault(scope, []).append(
                {
                    "content": f"{text} m{start + i}",
                    "memory_type": "note",
                    "embedding": np.round(vec.astype(np.float64), 5).tolist(),
                    "embedding_model": "synthetic-topics-384",
                }
            )
        for scope, items in by_scope.items():
            await conn.execute(
                "SELECT count(*) FROM animus.store_memories(items => $1::jsonb, scope => $2)",
                json.dumps(items),
                scope,
            )
    return time.perf_counter() - started


async def load_indexed(
    conn: asyncpg.Connection, corpus: Corpus, sizes: dict[str, int]
) -> tuple[float, float]:
    """Load with the HNSW index dropped, build it again once, VACUUM ANALYZE: the load's and
    the index build's seconds (one build over all rows is far quicker than row by row)."""
    indexdef = await conn.fetchval(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'animus' "
        "AND indexname = 'memories_embedding_idx'"
    )
    await conn.execute("DROP INDEX animus.memories_embedding_idx")
    load_s = await load(conn, corpus, sizes)
    await conn.execute("SET maintenance_work_mem = '512MB'")
    t0 = time.perf_counter()
    await conn.execute(indexdef)
    index_s = time.perf_counter() - t0
    await conn.execute("VACUUM ANALYZE animus.memories")
    return load_s, index_s


async def build_copies(conn: asyncpg.Connection, sizes: dict[str, int]) -> dict[str, float]:
    """The prototypes: list- and hash-partitioned copies of the rows."""
    built: dict[str, float] = {}
    dim = await conn.fetchval("SELECT animus.embedding_dim()")
    await conn.execute("DROP SCHEMA IF EXISTS scopes_bench CASCADE; CREATE SCHEMA scopes_bench")
    for name, spec, parts in (
        ("list", "LIST (scope)", [f"FOR VALUES IN ('{s}')" for s in sizes]),
        (
            "hash",
            "HASH (scope)",
            [f"FOR VALUES WITH (MODULUS 16, REMAINDER {r})" for r in range(16)],
        ),
    ):
        t0 = time.perf_counter()
        await conn.execute(
            f"CREATE TABLE scopes_bench.m_{name} (id bigint NOT NULL, scope text NOT NULL, "
            f"embedding public.vector({dim}) NOT NULL) PARTITION BY {spec}"
        )
        for i, bound in enumerate(parts):
            await conn.execute(
                f"CREATE TABLE scopes_bench.m_{name}_{i} PARTITION OF scopes_bench.m_{name} {bound}"
            )
        await conn.execute(
            f"INSERT INTO scopes_bench.m_{name} SELECT id, scope, embedding FROM animus.memories"
        )
        # one HNSW per partition (a partitioned index), and in the hash case a scope b-tree
        await conn.execute(
            f"CREATE INDEX ON scopes_bench.m_{name} USING hnsw "
            "(embedding public.vector_cosine_ops) WITH (m = 16, ef_construction = 128)"
        )
        if name == "hash":
            await conn.execute(f"CREATE INDEX ON scopes_bench.m_{name} (scope)")
        await conn.execute(f"ANALYZE scopes_bench.m_{name}")
        built[f"{name}_partitions"] = time.perf_counter() - t0
    return built


async def plan_of(conn: asyncpg.Connection, scope: str, q: np.ndarray) -> str:
    """The index the planner picks for the deployed query shape in this scope (custom plan)."""
    async with conn.transaction():
        for s in ITERATIVE:
            await conn.execute(s)
        plan = await conn.fetchval(
            "EXPLAIN (FORMAT JSON) " + SHAPE.format(table="animus.memories"), q, 10, scope
        )
    names: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if "Index Name" in node:
            names.append(f"{node['Node Type']} {node['Index Name']}")
        for child in node.get("Plans", []):
            walk(child)

    walk(json.loads(plan)[0]["Plan"] if isinstance(plan, str) else plan[0]["Plan"])
    return ", ".join(names) or "Seq Scan"


def _summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
    }


async def run_design(
    conn: asyncpg.Connection,
    design: str,
    scope: str,
    size: int,
    k: int,
    queries: np.ndarray,
    exact: list[set[int]],
    scope_ids: set[int],
) -> dict[str, Any]:
    settings: tuple[str, ...] = ()
    if design == "deployed":
        sql = DEPLOYED
    elif design == "hnsw_only":
        sql = SHAPE.format(table="animus.memories")
        settings = (
            *ITERATIVE,
            "SET LOCAL enable_sort = off",
            "SET LOCAL enable_bitmapscan = off",
            "SET LOCAL enable_seqscan = off",
        )
    elif design == "btree_exact":
        sql = EXACT
    elif design == "generic_plan":
        sql = SHAPE.format(table="animus.memories")
        settings = (*ITERATIVE, "SET LOCAL plan_cache_mode = force_generic_plan")
    elif design == "partial_hnsw":
        sql = SHAPE.format(table="animus.memories")
        settings = ITERATIVE
    else:
        sql = SHAPE.format(table=f"scopes_bench.m_{design.split('_')[0]}")
        settings = ITERATIVE
    stmt = None
    times: list[float] = []
    fill: list[float] = []
    recall: list[float] = []
    foreign = 0
    expected = min(k, size)
    for i, q in enumerate(queries):
        async with conn.transaction():
            for s in settings:
                await conn.execute(s)
            if stmt is None:
                # prepared inside the settings, so a generic plan is what it executes
                stmt = await conn.prepare(sql)
            t0 = time.perf_counter()
            got = await stmt.fetch(q, k, scope)
            ms = (time.perf_counter() - t0) * 1000.0
        if i < WARMUP:
            continue
        times.append(ms)
        ids = {r["id"] for r in got}
        fill.append(len(got) / expected)
        recall.append(len(ids & exact[i]) / len(exact[i]) if exact[i] else 1.0)
        foreign += len(ids - scope_ids)
    return {
        **_summary(times),
        "page_fill": round(statistics.fmean(fill), 4),
        "short_pages": sum(f < 1.0 for f in fill),
        "recall": round(statistics.fmean(recall), 4),
        "foreign_rows": foreign,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    name, url = fresh_database()
    alone_name, alone_url = fresh_database()
    _log(f"database {name}; {args.rows:,} rows in {SCOPES} scopes; {alone_name}: small ones alone")
    try:
        out = asyncio.run(measure(url, alone_url, args.rows, args.queries))
    finally:
        for db_name in (name, alone_name):
            subprocess.run([str(ROOT.parent / "script" / "db"), "dropdb", db_name], check=False)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "scopes.json").write_text(json.dumps(out, indent=2) + "\n")
    print(table(out))


async def measure(url: str, alone_url: str, rows: int, queries: int) -> dict[str, Any]:
    sizes = scope_sizes(rows)
    conn = await asyncpg.connect(url)
    await register_vector(conn)
    out: dict[str, Any] = {"rows": rows, "scopes": SCOPES, "queries": queries}
    out["probe_sizes"] = {label: sizes[s] for label, s in PROBE.items()}
    try:
        corpus = Corpus(topics=max(20, rows // 250), seed=5)
        load_s, index_s = await load_indexed(conn, corpus, sizes)
        out["load_s"], out["index_build_s"] = round(load_s, 1), round(index_s, 1)
        _log(f"loaded in {out['load_s']} s, HNSW in {out['index_build_s']} s; building prototypes")
        out["prototype_build_s"] = {
            k: round(v, 1) for k, v in (await build_copies(conn, sizes)).items()
        }
        await conn.execute("VACUUM ANALYZE animus.memories")

        n = queries + WARMUP
        qvecs, qtexts = corpus.draw(n, 3, 2)
        exact_stmt = await conn.prepare(EXACT)
        designs = (
            "deployed",
            "hnsw_only",
            "btree_exact",
            "generic_plan",
            "partial_hnsw",
            "list_partitions",
            "hash_partitions",
        )
        results: dict[str, Any] = {}
        for k in (10, 40):
            for label, scope in PROBE.items():
                exact = [{r["id"] for r in await exact_stmt.fetch(q, k, scope)} for q in qvecs]
                scope_ids = {
                    r["id"]
                    for r in await conn.fetch(
                        "SELECT id FROM animus.memories WHERE scope = $1", scope
                    )
                }
                for design in designs:
                    if design == "partial_hnsw" and scope != "s018":
                        continue
                    _log(f"k={k} {label} ({scope}, {sizes[scope]} rows): {design}")
                    if design == "partial_hnsw":
                        # only while it is measured: the other designs must not see it
                        await conn.execute(PARTIAL)
                        await conn.execute("ANALYZE animus.memories")
                    results[f"{design}/{label}/k{k}"] = await run_design(
                        conn, design, scope, sizes[scope], k, qvecs, exact, scope_ids
                    )
                    if design == "partial_hnsw":
                        await conn.execute("DROP INDEX animus.memories_s018_hnsw")
        out["vector"] = results
        out["planner_choice"] = {  # the deployed shape, no prototype index in the way
            label: await plan_of(conn, scope, qvecs[0]) for label, scope in PROBE.items()
        }

        functions: dict[str, Any] = {}
        hybrid = await conn.prepare(HYBRID)
        keyword = await conn.prepare(KEYWORD)
        for label, scope in PROBE.items():
            for fname, call in (
                ("hybrid_search", lambda i, s=scope: hybrid.fetch(qtexts[i], qvecs[i], 10, s)),
                ("keyword_search", lambda i, s=scope: keyword.fetch(qtexts[i], 10, s)),
            ):
                times, fill = [], []
                for i in range(n):
                    t0 = time.perf_counter()
                    got = await call(i)
                    ms = (time.perf_counter() - t0) * 1000.0
                    if i < WARMUP:
                        continue
                    times.append(ms)
                    # a full page is 10 rows, or every row of the scope the leg can find:
                    # any row (hybrid: the vector leg), or a row matching a query term
                    matching = sizes[scope]
                    if fname == "keyword_search":
                        matching = await conn.fetchval(MATCHING, scope, qtexts[i])
                    fill.append(len(got) / min(10, matching) if matching else 1.0)
                in_scope = await conn.fetchval(
                    "SELECT count(*) FROM animus.memories WHERE scope = $1", scope
                )
                functions[f"{fname}/{label}"] = {
                    **_summary(times),
                    "page_fill": round(statistics.fmean(fill), 4),
                    "scope_rows": in_scope,
                }
        out["functions"] = functions
        out["alone"] = await shared_vs_alone(conn, alone_url, qvecs, qtexts)
    finally:
        await conn.close()
    return out


async def shared_vs_alone(
    conn: asyncpg.Connection, alone_url: str, qvecs: np.ndarray, qtexts: list[str]
) -> dict[str, Any]:
    """The small scopes' searches in the shared table against the same rows in a database of
    their own (what "one database per tenant" gives), alternated query by query."""
    alone = await asyncpg.connect(alone_url)
    await register_vector(alone)
    out: dict[str, Any] = {}
    try:
        for label in ("one_percent", "smallest"):
            scope = PROBE[label]
            rows = await conn.fetch(
                "SELECT content, memory_type, embedding::text AS e, embedding_model "
                "FROM animus.memories WHERE scope = $1 ORDER BY id",
                scope,
            )
            items = [
                {
                    "content": r["content"],
                    "memory_type": r["memory_type"],
                    "embedding": json.loads(r["e"]),
                    "embedding_model": r["embedding_model"],
                }
                for r in rows
            ]
            await alone.execute(
                "SELECT count(*) FROM animus.store_memories(items => $1::jsonb, scope => $2)",
                json.dumps(items),
                scope,
            )
        await alone.execute("VACUUM ANALYZE animus.memories")
        for label in ("one_percent", "smallest"):
            scope = PROBE[label]
            for fname, sql, make in (
                ("search_memory", DEPLOYED, lambda i, s=scope: (qvecs[i], 10, s)),
                ("hybrid_search", HYBRID, lambda i, s=scope: (qtexts[i], qvecs[i], 10, s)),
                ("keyword_search", KEYWORD, lambda i, s=scope: (qtexts[i], 10, s)),
            ):
                sides = {"shared": await conn.prepare(sql), "alone": await alone.prepare(sql)}
                times: dict[str, list[float]] = {"shared": [], "alone": []}
                same = 0
                for i in range(len(qvecs)):
                    got: dict[str, list[int]] = {}
                    for side, stmt in sides.items():
                        t0 = time.perf_counter()
                        got[side] = [r["id"] for r in await stmt.fetch(*make(i))]
                        if i >= WARMUP:
                            times[side].append((time.perf_counter() - t0) * 1000.0)
                    # ids differ between the databases; compare page sizes
                    same += len(got["shared"]) == len(got["alone"])
                shared_p50 = statistics.median(times["shared"])
                alone_p50 = statistics.median(times["alone"])
                out[f"{fname}/{label}"] = {
                    "shared_p50_ms": round(shared_p50, 2),
                    "alone_p50_ms": round(alone_p50, 2),
                    "ratio": round(shared_p50 / alone_p50, 2),
                    "same_page_size": same / len(qvecs),
                }
    finally:
        await alone.close()
    return out


def table(out: dict[str, Any]) -> str:
    lines = [
        f"{out['rows']:,} rows, {out['scopes']} scopes; probe sizes {out['probe_sizes']}",
        f"{'design / scope / k':<40} {'p50 ms':>7} {'p95 ms':>7} {'fill':>6} "
        f"{'recall':>7} {'foreign':>7}",
    ]
    for key, r in out["vector"].items():
        lines.append(
            f"{key:<40} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f} {r['page_fill']:>6.3f} "
            f"{r['recall']:>7.3f} {r['foreign_rows']:>7}"
        )
    lines.append("")
    for label, choice in out["planner_choice"].items():
        lines.append(f"planner, deployed shape, {label}: {choice}")
    lines.append("")
    for key, r in out["functions"].items():
        lines.append(f"{key:<40} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f} {r['page_fill']:>6.3f}")
    lines.append("")
    lines.append(f"{'shared table vs alone (p50 ms)':<40} {'shared':>7} {'alone':>7} {'ratio':>6}")
    for key, r in out["alone"].items():
        lines.append(
            f"{key:<40} {r['shared_p50_ms']:>7.2f} {r['alone_p50_ms']:>7.2f} {r['ratio']:>6.2f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Retrieval quality (nDCG@10) of the keyword leg, the vector leg and hybrid_search, plus latency.

    .venv/bin/python bench/eval_retrieval.py --url "$(script/db url)"

The URL names any database on a server where this user may create databases. The script creates
a throwaway database, deploys the schema with Sqitch at embedding_dim 384, and drops it at the
end. Quality: the labelled sets in bench/data/*.json (see build_sets.py there) are embedded with
the real offline all-MiniLM-L6-v2 (animus.local_embedder), stored with animus.store_memories,
and every ranking is done by the SQL functions. Latency: --latency-rows synthetic 384-dim rows
(clustered vectors, Zipf-distributed words), then hybrid_search p50/p95 from one connection,
the vector leg's recall@10 against exact search, and page fill under a filter matching 1%.
Results are printed and written to bench/results/retrieval.json.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "client"))

from animus.local_embedder import LocalEmbedder  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from _realtext import embed_cached  # noqa: E402

DATA = ROOT / "bench" / "data"
#: Public labelled collections, read at run time and never copied into the repository.
IR_DATA = ROOT.parent / "shared" / "data" / "ir"
RESULTS = ROOT / "bench" / "results" / "retrieval.json"
K = 10

KEYWORD_RANKINGS = ["and_rank", "and_rank_cd", "or_rank_cd", "bm25"]
# (label, hybrid_search keyword arguments); the first is the default call.
HYBRID_VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("hybrid (default: convex 0.25, bm25)", {}),
    ("hybrid convex keyword_weight=0.15", {"keyword_weight": 0.15}),
    ("hybrid convex keyword_weight=0.1", {"keyword_weight": 0.1}),
    ("hybrid convex keyword_weight=0.4", {"keyword_weight": 0.4}),
    ("hybrid convex keyword_weight=0.6", {"keyword_weight": 0.6}),
    ("hybrid convex keyword_weight=1.0", {"keyword_weight": 1.0}),
    ("hybrid convex + or_rank_cd", {"keyword_ranking": "or_rank_cd"}),
    ("hybrid rrf k=60 (bm25)", {"fusion": "rrf"}),
    ("hybrid rrf + and_rank (plain ts_rank)", {"fusion": "rrf", "keyword_ranking": "and_rank"}),
    ("hybrid rrf + or_rank_cd", {"fusion": "rrf", "keyword_ranking": "or_rank_cd"}),
    ("hybrid rrf k=20", {"fusion": "rrf", "rrf_k": 20}),
    ("hybrid rrf vector_weight=2", {"fusion": "rrf", "vector_weight": 2.0}),
]


# --- database set-up ------------------------------------------------------------------------
def libpq_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    env = dict(os.environ)
    if host := query.get("host") or parts.hostname:
        env["PGHOST"] = host
    if port := query.get("port") or (str(parts.port) if parts.port else ""):
        env["PGPORT"] = port
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    env["PGDATABASE"] = parts.path.lstrip("/") or "postgres"
    return env


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def deploy(url: str) -> None:
    env = libpq_env(url)
    cmd = [
        "sqitch",
        "deploy",
        "--target",
        f"db:pg:{env['PGDATABASE']}",
        "--set",
        "embedding_dim=384",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"sqitch deploy failed:\n{proc.stdout}\n{proc.stderr}")


async def connect(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await register_vector(conn)
    return conn


# --- metrics ----------------------------------------------------------------------------------
def ndcg_at_k(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


# --- public collections -------------------------------------------------------------------------
def _smart_records(path: Path) -> dict[str, dict[str, str]]:
    """The SMART format of CACM: ``.I id`` starts a record, ``.X`` starts field X."""
    records: dict[str, dict[str, str]] = {}
    fields: dict[str, str] = {}
    field = ""
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith(".I "):
            fields = {}
            records[line[3:].strip()] = fields
            field = ""
        elif len(line) >= 2 and line[0] == "." and line[1].isalpha() and line[2:].strip() == "":
            field = line[1]
            fields.setdefault(field, "")
        elif field:
            fields[field] += line + "\n"
    return records


def load_cacm(folder: Path) -> dict[str, Any]:
    """CACM as a labelled set: title + abstract per document, binary relevance.

    Queries are split by id parity into ``tune`` (odd) and ``check`` (even): the fusion was
    chosen looking at the tune half; the check half is reported separately as held out.
    """
    docs = _smart_records(folder / "cacm.all")
    queries = _smart_records(folder / "query.text")
    relevant: dict[str, dict[str, int]] = {}
    for line in (folder / "qrels.text").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            relevant.setdefault(str(int(parts[0])), {})[parts[1]] = 1
    documents = [
        {"id": i, "text": " ".join((f.get("T", "") + " " + f.get("W", "")).split())}
        for i, f in docs.items()
    ]
    return {
        "name": "cacm",
        "documents": [d for d in documents if d["text"]],
        "queries": [
            {
                "id": q,
                "kind": "tune" if int(q) % 2 else "check",
                "text": " ".join(f.get("W", "").split()),
                "relevant": relevant[q],
            }
            for q, f in queries.items()
            if q in relevant
        ],
    }


# --- quality ----------------------------------------------------------------------------------
async def evaluate_set(
    conn: asyncpg.Connection, embedder: LocalEmbedder, data: dict[str, Any]
) -> dict[str, dict[str, float]]:
    memory_type = f"eval_{data['name']}"
    docs, queries = data["documents"], data["queries"]
    doc_vectors = [
        list(map(float, v)) for v in embed_cached([d["text"] for d in docs], data["name"])
    ]
    items = [
        {
            "content": d["text"],
            "memory_type": memory_type,
            "embedding": v,
            "source": "bench",
            "embedding_model": embedder.model,
        }
        for d, v in zip(docs, doc_vectors, strict=True)
    ]
    ids = [
        r[0]
        for r in await conn.fetch(
            "SELECT * FROM animus.store_memories($1::jsonb)", json.dumps(items)
        )
    ]
    doc_of = {mid: d["id"] for mid, d in zip(ids, docs, strict=True)}
    query_vectors = embed_cached([q["text"] for q in queries], data["name"] + "-queries")
    filters = json.dumps({"memory_type": memory_type})

    per_method: dict[str, dict[str, list[float]]] = {}

    def record(method: str, kind: str, value: float) -> None:
        bucket = per_method.setdefault(method, {"all": []})
        bucket["all"].append(value)
        bucket.setdefault(kind, []).append(value)

    for q, qv in zip(queries, query_vectors, strict=True):
        rel, kind = q["relevant"], q["kind"]
        rows = await conn.fetch(
            "SELECT id FROM animus.search_memory($1, $2, $3::jsonb)", np.array(qv), K, filters
        )
        record("vector only", kind, ndcg_at_k([doc_of[r["id"]] for r in rows], rel))
        for ranking in KEYWORD_RANKINGS:
            rows = await conn.fetch(
                "SELECT id FROM animus.keyword_search($1, $2, $3::jsonb, $4)",
                q["text"],
                K,
                filters,
                ranking,
            )
            record(f"keyword {ranking}", kind, ndcg_at_k([doc_of[r["id"]] for r in rows], rel))
        for label, kwargs in HYBRID_VARIANTS:
            names = ["query_text", "query_embedding", "match_count", "filters", *kwargs]
            args = [q["text"], np.array(qv), K, filters, *kwargs.values()]
            placeholders = ", ".join(
                f"{n} => ${i + 1}{'::jsonb' if n == 'filters' else ''}" for i, n in enumerate(names)
            )
            rows = await conn.fetch(f"SELECT id FROM animus.hybrid_search({placeholders})", *args)
            record(label, kind, ndcg_at_k([doc_of[r["id"]] for r in rows], rel))
    await conn.execute("SELECT animus.forget_memories(filters => $1::jsonb)", filters)
    return {
        method: {kind: statistics.fmean(v) if v else float("nan") for kind, v in buckets.items()}
        for method, buckets in per_method.items()
    }


# --- latency ----------------------------------------------------------------------------------
def synthetic_corpus(rows: int, seed: int = 7) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Clustered unit vectors and 24-word texts over a 20k-word vocabulary.

    Word ranks follow p(r) ~ 1 / (r + 50): the commonest word is in about 8% of documents,
    like a frequent content word once stop words are gone.
    """
    rng = np.random.default_rng(seed)
    syllables = [
        "ka",
        "lo",
        "mi",
        "ren",
        "tas",
        "vu",
        "dor",
        "phi",
        "quen",
        "sar",
        "bel",
        "tro",
        "nix",
        "ost",
        "ula",
        "zem",
    ]
    vocab: set[str] = set()
    while len(vocab) < 20000:
        vocab.add("".join(rng.choice(syllables, size=rng.integers(2, 5))))
    words = np.array(sorted(vocab))
    rng.shuffle(words)
    p = 1.0 / (np.arange(len(words)) + 50)
    p /= p.sum()
    centers = rng.normal(size=(max(rows // 500, 10), 384)).astype(np.float32)
    assign = rng.integers(0, len(centers), size=rows)
    vectors = centers[assign] + 0.6 * rng.normal(size=(rows, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    picks = rng.choice(len(words), size=(rows, 24), p=p)
    texts = [" ".join(words[picks[i]]) + f" n{i}" for i in range(rows)]
    return vectors, texts, rng.choice(words, size=(1000, 3), p=p)


async def measure_latency(conn: asyncpg.Connection, rows: int, queries: int) -> dict[str, Any]:
    print(f"latency: generating and loading {rows} synthetic 384-dim memories ...", flush=True)
    vectors, texts, query_words = synthetic_corpus(rows)
    started = time.perf_counter()
    indexdef = await conn.fetchval(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'animus' "
        "AND indexname = 'memories_embedding_idx'"
    )
    # Bulk load: drop the HNSW index, COPY, and build the index once (the same definition).
    await conn.execute("DROP INDEX animus.memories_embedding_idx")
    records = [
        (
            t,
            "rare" if i % 100 == 0 else "bulk",
            "synthetic",
            "{}",
            v,
            "synthetic",
            hashlib.sha256(t.encode()).digest(),
        )
        for i, (t, v) in enumerate(zip(texts, vectors, strict=True))
    ]
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
        records=records,
    )
    load_s = time.perf_counter() - started
    await conn.execute("SET maintenance_work_mem = '1GB'")
    started = time.perf_counter()
    await conn.execute(indexdef)
    index_s = time.perf_counter() - started
    await conn.execute("VACUUM ANALYZE animus.memories")
    print(f"latency: loaded in {load_s:.0f} s, HNSW built in {index_s:.0f} s", flush=True)

    rng = np.random.default_rng(11)
    picks = rng.integers(0, rows, size=queries + 20)
    qvecs = [vectors[i] + 0.1 * rng.normal(size=384).astype(np.float32) for i in picks]
    qtexts = [" ".join(query_words[i % len(query_words)]) for i in range(len(picks))]

    hybrid = await conn.prepare("SELECT * FROM animus.hybrid_search($1, $2, 10, $3::jsonb)")
    vector = await conn.prepare("SELECT id FROM animus.search_memory($1, 10, $2::jsonb)")

    async def timed(stmt: Any, *args: Any) -> tuple[float, list[Any]]:
        t0 = time.perf_counter()
        result = await stmt.fetch(*args)
        return (time.perf_counter() - t0) * 1000, result

    out: dict[str, Any] = {
        "rows": rows,
        "queries": queries,
        "load_s": round(load_s, 1),
        "index_build_s": round(index_s, 1),
    }
    for label, filters in (("unfiltered", "{}"), ("filter_1pct", '{"memory_type": "rare"}')):
        times, short_pages = [], 0
        for i, (qt, qv) in enumerate(zip(qtexts, qvecs, strict=True)):
            ms, result = await timed(hybrid, qt, qv, filters)
            if i >= 20:  # warm-up
                times.append(ms)
                short_pages += len(result) < 10
        times.sort()
        out[f"hybrid_{label}"] = {
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * len(times)) - 1], 2),
            "short_pages": short_pages,
        }
        times = []
        for qv in qvecs[20:]:
            ms, _ = await timed(vector, qv, filters)
            times.append(ms)
        times.sort()
        out[f"vector_{label}"] = {
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * len(times)) - 1], 2),
        }

    # Recall@10 of the HNSW leg against exact search (index scans off).
    recalls = []
    for qv in qvecs[20:120]:
        approx = {r["id"] for r in await vector.fetch(qv, "{}")}
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_indexscan = off")
            exact = {
                r["id"]
                for r in await conn.fetch(
                    "SELECT id FROM animus.memories "
                    "ORDER BY embedding OPERATOR(public.<=>) $1 LIMIT 10",
                    qv,
                )
            }
        recalls.append(len(approx & exact) / 10)
    out["vector_recall_at_10"] = round(statistics.fmean(recalls), 4)
    return out


# --- main -------------------------------------------------------------------------------------
def print_table(quality: dict[str, dict[str, dict[str, float]]]) -> None:
    for name, methods in quality.items():
        kinds = list(next(iter(methods.values())))
        header = f"{'method (' + name + ')':44}" + "".join(f"{k:>11}" for k in kinds)
        print("\nnDCG@10 " + name)
        print(header)
        print("-" * len(header))
        for method, by_kind in methods.items():
            print(f"{method:44}" + "".join(f"{by_kind[k]:11.3f}" for k in kinds))
        best_leg = max(methods["vector only"]["all"], methods["keyword bm25"]["all"])
        default = methods[HYBRID_VARIANTS[0][0]]["all"]
        verdict = "beats" if default > best_leg else "DOES NOT beat"
        print(f"default {default:.3f} {verdict} the better single leg {best_leg:.3f}")


async def run(args: argparse.Namespace) -> None:
    dbname = f"animus_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.url)
    await admin.execute(f'CREATE DATABASE "{dbname}"')
    url = with_database(args.url, dbname)
    try:
        deploy(url)
        conn = await connect(url)
        try:
            embedder = LocalEmbedder()
            quality = {}
            sets = (
                []
                if args.latency_only
                else [json.loads(p.read_text()) for p in sorted(DATA.glob("*.json"))]
            )
            cacm = Path(args.ir_data) / "cacm"
            if not args.latency_only and cacm.is_dir():
                sets.append(load_cacm(cacm))
            elif not args.latency_only:
                print(f"quality: no CACM at {cacm} (pass --ir-data)", flush=True)
            for data in sets:
                print(
                    f"quality: {data['name']} ({len(data['documents'])} documents, "
                    f"{len(data['queries'])} queries)",
                    flush=True,
                )
                quality[data["name"]] = await evaluate_set(conn, embedder, data)
            result: dict[str, Any] = {"k": K, "ndcg": quality}
            if args.latency_only and RESULTS.exists():
                result["ndcg"] = json.loads(RESULTS.read_text()).get("ndcg", {})
            else:
                print_table(quality)
            if args.latency_rows > 0:
                result["latency"] = await measure_latency(conn, args.latency_rows, args.queries)
                print("\nlatency:", json.dumps(result["latency"], indent=1))
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        await admin.close()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a database URL on the target server")
    parser.add_argument(
        "--latency-rows",
        type=int,
        default=100_000,
        help="synthetic memories for the latency run (0 to skip)",
    )
    parser.add_argument("--queries", type=int, default=200, help="timed queries per case")
    parser.add_argument(
        "--ir-data", default=str(IR_DATA), help="folder of the public collections (cacm/ in it)"
    )
    parser.add_argument(
        "--latency-only",
        action="store_true",
        help="skip the quality sets; keep their last results in the JSON",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

"""Memory, v0.1.0 against this version side by side on the same machine in one run:

* store_memories throughput (the lexeme statistics add work to every store): batches of 20
  real paragraphs with random unit vectors, 1 and 4 connections, alternating rounds;
* keyword_search cost on a corpus of real paragraphs: queries of 1,000 / 4,000 / 16,000 terms
  that occur in no memory (v0.1.0 counted each with a GIN scan), and long natural queries
  (held-out paragraphs joined to about 70 words).

Both databases are throwaway ones on the embedded cluster: one deployed ``--to @v0.1.0``, one
at HEAD. The HNSW index is dropped in both (the keyword leg does not use it, and building it
twice would dominate the run).
"""

from __future__ import annotations

import itertools
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import numpy as np
from _harness import Pair, Side, alternate, percentile
from _realtext import paragraphs, shuffled
from eval_retrieval import libpq_env

ROOT = Path(__file__).resolve().parents[1]


def _log(message: str) -> None:
    print(f"keyword: {message}", file=sys.stderr, flush=True)


async def _database(url: str, to: str | None) -> str:
    name = f"animus_kwbench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    cmd = ["sqitch", "--quiet", "deploy", "--target", f"db:pg:{name}", "--set", "embedding_dim=384"]
    if to:
        cmd += ["--to", to]
    # A one-off deploy before anything is timed: blocking the loop here is harmless.
    subprocess.run(cmd, cwd=ROOT, env=libpq_env(url), check=True, capture_output=True)  # noqa: ASYNC221
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


async def _drop(url: str, name_url: str) -> None:
    admin = await asyncpg.connect(url)
    name = urlsplit(name_url).path.lstrip("/")
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


def _vec(rng: np.random.Generator) -> str:
    v = rng.normal(size=384)
    v /= np.linalg.norm(v)
    return "[" + ",".join(f"{x:.5f}" for x in v) + "]"


async def _store_throughput(
    head: str, old: str, texts: list[str], *, rounds: int, seconds: float
) -> list[Pair]:
    rng = np.random.default_rng(3)
    vectors = [_vec(rng) for _ in range(200)]
    counter = itertools.count()
    pairs = []
    for concurrency in (1, 4):
        conns = [
            (await asyncpg.connect(head), await asyncpg.connect(old)) for _ in range(concurrency)
        ]

        def op(which: int) -> Any:
            async def store(both: Any, i: int) -> int:
                n = next(counter)
                items = [
                    {
                        "content": f"{texts[(n * 20 + j) % len(texts)]} #{n}.{j}",
                        "memory_type": "throughput",
                        "embedding": json.loads(vectors[(n + j) % 200]),
                    }
                    for j in range(20)
                ]
                await both[which].execute(
                    "SELECT count(*) FROM animus.store_memories($1::jsonb)", json.dumps(items)
                )
                return 20

            return store

        pair = Pair(
            "store_memories rows/s: this version vs v0.1.0",
            concurrency,
            Side("head", op(0)),
            Side("v0.1.0", op(1)),
        )
        pairs.append(await alternate(pair, conns, rounds=rounds, seconds=seconds))
        for a, b in conns:
            await a.close()
            await b.close()
    return pairs


async def _load(url: str, texts: list[str]) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP INDEX IF EXISTS animus.memories_embedding_idx")
        await conn.execute("DELETE FROM animus.memories")
        rng = np.random.default_rng(5)
        import hashlib

        records = [
            (t, "corpus", "{}", _vec(rng), hashlib.sha256(t.encode()).digest()) for t in texts
        ]
        await conn.execute(
            "CREATE TEMP TABLE staging (content text, memory_type text, metadata jsonb, "
            "embedding text, content_hash bytea)"
        )
        await conn.copy_records_to_table("staging", records=records)
        await conn.execute(
            "INSERT INTO animus.memories (content, memory_type, metadata, embedding, content_hash) "
            "SELECT content, memory_type, metadata, embedding::public.vector, content_hash "
            "FROM staging"
        )
        await conn.execute("VACUUM ANALYZE animus.memories")
    finally:
        await conn.close()


async def _time(url: str, query: str, repeat: int) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            try:
                await conn.fetch("SELECT id FROM animus.keyword_search($1, 10)", query)
                outcome = "ok"
            except asyncpg.PostgresError as exc:
                outcome = exc.sqlstate
            times.append((time.perf_counter() - t0) * 1000)
        return {"median_ms": round(statistics.median(times), 1), "outcome": outcome}
    finally:
        await conn.close()


async def keyword_benchmarks(url: str, *, quick: bool) -> dict[str, Any]:
    rows = 10_000 if quick else 50_000
    # A few documentation files hold NUL bytes, which PostgreSQL text cannot store.
    texts = [t.replace("\x00", " ") for t in shuffled(paragraphs(rows + 2000))]
    corpus, held_out = texts[:rows], texts[rows:]
    head, old = await _database(url, None), await _database(url, "@v0.1.0")
    out: dict[str, Any] = {"rows": rows}
    try:
        pairs = await _store_throughput(
            head, old, held_out, rounds=2 if quick else 3, seconds=2.0 if quick else 4.0
        )
        out["store_throughput"] = [p.as_dict() for p in pairs]
        _log(f"loading {rows} real paragraphs into both databases")
        await _load(head, corpus)
        await _load(old, corpus)
        absent: dict[str, Any] = {}
        for terms in (1000, 4000, 16000):
            query = " ".join(f"absentterm{i}x" for i in range(terms))
            entry = {"head": await _time(head, query, 5)}
            if terms <= (1000 if quick else 4000):  # v0.1.0 took seconds to tens of seconds
                entry["v0.1.0"] = await _time(old, query, 1)
            absent[str(terms)] = entry
            _log(f"{terms} absent terms: {entry}")
        out["absent_terms"] = absent
        long_queries = []
        words = " ".join(held_out).split()
        for i in range(30):
            long_queries.append(" ".join(words[i * 70 : (i + 1) * 70]))
        for side, target in (("head", head), ("v0.1.0", old)):
            times = []
            conn = await asyncpg.connect(target)
            for q in long_queries:
                t0 = time.perf_counter()
                await conn.fetch("SELECT id FROM animus.keyword_search($1, 10)", q)
                times.append((time.perf_counter() - t0) * 1000)
            await conn.close()
            out[f"long_70_words_{side}"] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 95), 1),
            }
        big = "word " * 60000
        out["query_300kb_head"] = await _time(head, big, 1)
    finally:
        await _drop(url, head)
        await _drop(url, old)
    return out

"""Scaling measurements for docs/scaling.md: a streaming replica of the embedded cluster.

    .venv/bin/python bench/scaling.py              # about 3 minutes on 2 cores
    .venv/bin/python bench/scaling.py --memories 5000 --seconds 3   # a smoke run

1. Replay lag on the standby while the primary bulk-imports memories, and while it rebuilds
   the HNSW index (REINDEX): sampled every 100 ms from pg_stat_replication.
2. hybrid_search throughput with every connection on the primary, against the same number of
   connections split between the primary and the standby, alternated round by round.
3. The hot_standby_feedback trade-off: a standby transaction holds a snapshot while the
   primary churns a queue (submit, read, complete); then VACUUM on the primary, and the dead
   tuples it could not remove, with feedback off and on.

It uses a throwaway database on the embedded cluster and `script/db replica` (started if not
running, and destroyed afterwards if this run created it). Prints a table and writes
bench/results/scaling.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Pair, Side, alternate

ROOT = Path(__file__).resolve().parents[1]
DIM = 384
# A Zipf-like vocabulary of pseudo-words: a few common, most rare, as in real text, so the
# keyword leg matches a realistic share of rows instead of all of them.
_ROOTS = (
    "queue worker memory vector keyword replica primary standby index search agent trace "
    "postgres lease retry schedule document chunk embedding model tenant scope archive"
).split()
WORDS = [f"{root}{n}" if n else root for n in range(120) for root in _ROOTS]
WEIGHTS = [1.0 / (rank + 1) for rank in range(len(WORDS))]


def _script(*args: str) -> str:
    out = subprocess.run(
        [str(ROOT / "script" / args[0]), *args[1:]], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"script/{' '.join(args)} failed:\n{out.stderr}")
    return out.stdout.strip()


def _vector(rng: random.Random) -> list[float]:
    v = [rng.gauss(0, 1) for _ in range(DIM)]
    n = sum(x * x for x in v) ** 0.5
    return [x / n for x in v]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, WEIGHTS, k=n))


async def _lag_sampler(primary: asyncpg.Connection, stop: asyncio.Event) -> list[tuple[int, float]]:
    samples: list[tuple[int, float]] = []
    while not stop.is_set():
        row = await primary.fetchrow(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS bytes,"
            " coalesce(extract(epoch FROM replay_lag), 0)::float8 AS seconds"
            " FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid"
            " WHERE s.slot_name = 'animus_replica'"
        )
        if row is not None:
            samples.append((row["bytes"], row["seconds"]))
        await asyncio.sleep(0.1)
    return samples


def _lag_summary(samples: list[tuple[int, float]]) -> dict[str, float]:
    if not samples:
        return {"samples": 0}
    mb = [b / 1e6 for b, _ in samples]
    secs = [s for _, s in samples]
    return {
        "samples": len(samples),
        "max_mb": max(mb),
        "median_mb": statistics.median(mb),
        "max_s": max(secs),
        "median_s": statistics.median(secs),
    }


async def _caught_up(primary: asyncpg.Connection, replica: asyncpg.Connection) -> float:
    start = time.perf_counter()
    lsn = await primary.fetchval("SELECT pg_current_wal_lsn()")
    # The replay position lives on the server; there is no event to wait on.
    while not await replica.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn):  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    return time.perf_counter() - start


async def replay_lag(primary_url: str, replica_url: str, memories: int) -> dict[str, Any]:
    rng = random.Random(7)
    primary = await asyncpg.connect(primary_url)
    replica = await asyncpg.connect(replica_url)
    sampler_conn = await asyncpg.connect(primary_url)
    out: dict[str, Any] = {}
    try:
        stop = asyncio.Event()
        sampler = asyncio.create_task(_lag_sampler(sampler_conn, stop))
        started = time.perf_counter()
        for start in range(0, memories, 500):
            items = [
                {
                    "content": f"{_text(rng, 12)} #{i}",
                    "memory_type": "bench_scaling",
                    "embedding": _vector(rng),
                }
                for i in range(start, min(start + 500, memories))
            ]
            await primary.fetch("SELECT * FROM animus.store_memories($1::jsonb)", json.dumps(items))
        import_s = time.perf_counter() - started
        stop.set()
        out["import"] = {"memories": memories, "seconds": import_s, **_lag_summary(await sampler)}
        out["import"]["catch_up_s"] = await _caught_up(primary, replica)

        stop = asyncio.Event()
        sampler = asyncio.create_task(_lag_sampler(sampler_conn, stop))
        started = time.perf_counter()
        await primary.execute("REINDEX INDEX animus.memories_embedding_idx")
        build_s = time.perf_counter() - started
        stop.set()
        out["hnsw_build"] = {"seconds": build_s, **_lag_summary(await sampler)}
        out["hnsw_build"]["catch_up_s"] = await _caught_up(primary, replica)
    finally:
        for c in (primary, replica, sampler_conn):
            await c.close()
    return out


async def search_throughput(
    primary_url: str, replica_url: str, connections: int, seconds: float, rounds: int
) -> Pair:
    rng = random.Random(11)
    queries = [(_text(rng, 8), _vector(rng)) for _ in range(200)]
    on_primary = [await asyncpg.connect(primary_url) for _ in range(connections)]
    half = connections // 2
    split = on_primary[:half] + [
        await asyncpg.connect(replica_url) for _ in range(connections - half)
    ]
    for conn in on_primary + split:
        await conn.execute("SET jit = off")

    async def search(conn: Any, i: int) -> int:
        text, vector = queries[rng.randrange(len(queries))]
        await conn.fetch(
            "SELECT id FROM animus.hybrid_search($1, $2::text::vector, 10)", text, str(vector)
        )
        return 1

    # The op receives a connection from the side's own list, so both sides use `connections`.
    async def primary_only(_: Any, i: int) -> int:
        return await search(on_primary[i], i)

    async def primary_and_replica(_: Any, i: int) -> int:
        return await search(split[i], i)

    pair = Pair(
        "hybrid_search, primary + standby / primary alone",
        connections,
        Side("primary + standby", primary_and_replica),
        Side("primary alone", primary_only),
    )
    try:
        await alternate(pair, list(range(connections)), rounds=rounds, seconds=seconds)
    finally:
        for conn in on_primary + split[half:]:
            await conn.close()
    return pair


async def feedback_tradeoff(primary_url: str, replica_url: str, items: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    admin = await asyncpg.connect(_script("db", "replica", "url", "postgres"))
    primary = await asyncpg.connect(primary_url)
    try:
        await primary.execute("SELECT animus.create_queue('bench_scaling_q')")
        for feedback in ("off", "on"):
            await admin.execute(f"ALTER SYSTEM SET hot_standby_feedback = {feedback}")
            await admin.execute("SELECT pg_reload_conf()")
            await asyncio.sleep(1.5)
            holder = await asyncpg.connect(replica_url)
            tx = holder.transaction(isolation="repeatable_read")
            await tx.start()
            await holder.fetchval("SELECT count(*) FROM animus.memory_overview")
            await asyncio.sleep(1.5)  # the standby reports its xmin on the next status message
            started = time.perf_counter()
            for _ in range(items):
                await primary.fetch(
                    "SELECT * FROM animus.submit_work('bench_scaling_q', 'churn', 'bench')"
                )
                rows = await primary.fetch("SELECT id FROM animus.read_work('bench_scaling_q', 30)")
                for row in rows:
                    await primary.execute("SELECT animus.complete_work($1)", row["id"])
            churn_s = time.perf_counter() - started
            await primary.execute("VACUUM animus.work_items")
            await primary.execute("VACUUM pgmq.q_bench_scaling_q")
            dead = await primary.fetchrow(
                "SELECT (SELECT n_dead_tup FROM pg_stat_user_tables"
                "        WHERE relid = 'animus.work_items'::regclass) AS items,"
                "       (SELECT n_dead_tup FROM pg_stat_user_tables"
                "        WHERE relid = 'pgmq.q_bench_scaling_q'::regclass) AS messages"
            )
            await tx.rollback()
            await holder.close()
            out[feedback] = {
                "churn_items_per_s": items / churn_s,
                "dead_items_after_vacuum": dead["items"],
                "dead_messages_after_vacuum": dead["messages"],
            }
            await primary.execute("VACUUM animus.work_items")
            await primary.execute("VACUUM pgmq.q_bench_scaling_q")
    finally:
        await admin.execute("ALTER SYSTEM RESET hot_standby_feedback")
        await admin.execute("SELECT pg_reload_conf()")
        await admin.close()
        await primary.close()
    return out


async def measure(primary_url: str, replica_url: str, args: argparse.Namespace) -> dict[str, Any]:
    lag = await replay_lag(primary_url, replica_url, args.memories)
    pair = await search_throughput(
        primary_url, replica_url, args.connections, args.seconds, args.rounds
    )
    feedback = await feedback_tradeoff(primary_url, replica_url, args.churn)
    return {"replay_lag": lag, "search": pair.as_dict(), "hot_standby_feedback": feedback}


def report(result: dict[str, Any]) -> None:
    imp, hnsw = result["replay_lag"]["import"], result["replay_lag"]["hnsw_build"]
    print(
        f"bulk import of {imp['memories']} memories: {imp['seconds']:.1f} s; replay lag max "
        f"{imp.get('max_mb', 0):.1f} MB / {imp.get('max_s', 0):.2f} s, "
        f"median {imp.get('median_mb', 0):.1f} MB; caught up {imp['catch_up_s']:.2f} s after"
    )
    print(
        f"HNSW rebuild: {hnsw['seconds']:.1f} s; replay lag max {hnsw.get('max_mb', 0):.1f} MB"
        f" / {hnsw.get('max_s', 0):.2f} s; caught up {hnsw['catch_up_s']:.2f} s after"
    )
    pair = result["search"]
    print(
        f"{pair['label']} at {pair['concurrency']} connections: {pair['ratio']:.2f} "
        f"({pair['a']['ops_per_s']:.0f} vs {pair['b']['ops_per_s']:.0f} searches/s)"
    )
    for mode, row in result["hot_standby_feedback"].items():
        print(
            f"hot_standby_feedback={mode}: churn {row['churn_items_per_s']:.0f} items/s; dead "
            f"tuples VACUUM left: work_items {row['dead_items_after_vacuum']}, "
            f"queue table {row['dead_messages_after_vacuum']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--memories", type=int, default=20000, help="bulk import size")
    parser.add_argument("--connections", type=int, default=8, help="search connections")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side")
    parser.add_argument("--churn", type=int, default=2000, help="queue items per feedback case")
    args = parser.parse_args()

    _script("db", "start")
    status = subprocess.run([str(ROOT / "script/db"), "replica", "status"], capture_output=True)
    created = status.returncode != 0
    _script("db", "replica", "start")
    name = f"animus_bench_scaling_{os.getpid()}"
    _script("db", "createdb", name)
    try:
        env = dict(os.environ, ANIMUS_EMBEDDING_DIM=str(DIM))
        subprocess.run(
            [str(ROOT / "script/db"), "deploy", name], check=True, env=env, capture_output=True
        )
        primary_url = _script("db", "url", name)
        replica_url = _script("db", "replica", "url", name)
        result = asyncio.run(measure(primary_url, replica_url, args))
    finally:
        _script("db", "dropdb", name)
        if created:
            _script("db", "replica", "destroy")
    result["machine"] = {"cpus": os.cpu_count(), "memories": args.memories}
    out = ROOT / "bench" / "results" / "scaling.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    report(result)


if __name__ == "__main__":
    main()

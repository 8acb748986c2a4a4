"""The worker against a raw loop over the same SQL functions (issue 24's worker targets).

Drains a backlog of no-op items two ways, side by side in one run, alternating the order per
round, at concurrency 1 and 8:

- ``loop``: N connections, each ``read_work(q, 30, 10)`` then ``complete_work_batch`` of what
  it read, until a read comes back empty (the floor of what the SQL API costs);
- ``worker``: ``animus.Worker`` with a no-op handler, ``until_empty``, on a pool of its own
  (the CLI's size for that concurrency: min(c, 8) + 2).

It reports items/s (wall clock) and server CPU per item: the user + system CPU of the
backends that served each side (/proc/<pid>/stat, so run it on the database's machine as a
user that may read the backends' /proc entries). Targets: the worker's CPU per item at most
1.3x the loop's at both concurrencies; at concurrency 8 it drains at least 0.6x the loop.

    .venv/bin/python bench/worker_speed.py URL [--items 3000] [--rounds 3] [--prefetch N]

Without --prefetch the worker adapts its prefetch (the default); --prefetch 0 holds no item
beyond its slots. PYTHONPATH=OLD_CHECKOUT/client measures an older worker the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from typing import Any

import asyncpg
from _harness import backend_cpu_seconds

from animus import Db, WorkItem, init_connection
from animus.worker import Worker

FILL = """SELECT count(*) FROM animus.submit_work_batch((SELECT jsonb_agg(jsonb_build_object(
    'queue_name', $1::text, 'work_type', 'bench', 'source', 'bench', 'params', '{}'::jsonb))
    FROM generate_series(1, $2::int)))"""
READ = "SELECT * FROM animus.read_work(queue_name => $1::text, vt_seconds => 30, qty => 10)"
COMPLETE = "SELECT * FROM animus.complete_work_batch(items => $1::jsonb)"


async def fill(admin: asyncpg.Connection, queue: str, n: int) -> None:
    await admin.execute("SELECT animus.create_queue($1)", queue)
    done = 0
    while done < n:
        step = min(1000, n - done)
        await admin.fetchval(FILL, queue, step)
        done += step


async def raw_loop(url: str, queue: str, concurrency: int) -> tuple[int, float, float]:
    conns = [await asyncpg.connect(url) for _ in range(concurrency)]
    for conn in conns:
        await init_connection(conn)
    pids = [conn.get_server_pid() for conn in conns]
    cpu0 = backend_cpu_seconds(pids)
    counts = [0] * concurrency

    async def drain(i: int, conn: asyncpg.Connection) -> None:
        while True:
            rows = await conn.fetch(READ, queue)
            if not rows:
                return
            items = [{"work_id": str(r["id"]), "lease": r["lease"]} for r in rows]
            await conn.fetch(COMPLETE, items)
            counts[i] += len(rows)

    started = time.perf_counter()
    await asyncio.gather(*(drain(i, c) for i, c in enumerate(conns)))
    elapsed = time.perf_counter() - started
    cpu = backend_cpu_seconds(pids) - cpu0
    for conn in conns:
        await conn.close()
    return sum(counts), elapsed, cpu


async def worker_side(
    url: str, queue: str, concurrency: int, prefetch: int | None
) -> tuple[int, float, float]:
    pids: list[int] = []

    async def init(conn: asyncpg.Connection) -> None:
        await init_connection(conn)
        pids.append(conn.get_server_pid())

    size = min(concurrency, 8) + 2
    pool = await asyncpg.create_pool(url, min_size=size, max_size=size, init=init)
    db = await Db.connect(pool=pool)

    async def noop(_: Db, item: WorkItem) -> None:
        return None

    # prefetch only when asked: the script also measures the worker of an older checkout
    # (PYTHONPATH=OLD/client), which has no such option.
    options: dict[str, Any] = {} if prefetch is None else {"prefetch": prefetch}
    worker = Worker(db, [queue], noop, concurrency=concurrency, **options)
    cpu0 = backend_cpu_seconds(pids)
    started = time.perf_counter()
    stats = await worker.run(until_empty=True)
    elapsed = time.perf_counter() - started
    cpu = backend_cpu_seconds(pids) - cpu0
    await db.close()
    await pool.close()
    return stats.completed, elapsed, cpu


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--prefetch", type=int, default=None)
    args = parser.parse_args()
    admin = await asyncpg.connect(args.url)
    results: dict[str, Any] = {"items": args.items, "load": os.getloadavg()}
    try:
        for c in [int(x) for x in args.concurrency.split(",")]:
            prefetch = args.prefetch
            rates: dict[str, list[float]] = {"loop": [], "worker": []}
            cpus: dict[str, list[float]] = {"loop": [], "worker": []}
            for r in range(args.rounds):
                sides = ["loop", "worker"] if r % 2 == 0 else ["worker", "loop"]
                for side in sides:
                    queue = f"ws_{side}_{c}_{r}_{os.getpid()}"
                    await fill(admin, queue, args.items)
                    await admin.execute("CHECKPOINT")
                    if side == "loop":
                        n, elapsed, cpu = await raw_loop(args.url, queue, c)
                    else:
                        n, elapsed, cpu = await worker_side(args.url, queue, c, prefetch)
                    assert n == args.items, (side, n)
                    rates[side].append(n / elapsed)
                    cpus[side].append(cpu / n * 1e6)
            med = {k: statistics.median(v) for k, v in rates.items()}
            cpu_med = {k: statistics.median(v) for k, v in cpus.items()}
            results[f"c{c}"] = {
                "prefetch": prefetch,
                "items_per_s": med,
                "server_cpu_us_per_item": cpu_med,
                "worker_to_loop_rate": med["worker"] / med["loop"],
                "worker_to_loop_cpu": cpu_med["worker"] / cpu_med["loop"],
                "rounds": {"items_per_s": rates, "cpu_us": cpus},
            }
            print(json.dumps({f"c{c}": results[f"c{c}"]}, indent=1), flush=True)
    finally:
        await admin.close()
    results["load_after"] = os.getloadavg()
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main())

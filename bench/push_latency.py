"""Submit-to-handler latency of the worker: push (LISTEN/NOTIFY) against polling only.

    ANIMUS_PGPORT=55560 .venv/bin/python bench/push_latency.py [--items 40 --rounds 3 --poll 1.0]

One worker per side, on a throwaway database of the embedded cluster (script/db). Each round
runs both sides in turn (the order alternates): a submitter connection submits ``--items``
items one at a time, at random moments (uniform 0-0.5 s apart, so the submissions do not line
up with the poll), and the handler records the time from just before the submit call to the
start of the handler, on one monotonic clock. It also reports what a NOTIFY costs submitters,
at 1 and 8 connections: a notification with every submit, animus's throttle, and none (see
``notify_cost``). Figures go to docs/benchmarks.md; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "client"))

from run import _script, fresh_database

from animus import Db, WorkItem
from animus.worker import Worker


async def one_side(url: str, listen: bool, items: int, poll: float) -> list[float]:
    db = await Db.connect(url)
    queue = f"lat_{uuid.uuid4().hex[:8]}"
    await db.create_queue(queue)
    submitted: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()

    async def handler(_db: Db, item: WorkItem) -> dict[str, Any]:
        latencies.append(time.monotonic() - submitted[item.params["tag"]])
        if len(latencies) == items:
            done.set()
        return {}

    worker = Worker(db, [queue], handler, poll_interval=poll, listen=listen)
    run = asyncio.create_task(worker.run())
    conn = await asyncpg.connect(url)
    try:
        for _ in range(3000):  # the LISTEN connection comes up with the worker's first read
            if not listen or worker.listening:
                break
            await asyncio.sleep(0.01)
        for i in range(items):
            await asyncio.sleep(random.uniform(0, 0.5))
            tag = f"t{i}"
            submitted[tag] = time.monotonic()
            await conn.execute(
                "SELECT animus.submit_work($1, 'lat', 'bench', "
                "jsonb_build_object('tag', $2::text))",
                queue,
                tag,
            )
        await asyncio.wait_for(done.wait(), 120)
    finally:
        await conn.close()
        worker.stop()
        await run
        await db.close()
    return latencies


#: (label, delay_seconds, second statement of the transaction)
COST_VARIANTS = (
    ("notify every submit", 0, "SELECT pg_notify('animus_work', 'lat_cost')"),
    ("throttled (animus)", 0, "SELECT 1"),
    ("no notify (delay 1)", 1, "SELECT 1"),
)


async def notify_cost(url: str, seconds: float, conns: int) -> dict[str, float]:
    """Submits per second from ``conns`` connections, each call a transaction of submit_work
    and a second statement: an extra pg_notify (what a NOTIFY per submit costs), nothing
    (animus's throttle: the queue has a backlog, so only its first submit notifies), or
    nothing with a delayed item (no check, no notification)."""
    pool = await asyncpg.create_pool(url, min_size=conns, max_size=conns)
    await pool.execute("SELECT animus.create_queue('lat_cost')")
    await pool.execute("SELECT animus.submit_work('lat_cost', 'cost', 'bench')")
    rates: dict[str, list[float]] = {label: [] for label, _, _ in COST_VARIANTS}

    async def loop(delay: int, second: str, end: float) -> int:
        n = 0
        async with pool.acquire() as conn:
            while time.monotonic() < end:
                async with conn.transaction():
                    await conn.execute(
                        "SELECT animus.submit_work('lat_cost', 'cost', 'bench', "
                        "delay_seconds => $1)",
                        delay,
                    )
                    await conn.execute(second)
                n += 1
        return n

    try:
        for r in range(3):
            variants = COST_VARIANTS[r % 3 :] + COST_VARIANTS[: r % 3]
            for label, delay, second in variants:
                end = time.monotonic() + seconds
                counts = await asyncio.gather(*(loop(delay, second, end) for _ in range(conns)))
                rates[label].append(sum(counts) / seconds)
    finally:
        await pool.close()
    return {k: statistics.median(v) for k, v in rates.items()}


def summary(xs: list[float]) -> str:
    xs = sorted(xs)
    p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1000  # noqa: E731
    return f"median {p(0.5):7.1f} ms   p90 {p(0.9):7.1f} ms   max {xs[-1] * 1000:7.1f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--only-cost", action="store_true", help="skip the latency part")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--poll", type=float, default=1.0, help="the worker's poll_interval (default 1 s)"
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per notify-cost round")
    args = parser.parse_args()
    name, url = fresh_database()
    try:
        push: list[float] = []
        poll: list[float] = []
        for r in range(0 if args.only_cost else args.rounds):
            order = [True, False] if r % 2 == 0 else [False, True]
            for listen in order:
                (push if listen else poll).extend(
                    await one_side(url, listen, args.items, args.poll)
                )
        if push and poll:
            print(
                f"submit-to-handler latency, {args.rounds} x {args.items} items per side, "
                f"poll_interval {args.poll} s"
            )
            print(f"  push (LISTEN)  {summary(push)}")
            print(f"  poll only      {summary(poll)}")
            ratio = statistics.median(poll) / statistics.median(push)
            print(f"  median ratio poll / push: {ratio:.1f}")
        for conns in (1, 8):
            cost = await notify_cost(url, args.seconds, conns)
            base = cost["no notify (delay 1)"]
            print(f"submit_work transactions/s at {conns} connection(s), median of 3 rounds:")
            for k, v in cost.items():
                print(f"  {k:22} {v:8.0f}   ratio to no notify {v / base:.2f}")
    finally:
        _script("dropdb", name)


if __name__ == "__main__":
    asyncio.run(main())

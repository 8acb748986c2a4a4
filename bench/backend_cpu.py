"""Server CPU per call: the backend's own CPU time (/proc/<pid>/stat) around N executions.

Throughput on a shared 2-core machine moves with everything else that runs; the CPU time the
backend itself spent per call moves far less, which makes this the tool for profiling what a
function costs (used for docs/benchmarks.md, "Where submit's time goes"). Run it on a database
that holds bench/pgbench/setup.sql's queues, on the same machine as the server (it reads
/proc), as a user that may read the backend's /proc entry:

    .venv/bin/python bench/backend_cpu.py URL [--calls 3000] [--rounds 3] [--only submit,send]

Each case runs with synchronous_commit off, so the figure is CPU, not the WAL flush wait.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
from _harness import backend_cpu_seconds

PARAMS = '{"text": "summarise the nightly report"}'

#: name: (statement, arguments per call, calls per unit: batches run fewer calls)
CASES: dict[str, tuple[str, Callable[[], tuple[Any, ...]], int]] = {
    "submit": (
        "SELECT * FROM animus.submit_work('pgb_animus', 'bench', 'bench', $1::jsonb, "
        "dedup_key => $2::text)",
        lambda: (PARAMS, uuid.uuid4().hex),
        1,
    ),
    "submit_nokey": (
        "SELECT * FROM animus.submit_work('pgb_animus', 'bench', 'bench', $1::jsonb)",
        lambda: (PARAMS,),
        1,
    ),
    "send": ("SELECT pgmq.send('pgb_raw', $1::jsonb)", lambda: (PARAMS,), 1),
    "batch": (
        "SELECT count(*) FROM animus.submit_work_batch($1::jsonb)",
        lambda: (
            json.dumps(
                [
                    {
                        "queue_name": "pgb_animus",
                        "work_type": "bench",
                        "source": "bench",
                        "params": {"n": i},
                        "dedup_key": uuid.uuid4().hex,
                    }
                    for i in range(100)
                ]
            ),
        ),
        20,
    ),
    "send_batch": (
        "SELECT count(*) FROM pgmq.send_batch('pgb_raw', $1::jsonb[])",
        lambda: ([json.dumps({"n": i}) for i in range(100)],),
        20,
    ),
    # The read cases consume pgb_animus and pgb_raw, which the submit cases fill.
    "read10_complete_batch": (
        "SELECT count(*) FROM animus.complete_work_batch((SELECT coalesce(jsonb_agg("
        "jsonb_build_object('work_id', r.id, 'lease', r.lease)), '[]') "
        "FROM animus.read_work('pgb_animus', 30, 10) AS r))",
        lambda: (),
        10,
    ),
    "read1_complete": (
        "SELECT animus.complete_work(r.id, lease => r.lease) "
        "FROM animus.read_work('pgb_animus', 30, 1) AS r",
        lambda: (),
        1,
    ),
    "pgmq_read1_archive": (
        "SELECT pgmq.archive('pgb_raw', r.msg_id) FROM pgmq.read('pgb_raw', 30, 1) AS r",
        lambda: (),
        1,
    ),
    "read10_complete_each": (
        "SELECT count(animus.complete_work(r.id, lease => r.lease)) "
        "FROM animus.read_work('pgb_animus', 30, 10) AS r",
        lambda: (),
        10,
    ),
    "pgmq_read10_archive": (
        "SELECT count(*) FROM pgmq.archive('pgb_raw', (SELECT array_agg(r.msg_id) "
        "FROM pgmq.read('pgb_raw', 30, 10) AS r))",
        lambda: (),
        10,
    ),
}


async def _per_call(url: str, case: str, calls: int) -> float:
    sql, args, divisor = CASES[case]
    conn = await asyncpg.connect(url, server_settings={"synchronous_commit": "off"})
    try:
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        stmt = await conn.prepare(sql)
        for _ in range(20):
            await stmt.fetch(*args())
        n = max(1, calls // divisor)
        before = backend_cpu_seconds([pid])
        for _ in range(n):
            await stmt.fetch(*args())
        return (backend_cpu_seconds([pid]) - before) / n * 1e6
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default=",".join(CASES))
    args = parser.parse_args()
    names = args.only.split(",")
    results: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:  # the cases alternate, so drift hits them alike
            results[name].append(await _per_call(args.url, name, args.calls))
    for name in names:
        print(
            f"{name:14} {statistics.median(results[name]):9.1f} µs of backend CPU per call "
            f"(rounds: {', '.join(f'{v:.0f}' for v in results[name])})"
        )


if __name__ == "__main__":
    asyncio.run(main())

"""What a sqlcommenter comment costs on asyncpg, measured side by side.

Every variant runs the same statement from CONCURRENCY connections, each call inside its own
span (the application would have one), and reports calls per second and the ratio to the
variant without a comment. Rounds interleave the variants in a rotating order, so drift and
noisy neighbours hit them all alike, and the median of the rounds is reported. Next to the
throughput it reports the CPU (this process plus the server backends, from /proc) spent per
call, and its ratio: on a shared machine the CPU cost is the steadier figure.

    ANIMUS_PGPORT=55444 .venv/bin/python bench/sqlcomment_overhead.py [--seconds 1.5 --rounds 7]

It creates a scratch database with pgmq on the embedded cluster (``script/db url postgres``,
or ``--server-url``) and drops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from _harness import backend_cpu_seconds
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased, TraceIdRatioBased

from animus.telemetry.sqlcommenter import SqlCommenter, commenting_connection_class

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 8

STATEMENTS = {
    "text": ("SELECT $1::text", lambda i: (f"value {i}",)),
    "pgmq.send": ("SELECT pgmq.send('bench', $1::jsonb)", lambda i: (f'{{"n": {i}}}',)),
}


def naive_comment(commenter: SqlCommenter) -> Callable[[str], str]:
    return commenter.comment


@dataclass
class Variant:
    name: str
    sample_ratio: float
    #: connect() keyword arguments
    connect: dict[str, Any]
    #: turns the statement text into the text sent (the naive way: through the normal cache)
    rewrite: Callable[[str], str] | None = None


def variants() -> list[Variant]:
    commenter = SqlCommenter()
    ours = commenting_connection_class(commenter)
    return [
        Variant("no comment", 1.0, {}),
        Variant("no comment, 10% sampled", 0.1, {}),
        Variant("unique comment, prepared (cache)", 1.0, {}, commenter.comment),
        Variant(
            "unique comment, statement_cache_size=0",
            1.0,
            {"statement_cache_size": 0},
            commenter.comment,
        ),
        Variant("CommentingConnection (unnamed), 100% sampled", 1.0, {"connection_class": ours}),
        Variant("unique comment, prepared, 10% sampled", 0.1, {}, commenter.comment),
        Variant("CommentingConnection, 10% sampled", 0.1, {"connection_class": ours}),
        Variant("CommentingConnection, 1% sampled", 0.01, {"connection_class": ours}),
    ]


async def run_variant(
    url: str,
    variant: Variant,
    sql: str,
    make_args: Callable[[int], tuple[Any, ...]],
    seconds: float,
) -> tuple[float, float]:
    """Calls per second, and CPU seconds (client and server backends) per call."""
    provider = TracerProvider(
        sampler=ParentBased(TraceIdRatioBased(variant.sample_ratio))
        if variant.sample_ratio < 1
        else ALWAYS_ON
    )
    tracer = provider.get_tracer("bench")
    # synchronous_commit off: pgmq.send is then bound by CPU, not by the disk's flush latency,
    # which would hide the client-side cost being measured.
    conns = [
        await asyncpg.connect(url, server_settings={"synchronous_commit": "off"}, **variant.connect)
        for _ in range(CONCURRENCY)
    ]
    rewrite = variant.rewrite
    count = 0
    deadline = 0.0

    async def worker(conn: asyncpg.Connection, start: int) -> None:
        nonlocal count
        i = start
        while time.perf_counter() < deadline:
            with tracer.start_as_current_span("call"):
                text = rewrite(sql) if rewrite else sql
                await conn.fetchval(text, *make_args(i))
            i += 1
            count += 1

    try:
        # warm-up: fill caches and type codecs
        deadline = time.perf_counter() + 0.3
        await asyncio.gather(*(worker(c, n * 10_000_000) for n, c in enumerate(conns)))
        count = 0
        pids = [c.get_server_pid() for c in conns]
        cpu_before = time.process_time() + backend_cpu_seconds(pids)
        begin = time.perf_counter()
        deadline = begin + seconds
        await asyncio.gather(*(worker(c, n * 10_000_000) for n, c in enumerate(conns)))
        elapsed = time.perf_counter() - begin
        cpu = time.process_time() + backend_cpu_seconds(pids) - cpu_before
        return count / elapsed, cpu / count
    finally:
        for c in conns:
            await c.close()
        provider.shutdown()


async def purge(url: str) -> None:
    """Empty the bench queue, so pgmq.send does not slow down as its table grows."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT pgmq.purge_queue('bench')")
        await conn.execute("VACUUM pgmq.q_bench")
    finally:
        await conn.close()


def server_url(explicit: str | None) -> str:
    if explicit:
        return explicit
    return subprocess.run(
        [str(ROOT / "script" / "db"), "url", "postgres"], check=True, capture_output=True, text=True
    ).stdout.strip()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url")
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--statement", choices=sorted(STATEMENTS), action="append")
    args = parser.parse_args()
    server = server_url(args.server_url)
    dbname = f"animus_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{dbname}"')
    url = urlunsplit(urlsplit(server)._replace(path="/" + dbname))
    try:
        setup = await asyncpg.connect(url)
        await setup.execute("CREATE EXTENSION pgmq")
        await setup.execute("SELECT pgmq.create('bench')")
        await setup.close()
        for stmt_name in args.statement or sorted(STATEMENTS):
            sql, make_args = STATEMENTS[stmt_name]
            results: dict[str, list[float]] = {}
            cpu: dict[str, list[float]] = {}
            order = variants()
            for round_no in range(args.rounds):
                # rotate the order each round, so no variant always runs first or last
                shift = round_no % len(order)
                for variant in order[shift:] + order[:shift]:
                    await purge(url)
                    rate, cpu_per_call = await run_variant(
                        url, variant, sql, make_args, args.seconds
                    )
                    results.setdefault(variant.name, []).append(rate)
                    cpu.setdefault(variant.name, []).append(cpu_per_call)
            results = {v.name: results[v.name] for v in order}
            base = statistics.median(results["no comment"])
            base_cpu = statistics.median(cpu["no comment"])
            print(f"\n{stmt_name}: {sql}  ({CONCURRENCY} connections, median of {args.rounds})")
            print(
                f"  {'variant':48s} {'calls/s':>8s} {'ratio':>6s} {'(min-max)':>11s}"
                f" {'CPU us/call':>11s} {'CPU ratio':>9s}"
            )
            for name, rates in results.items():
                rate, per_call = statistics.median(rates), statistics.median(cpu[name])
                print(
                    f"  {name:48s} {rate:8.0f} {rate / base:5.2f}x"
                    f" ({min(rates) / base:.2f}-{max(rates) / base:.2f})"
                    f" {per_call * 1e6:11.1f} {base_cpu / per_call:8.2f}x"
                )
    finally:
        await admin.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())

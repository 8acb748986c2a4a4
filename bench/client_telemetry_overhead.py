"""What the client's telemetry wiring costs: ``Db`` calls against raw asyncpg on the same SQL.

Variants (each from CONCURRENCY tasks on one pool of that size, rounds in rotating order,
medians reported):

- raw asyncpg, telemetry off: the baseline;
- client, telemetry off (the Db's commenting pool; ``sqlcommenter=False``);
- client, telemetry on but unsampled (``ALWAYS_OFF``): no comment, no trace context;
- client, telemetry on, every call sampled, under an application span: the DB spans, the
  ``send`` span, the comment, and the traceparent handed to ``submit_work`` as an argument;
  the same with the database parsing the comment instead (no argument); and with the
  comments off (the argument still carries the trace context).

    ANIMUS_PGPORT=55446 .venv/bin/python bench/client_telemetry_overhead.py \
        [--seconds 1.5 --rounds 5]

It deploys a scratch database on the embedded cluster (``script/db``) and drops it at the end.
Besides calls/s it reports the CPU per call of this process and of the server backends
(read from /proc), the steadier figure on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
from _harness import backend_cpu_seconds
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler

from animus import Db, NewWorkItem, init_connection, sql
from animus.telemetry import TelemetryConfig, init_telemetry
from animus.telemetry import wiring as wiring_module
from animus.telemetry._state import tracer
from animus.telemetry.sqlcommenter import CommentingConnection, QuietResetConnection

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 4
QUEUE = "bench_client"


@dataclass
class Variant:
    name: str
    client: bool
    telemetry: bool = False
    sampler: Sampler | None = None
    comments: bool = True
    explicit_traceparent: bool = True


VARIANTS = [
    Variant("raw asyncpg, telemetry off", client=False),
    Variant("raw asyncpg, instrumented, unsampled", False, True, ALWAYS_OFF),
    Variant("raw asyncpg, instrumented, sampled", False, True, ALWAYS_ON),
    Variant("client, telemetry off", client=True),
    Variant("client, telemetry off, sqlcommenter=False", client=True, comments=False),
    Variant("client, telemetry on, unsampled", client=True, telemetry=True, sampler=ALWAYS_OFF),
    Variant("client, sampled: comment + traceparent arg", True, True, ALWAYS_ON),
    Variant(
        "client, sampled: comment parsed by the DB",
        True,
        True,
        ALWAYS_ON,
        explicit_traceparent=False,
    ),
    Variant("client, sampled: no comment, traceparent arg", True, True, ALWAYS_ON, comments=False),
]


def _script(*args: str) -> str:
    return subprocess.run(
        [str(ROOT / "script" / "db"), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@contextmanager
def telemetry_for(variant: Variant) -> Iterator[None]:
    if not variant.telemetry:
        yield
        return
    config = TelemetryConfig(
        exporter="none", set_global=False, bridge_logging=False, sampler=variant.sampler
    )
    original = wiring_module.WorkSpan.trace_context
    if not variant.explicit_traceparent:
        wiring_module.WorkSpan.trace_context = lambda self: (None, None)  # type: ignore[method-assign]
    try:
        with init_telemetry(config):
            yield
    finally:
        wiring_module.WorkSpan.trace_context = original  # type: ignore[method-assign]


async def run(url: str, variant: Variant, call: str, seconds: float) -> tuple[float, float, float]:
    """calls/s, client CPU µs/call, server CPU µs/call."""
    connection_class: type[asyncpg.Connection] = asyncpg.Connection
    if variant.client:
        connection_class = CommentingConnection if variant.comments else QuietResetConnection
    with telemetry_for(variant):
        pool = await asyncpg.create_pool(
            url,
            min_size=CONCURRENCY,
            max_size=CONCURRENCY,
            init=init_connection,
            connection_class=connection_class,
            server_settings={"synchronous_commit": "off"},
        )
        assert pool is not None
        db = await Db.connect(pool=pool)
        # the backends of this pool's connections (all open: min_size is the pool size)
        pids = [h._con.get_server_pid() for h in pool._holders if h._con is not None]
        item = NewWorkItem(queue_name=QUEUE, work_type="bench", source="bench")
        args: tuple[Any, ...] = (QUEUE, "bench", "bench", {}, None, None, 0, None, None, 0)
        op: Callable[[], Awaitable[Any]]
        if call == "submit_work":
            op = (
                (lambda: db.submit_work(item))
                if variant.client
                else (lambda: pool.fetchrow(sql.SUBMIT_WORK, *args))
            )
        else:
            op = db.embedding_dim if variant.client else (lambda: pool.fetchval(sql.EMBEDDING_DIM))
        app_tracer = tracer()
        count = 0
        deadline = 0.0

        async def worker() -> None:
            nonlocal count
            while time.perf_counter() < deadline:
                if variant.telemetry:
                    with app_tracer.start_as_current_span("agent"):
                        await op()
                else:
                    await op()
                count += 1

        for _ in range(20):  # warm the statement caches
            await op()
        cpu0, srv0, t0 = time.process_time(), backend_cpu_seconds(pids), time.perf_counter()
        deadline = t0 + seconds
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - t0
        cpu, srv = time.process_time() - cpu0, backend_cpu_seconds(pids) - srv0
        await db.close()
        await pool.close()
    return count / elapsed, cpu / count * 1e6, srv / count * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    name = f"animus_bench_{uuid.uuid4().hex[:8]}"
    _script("createdb", name)
    url = _script("url", name)
    query = parse_qs(urlsplit(url).query)
    env = {
        **os.environ,
        "PGDATABASE": name,
        "PGHOST": query["host"][0],
        "PGPORT": query["port"][0],
        "PGUSER": urlsplit(url).username or "postgres",
    }
    subprocess.run(  # noqa: ASYNC221 (set-up, before anything is timed)
        ["sqitch", "--quiet", "deploy", "--target", f"db:pg:{name}", "--set", "embedding_dim=3"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    try:
        conn = await asyncpg.connect(url)
        await conn.execute(f"SELECT animus.create_queue('{QUEUE}')")
        await conn.close()
        for call in ("submit_work", "embedding_dim"):
            results: dict[str, list[tuple[float, float, float]]] = {v.name: [] for v in VARIANTS}
            for r in range(options.rounds):
                order = VARIANTS[r % len(VARIANTS) :] + VARIANTS[: r % len(VARIANTS)]
                for variant in order:
                    results[variant.name].append(await run(url, variant, call, options.seconds))
            base = statistics.median(x[0] for x in results[VARIANTS[0].name])
            base_cpu = statistics.median(x[1] + x[2] for x in results[VARIANTS[0].name])
            print(f"\n{call}: {CONCURRENCY} tasks, {options.rounds} rounds of {options.seconds}s")
            print(
                f"{'variant':48} {'calls/s':>8} {'ratio':>6} {'cli µs':>7} {'srv µs':>7} "
                f"{'cpu ratio':>9}"
            )
            for variant in VARIANTS:
                rows = results[variant.name]
                rate = statistics.median(x[0] for x in rows)
                cli = statistics.median(x[1] for x in rows)
                srv = statistics.median(x[2] for x in rows)
                spread = (max(x[0] for x in rows) - min(x[0] for x in rows)) / rate
                print(
                    f"{variant.name:48} {rate:8.0f} {rate / base:6.2f} {cli:7.0f} {srv:7.0f} "
                    f"{base_cpu / (cli + srv):9.2f}   (spread ±{spread / 2:.0%})"
                )
    finally:
        _script("dropdb", name)


if __name__ == "__main__":
    asyncio.run(main())

"""Drives procrastinate or pgqueuer for bench/peers.py through each one's own published API.

    .local/peers-venv/bin/python bench/peers/py_driver.py procrastinate|pgqueuer

Runs in its own venv (bench/peers/requirements.txt), so the peers' dependencies never touch the
project's. One JSON command a line on stdin, one JSON reply a line on stdout (the protocol is
described in bench/peers.py). Every command gets its own clients, with as many connections as
the command's concurrency, and closes them before it replies "closed".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import procrastinate
from pgqueuer import AsyncpgDriver, AsyncpgPoolDriver, PgQueuer, Queries
from pgqueuer.types import QueueExecutionMode

Op = Callable[[int], Awaitable[int]]


def say(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def next_command() -> dict[str, Any]:
    line = await asyncio.to_thread(sys.stdin.readline)
    if not line:
        raise SystemExit(0)
    command: dict[str, Any] = json.loads(line)
    return command


def key() -> str:
    return uuid.uuid4().hex


class Progress:
    """Counts handled jobs and reports the first, every n/20th and the last."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.every = max(1, n // 20)
        self.count = 0
        self.all_done = asyncio.Event()

    def handle(self) -> None:
        self.count += 1
        if self.count == 1 or self.count % self.every == 0 or self.count == self.n:
            say({"progress": self.count})
        if self.count == self.n:
            self.all_done.set()


# ---- procrastinate --------------------------------------------------------------------------
def procrastinate_app(url: str, size: int, progress: Progress | None = None) -> procrastinate.App:
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=url, min_size=size, max_size=size)
    )

    @app.task(name="noop", queue="bench")
    async def noop(**_: Any) -> None:
        if progress is not None:
            progress.handle()

    return app


class ProcrastinateSystem:
    async def install(self, url: str) -> None:
        app = procrastinate_app(url, 1)
        async with app.open_async():
            await app.schema_manager.apply_schema_async()

    async def enqueuer(
        self, url: str, c: int, kind: str, keyed: bool
    ) -> tuple[Op, Callable[[], Awaitable[None]]]:
        app = procrastinate_app(url, c)
        await app.open_async()
        task = app.tasks["noop"]

        async def single(_: int) -> int:
            if keyed:
                await task.configure(queueing_lock=key()).defer_async(n=1)
            else:
                await task.defer_async(n=1)
            return 1

        async def batch(size: int) -> int:
            # batch_defer_async takes one configuration for the whole batch, so a keyed batch
            # would give all its jobs the same queueing_lock: not measured (see the caller).
            await task.batch_defer_async(*({"n": i} for i in range(size)))
            return size

        return (single if kind == "single" else batch), app.close_async

    async def fill(self, url: str, n: int) -> None:
        app = procrastinate_app(url, 2)
        async with app.open_async():
            task = app.tasks["noop"]
            for start in range(0, n, 1000):
                await task.batch_defer_async(
                    *({"n": i} for i in range(start, min(n, start + 1000)))
                )

    async def drain(self, url: str, c: int, progress: Progress, limit_s: float) -> None:
        app = procrastinate_app(url, c + 2, progress)
        async with app.open_async():
            worker = asyncio.create_task(
                app.run_worker_async(
                    queues=["bench"], concurrency=c, wait=False, install_signal_handlers=False
                )
            )
            await wait_or_timeout(progress, worker, limit_s)


# ---- pgqueuer -------------------------------------------------------------------------------
class PgqueuerSystem:
    async def install(self, url: str) -> None:
        conn = await asyncpg.connect(url)
        try:
            queries = Queries(AsyncpgDriver(conn))
            if not await queries.schema_is_installed():
                await queries.install()
        finally:
            await conn.close()

    async def enqueuer(
        self, url: str, c: int, kind: str, keyed: bool
    ) -> tuple[Op, Callable[[], Awaitable[None]]]:
        pool = await asyncpg.create_pool(url, min_size=c, max_size=c)
        queries = Queries(AsyncpgPoolDriver(pool))

        async def single(_: int) -> int:
            await queries.enqueue("noop", b'{"n": 1}', 0, dedupe_key=key() if keyed else None)
            return 1

        async def batch(size: int) -> int:
            await queries.enqueue(
                ["noop"] * size,
                [b'{"n": 1}'] * size,
                [0] * size,
                dedupe_key=[key() for _ in range(size)] if keyed else None,
            )
            return size

        return (single if kind == "single" else batch), pool.close

    async def fill(self, url: str, n: int) -> None:
        conn = await asyncpg.connect(url)
        try:
            queries = Queries(AsyncpgDriver(conn))
            for start in range(0, n, 1000):
                size = min(n, start + 1000) - start
                await queries.enqueue(["noop"] * size, [b'{"n": 1}'] * size, [0] * size)
        finally:
            await conn.close()

    async def drain(self, url: str, c: int, progress: Progress, limit_s: float) -> None:
        # As pgqueuer's README starts a worker: one asyncpg connection under PgQueuer; the
        # entrypoint's concurrency_limit and the dequeue batch give the concurrency.
        conn = await asyncpg.connect(url)
        try:
            pgq = PgQueuer(AsyncpgDriver(conn))

            @pgq.entrypoint("noop", concurrency_limit=c)
            async def noop(job: Any) -> None:
                progress.handle()

            worker = asyncio.create_task(pgq.run(batch_size=c, mode=QueueExecutionMode.drain))
            await wait_or_timeout(progress, worker, limit_s)
        finally:
            await conn.close()


async def wait_or_timeout(progress: Progress, worker: asyncio.Task[Any], limit_s: float) -> None:
    waiter = asyncio.create_task(progress.all_done.wait())
    await asyncio.wait({waiter, worker}, timeout=limit_s, return_when=asyncio.FIRST_COMPLETED)
    say({"done": progress.count})
    for task in (waiter, worker):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


SYSTEMS: dict[str, Any] = {"procrastinate": ProcrastinateSystem, "pgqueuer": PgqueuerSystem}


async def enqueue(system: Any, cmd: dict[str, Any]) -> None:
    op, close = await system.enqueuer(cmd["url"], cmd["c"], cmd["kind"], cmd["key"])
    size = 1 if cmd["kind"] == "single" else cmd["batch"]

    async def loop(seconds: float, least: int = 0) -> int:
        # Each task runs at least ``least`` calls, so the warm-up opens every pooled connection.
        deadline = time.perf_counter() + seconds
        counts = [0] * cmd["c"]

        async def one(i: int) -> None:
            calls = 0
            while calls < least or time.perf_counter() < deadline:
                counts[i] += await op(size)
                calls += 1

        await asyncio.gather(*(one(i) for i in range(cmd["c"])))
        return sum(counts)

    try:
        await loop(cmd["warmup"], 3)
        say({"ready": True})
        await next_command()  # go
        started = time.perf_counter()
        ops = await loop(cmd["seconds"])
        say({"ops": ops, "seconds": time.perf_counter() - started})
    finally:
        await close()


async def drain(system: Any, cmd: dict[str, Any]) -> None:
    await system.fill(cmd["url"], cmd["n"])
    say({"ready": True})
    await next_command()  # go
    await system.drain(cmd["url"], cmd["c"], Progress(cmd["n"]), cmd["timeout"])


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    if len(sys.argv) != 2 or sys.argv[1] not in SYSTEMS:
        sys.exit(f"usage: py_driver.py {'|'.join(SYSTEMS)}")
    system = SYSTEMS[sys.argv[1]]()
    while True:
        cmd = await next_command()
        if cmd["op"] == "quit":
            return
        try:
            if cmd["op"] == "install":
                await system.install(cmd["url"])
            elif cmd["op"] == "enqueue":
                await enqueue(system, cmd)
            elif cmd["op"] == "drain":
                await drain(system, cmd)
            else:
                raise ValueError(f"unknown op {cmd['op']}")
            say({"closed": True})
        except Exception as exc:  # reported to bench/peers.py, which stops with it
            import traceback

            say({"error": "".join(traceback.format_exception(exc))})


if __name__ == "__main__":
    asyncio.run(main())

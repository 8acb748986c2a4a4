"""Drives animus for bench/peers.py: the Python client to enqueue, and three ways to drain.

    .venv/bin/python bench/peers/animus_driver.py

Drains: ``worker`` is the real CLI worker (``animus work run --handler noop_handler:handle
--until-empty``) in its own process; ``loop`` is a raw loop of ``animus.read_work(10)`` +
``animus.complete_work_batch`` per connection; ``pgmq`` is a raw ``pgmq.read(10)`` +
``pgmq.archive`` loop, the cost of the queue without animus's guarantees. One JSON command a
line on stdin, one JSON reply a line on stdout (the protocol is described in bench/peers.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from animus import Db, NewWorkItem
from animus.sql import COMPLETE_WORK_BATCH, READ_WORK

HERE = Path(__file__).resolve().parent
QUEUE = "bench"
DRAIN_QUEUE = "drain"
RAW_QUEUE = "raw_drain"
READ_QTY = 10


def say(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def next_command() -> dict[str, Any]:
    line = await asyncio.to_thread(sys.stdin.readline)
    if not line:
        raise SystemExit(0)
    command: dict[str, Any] = json.loads(line)
    return command


def item(queue: str, n: int, keyed: bool) -> NewWorkItem:
    return NewWorkItem(
        queue_name=queue,
        work_type="noop",
        source="bench",
        params={"n": n},
        dedup_key=uuid.uuid4().hex if keyed else None,
    )


async def install(url: str) -> None:
    db = await Db.connect(url, min_size=1, max_size=1)
    try:
        for queue in (QUEUE, DRAIN_QUEUE):
            await db.create_queue(queue)
    finally:
        await db.close()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT pgmq.create($1)", RAW_QUEUE)
    finally:
        await conn.close()


async def enqueue(cmd: dict[str, Any]) -> None:
    c: int = cmd["c"]
    keyed: bool = cmd["key"]
    db = await Db.connect(cmd["url"], min_size=c, max_size=c)

    async def single() -> int:
        await db.submit_work(item(QUEUE, 1, keyed))
        return 1

    async def batch() -> int:
        await db.submit_batch([item(QUEUE, i, keyed) for i in range(cmd["batch"])])
        return int(cmd["batch"])

    op: Callable[[], Awaitable[int]] = single if cmd["kind"] == "single" else batch

    async def loop(seconds: float, least: int = 0) -> int:
        # Each task runs at least ``least`` calls, so the warm-up opens every pooled connection.
        deadline = time.perf_counter() + seconds
        counts = [0] * c

        async def one(i: int) -> None:
            calls = 0
            while calls < least or time.perf_counter() < deadline:
                counts[i] += await op()
                calls += 1

        await asyncio.gather(*(one(i) for i in range(c)))
        return sum(counts)

    try:
        await loop(cmd["warmup"], 3)
        say({"ready": True})
        await next_command()  # go
        started = time.perf_counter()
        ops = await loop(cmd["seconds"])
        say({"ops": ops, "seconds": time.perf_counter() - started})
    finally:
        await db.close()


async def fill(url: str, drain: str, n: int) -> None:
    if drain == "pgmq":
        conn = await asyncpg.connect(url)
        try:
            for start in range(0, n, 1000):
                size = min(n, start + 1000) - start
                await conn.execute(
                    "SELECT pgmq.send_batch($1, array_fill('{\"n\": 1}'::jsonb, ARRAY[$2::int]))",
                    RAW_QUEUE,
                    size,
                )
        finally:
            await conn.close()
        return
    db = await Db.connect(url, min_size=1, max_size=1)
    try:
        for start in range(0, n, 500):
            await db.submit_batch(
                [item(DRAIN_QUEUE, i, False) for i in range(start, min(n, start + 500))]
            )
    finally:
        await db.close()


class Progress:
    """Reports the first, every n/20th and the last item, as the peers' drivers do."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.every = max(1, n // 20)
        self.count = 0

    def add(self, k: int) -> None:
        before = self.count
        self.count += k
        if before == 0 or before // self.every != self.count // self.every or self.count >= self.n:
            say({"progress": self.count})


async def drain_cli(cmd: dict[str, Any]) -> None:
    animus = shutil.which("animus", path=str(Path(sys.executable).parent)) or "animus"
    proc = await asyncio.create_subprocess_exec(
        animus,
        "work",
        "run",
        DRAIN_QUEUE,
        "--handler",
        "noop_handler:handle",
        "--concurrency",
        str(cmd["c"]),
        "--until-empty",
        "--url",
        cmd["url"],
        cwd=HERE,
        env=dict(os.environ, BENCH_N=str(cmd["n"]), PYTHONPATH=str(HERE)),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    count = 0
    other: list[str] = []

    async def relay() -> None:
        nonlocal count
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            if line.startswith("BENCH "):
                message = json.loads(line[6:])
                count = message["progress"]
                say(message)
            else:
                other.append(line)

    try:
        await asyncio.wait_for(asyncio.gather(relay(), proc.wait()), cmd["timeout"])
    except TimeoutError:
        proc.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 30)
    say({"done": count})
    if proc.returncode not in (0, None) and count < cmd["n"]:
        raise RuntimeError(f"animus work run exited {proc.returncode}: " + "\n".join(other[-20:]))


async def drain_raw(cmd: dict[str, Any]) -> None:
    progress = Progress(cmd["n"])
    conns = [await asyncpg.connect(cmd["url"]) for _ in range(cmd["c"])]

    async def loop_work(conn: asyncpg.Connection) -> None:
        read = await conn.prepare(READ_WORK)
        complete = await conn.prepare(COMPLETE_WORK_BATCH)
        while True:
            rows = await read.fetch(DRAIN_QUEUE, 30, READ_QTY)
            if not rows:
                return
            payload = json.dumps([{"work_id": str(r["id"]), "lease": r["lease"]} for r in rows])
            await complete.fetch(payload)
            progress.add(len(rows))

    async def loop_pgmq(conn: asyncpg.Connection) -> None:
        read = await conn.prepare("SELECT msg_id FROM pgmq.read($1, 30, $2)")
        archive = await conn.prepare("SELECT pgmq.archive($1, $2::bigint[])")
        while True:
            ids = [r["msg_id"] for r in await read.fetch(RAW_QUEUE, READ_QTY)]
            if not ids:
                return
            await archive.fetch(RAW_QUEUE, ids)
            progress.add(len(ids))

    loop = loop_work if cmd["drain"] == "loop" else loop_pgmq
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(loop(c) for c in conns)), cmd["timeout"])
        say({"done": progress.count})
    finally:
        for conn in conns:
            await conn.close()


async def drain(cmd: dict[str, Any]) -> None:
    await fill(cmd["url"], cmd["drain"], cmd["n"])
    say({"ready": True})
    await next_command()  # go
    if cmd["drain"] == "worker":
        await drain_cli(cmd)
    else:
        await drain_raw(cmd)


async def main() -> None:
    while True:
        cmd = await next_command()
        if cmd["op"] == "quit":
            return
        try:
            if cmd["op"] == "install":
                await install(cmd["url"])
            elif cmd["op"] == "enqueue":
                await enqueue(cmd)
            elif cmd["op"] == "drain":
                await drain(cmd)
            else:
                raise ValueError(f"unknown op {cmd['op']}")
            say({"closed": True})
        except Exception as exc:  # reported to bench/peers.py, which stops with it
            import traceback

            say({"error": "".join(traceback.format_exception(exc))})


if __name__ == "__main__":
    asyncio.run(main())

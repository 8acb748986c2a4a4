"""Faults with real processes: a worker killed mid-item, PostgreSQL restarted under load, a
poison item, a transaction rolled back by its caller. Nothing may be lost or left half-done.

The restart test runs on a throwaway cluster of its own (initdb into a temp directory), so the
shared test cluster is never restarted under the other tests. The sizes below are recorded in
docs/security.md.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from animus import Db, NewMemory, NewWorkItem
from animus.errors import InvalidStateTransition

from . import _db

#: Restart test: concurrent submitters and readers, restarts, and how long each phase runs.
SUBMITTERS = 4
READERS = 3
RESTARTS = 2
LOAD_SECONDS_BETWEEN_RESTARTS = 1.5
RESTART_VT_SECONDS = 2

#: Poison test: attempts allowed before the item is dead-lettered.
POISON_MAX_ATTEMPTS = 3

# A worker: reads one item, reports it on stdout, then "works" until it is killed.
WORKER = """
import asyncio, json, sys
from animus import Db

async def main(url, queue, vt):
    db = await Db.connect(url, min_size=1, max_size=1)
    items = await db.read_work(queue, vt, 1)
    print(json.dumps([str(i.id) for i in items]), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Db]:
    connected = await Db.connect(database_url)
    try:
        yield connected
    finally:
        await connected.close()


@pytest.fixture
async def admin(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


async def new_queue(db: Db) -> str:
    return await _db.new_queue(db, "fault")


def start_worker(url: str, queue: str, vt: int) -> tuple[subprocess.Popen[str], list[str]]:
    """Start a worker process; return it once it has read (the ids it holds)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, queue, str(vt)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, f"the worker exited before reading (rc={proc.wait()})"
    ids: list[str] = json.loads(line)
    return proc, ids


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL


async def test_worker_killed_mid_item_comes_back_after_its_visibility_timeout(
    db: Db, admin: asyncpg.Connection, database_url: str
) -> None:
    queue = await new_queue(db)
    submitted = await db.submit_work(NewWorkItem(queue_name=queue, work_type=queue, source="t"))
    vt = 2
    proc, held = start_worker(database_url, queue, vt)
    assert held == [str(submitted.work_id)]
    kill(proc)
    killed_at = time.monotonic()

    row = await admin.fetchrow(
        "SELECT state, attempts FROM animus.work_items WHERE id = $1", submitted.work_id
    )
    assert (row["state"], row["attempts"]) == ("running", 1)
    assert await db.read_work(queue, 30, 10) == [], "invisible until its vt expires"

    redelivered: list[Any] = []
    while not redelivered and time.monotonic() - killed_at < vt + 10:
        await asyncio.sleep(0.2)
        redelivered = await db.read_work(queue, 30, 10)
    assert [i.id for i in redelivered] == [submitted.work_id]
    assert time.monotonic() - killed_at >= vt - 0.5, "not before the visibility timeout"
    (item,) = redelivered
    assert (item.attempts, item.read_ct, item.state) == (2, 2, "running")
    await db.complete(item.id)
    assert (
        await admin.fetchval("SELECT state FROM animus.work_items WHERE id = $1", item.id)
        == "completed"
    )


async def test_a_poison_item_that_always_fails_is_dead_after_max_attempts_and_stays_dead(
    db: Db, admin: asyncpg.Connection
) -> None:
    queue = await new_queue(db)
    poison = await db.submit_work(
        NewWorkItem(
            queue_name=queue,
            work_type=queue,
            source="t",
            params={"poison": True},
            max_attempts=POISON_MAX_ATTEMPTS,
        )
    )
    states = []
    for _ in range(POISON_MAX_ATTEMPTS + 2):
        items = await db.read_work(queue, 30, 10)
        if not items:
            break
        (item,) = items
        states.append(await db.fail(item.id, f"boom {item.attempts}"))
    assert states == ["queued"] * (POISON_MAX_ATTEMPTS - 1) + ["dead"]
    await assert_stays_dead(db, admin, queue, poison.work_id, POISON_MAX_ATTEMPTS)


async def test_a_poison_item_that_kills_its_worker_is_dead_after_max_attempts_and_stays_dead(
    db: Db, admin: asyncpg.Connection, database_url: str
) -> None:
    queue = await new_queue(db)
    poison = await db.submit_work(
        NewWorkItem(queue_name=queue, work_type=queue, source="t", max_attempts=POISON_MAX_ATTEMPTS)
    )
    vt = 1
    deliveries = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        proc, held = start_worker(database_url, queue, vt)
        kill(proc)
        if held:
            assert held == [str(poison.work_id)]
            deliveries += 1
        state = await admin.fetchval(
            "SELECT state FROM animus.work_items WHERE id = $1", poison.work_id
        )
        if state == "dead":
            break
        await asyncio.sleep(vt + 0.1)
    assert deliveries == POISON_MAX_ATTEMPTS
    await assert_stays_dead(db, admin, queue, poison.work_id, POISON_MAX_ATTEMPTS)


async def assert_stays_dead(
    db: Db, admin: asyncpg.Connection, queue: str, work_id: uuid.UUID, attempts: int
) -> None:
    for _ in range(3):
        assert await db.read_work(queue, 0, 10) == []
        await asyncio.sleep(0.5)
    row = await admin.fetchrow(
        "SELECT state, attempts, outcome_error FROM animus.work_items WHERE id = $1", work_id
    )
    assert (row["state"], row["attempts"]) == ("dead", attempts)
    assert row["outcome_error"]
    assert await admin.fetchval(f"SELECT count(*) FROM pgmq.q_{queue}") == 0
    assert await admin.fetchval(f"SELECT count(*) FROM pgmq.a_{queue}") == 1


async def test_a_rolled_back_transaction_leaves_no_message_no_item_and_no_memory(
    admin: asyncpg.Connection, database_url: str
) -> None:
    setup = await Db.connect(database_url)
    queue = await new_queue(setup)
    await setup.close()
    tag = uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(database_url)
    db = await Db.connect(connection=conn)
    with pytest.raises(RuntimeError, match="caller gives up"):
        async with conn.transaction():
            await db.submit_work(NewWorkItem(queue_name=queue, work_type=queue, source="t"))
            await db.submit_batch(
                [
                    NewWorkItem(queue_name=queue, work_type=queue, source="t", dedup_key=str(k))
                    for k in range(3)
                ]
            )
            await db.store_memories(
                [NewMemory(content=f"rolled back {tag}", memory_type=tag)], embedder=_Ones()
            )
            raise RuntimeError("caller gives up")
    await conn.close()

    assert await admin.fetchval(f"SELECT count(*) FROM pgmq.q_{queue}") == 0
    assert await admin.fetchval(f"SELECT count(*) FROM pgmq.a_{queue}") == 0
    assert (
        await admin.fetchval("SELECT count(*) FROM animus.work_items WHERE work_type = $1", queue)
        == 0
    )
    assert (
        await admin.fetchval("SELECT count(*) FROM animus.memories WHERE memory_type = $1", tag)
        == 0
    )


async def test_a_backend_killed_before_commit_leaves_nothing(
    admin: asyncpg.Connection, database_url: str
) -> None:
    setup = await Db.connect(database_url)
    queue = await new_queue(setup)
    await setup.close()
    conn = await asyncpg.connect(database_url)
    db = await Db.connect(connection=conn)
    tx = conn.transaction()
    await tx.start()
    await db.submit_work(NewWorkItem(queue_name=queue, work_type=queue, source="t"))
    assert await admin.fetchval("SELECT pg_terminate_backend($1::int)", conn.get_server_pid())
    await asyncio.sleep(0.2)
    assert await admin.fetchval(f"SELECT count(*) FROM pgmq.q_{queue}") == 0
    assert (
        await admin.fetchval("SELECT count(*) FROM animus.work_items WHERE work_type = $1", queue)
        == 0
    )
    conn.terminate()


class _Ones:
    """A fixed embedder for the session database's dimension (no model download)."""

    model = "fixed-test"
    provider = "test"
    dimensions = 384

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [[1.0] * self.dimensions for _ in texts]


# --- PostgreSQL restarted under load, on a cluster of its own --------------------------------


def _pg_bin() -> Path | None:
    for control in sorted(glob.glob("/usr/share/postgresql/*/extension/vector.control")):
        major = Path(control).parts[4]
        candidate = Path(f"/usr/lib/postgresql/{major}/bin")
        if (candidate / "pg_ctl").exists():
            return candidate
    return None


def _as_pg_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Cluster:
    def __init__(self, bindir: Path, data: Path, sock: Path, port: int) -> None:
        self.bindir, self.data, self.sock, self.port = bindir, data, sock, port

    def ctl(self, *args: str) -> None:
        subprocess.run(
            _as_pg_user(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.data / "server.log"),
                    "-o",
                    f"-p {self.port} -k {self.sock}",
                    "-w",
                    "-t",
                    "60",
                    *args,
                ]
            ),
            check=True,
            capture_output=True,
        )

    def url(self, db: str) -> str:
        return f"postgresql://postgres@/{db}?host={self.sock}&port={self.port}"


@pytest.fixture(scope="module")
def throwaway_cluster() -> Iterator[Cluster]:
    bindir = _pg_bin()
    if bindir is None:
        _db.unavailable("no local PostgreSQL server with pgvector to build a throwaway cluster")
    root = Path(tempfile.mkdtemp(prefix="animus-fault-"))
    data, sock = root / "data", root / "run"
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
    cluster = Cluster(bindir, data, sock, _free_port())
    try:
        subprocess.run(
            _as_pg_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth-local=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\nlisten_addresses = ''\nmax_connections = 50\nfsync = on\n")
        cluster.ctl("start")
        yield cluster
    finally:
        try:
            cluster.ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(root, ignore_errors=True)


async def test_postgres_restart_under_load_loses_nothing_and_the_pool_recovers(
    throwaway_cluster: Cluster,
) -> None:
    server = throwaway_cluster.url("postgres")
    url = _db.create_database(server, prefix="animus_fault")
    _db.deploy(url, 3)
    queue = "restart_q"
    db = await Db.connect(url, min_size=SUBMITTERS + READERS, max_size=SUBMITTERS + READERS)
    await db.create_queue(queue)

    acked: dict[str, uuid.UUID] = {}  # dedup key -> work_id of a submission that returned
    errors: dict[str, int] = {}
    submitting = True

    def note(exc: BaseException) -> None:
        name = _describe(exc)
        errors[name] = errors.get(name, 0) + 1

    async def submitter(n: int) -> None:
        i = 0
        while submitting:
            key = f"s{n}-{i}"
            try:
                result = await db.submit_work(
                    NewWorkItem(
                        queue_name=queue,
                        work_type="job",
                        source="t",
                        dedup_key=key,
                        params={"n": i},
                    )
                )
            except Exception as exc:
                note(exc)  # unknown outcome: the same key again is safe (structural dedup)
                await asyncio.sleep(0.05)
                continue
            acked[key] = result.work_id
            i += 1

    completed: list[uuid.UUID] = []

    async def reader() -> None:
        while True:
            try:
                items = await db.read_work(queue, RESTART_VT_SECONDS, 5)
            except Exception as exc:
                note(exc)
                await asyncio.sleep(0.05)
                continue
            if not items and not submitting:
                await asyncio.sleep(0.2)
            for item in items:
                try:
                    await db.complete(item.id)
                    completed.append(item.id)
                except InvalidStateTransition:
                    pass  # redelivered after a lost reply: completed already
                except Exception as exc:
                    note(exc)  # left running: it comes back after its vt

    tasks = [asyncio.create_task(submitter(n)) for n in range(SUBMITTERS)]
    tasks += [asyncio.create_task(reader()) for _ in range(READERS)]
    try:
        for _ in range(RESTARTS):
            await asyncio.sleep(LOAD_SECONDS_BETWEEN_RESTARTS)
            await asyncio.to_thread(throwaway_cluster.ctl, "-m", "fast", "restart")
        acked_before = len(acked)
        errors_before = dict(errors)
        await asyncio.sleep(LOAD_SECONDS_BETWEEN_RESTARTS)
        assert len(acked) > acked_before, "the pool recovered: submissions succeed again"
        assert errors == errors_before, "no error once the server is back"
        submitting = False
        await asyncio.sleep(0.2)

        admin = await asyncpg.connect(url)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                open_items = await admin.fetchval(
                    "SELECT count(*) FROM animus.work_items WHERE state IN ('queued', 'running')"
                )
                if open_items == 0:
                    break
                await asyncio.sleep(0.5)
            rows = await admin.fetch("SELECT id, dedup_key, state FROM animus.work_items")
            queued_left = await admin.fetchval(f"SELECT count(*) FROM pgmq.q_{queue}")
            archived = await admin.fetchval(f"SELECT count(DISTINCT msg_id) FROM pgmq.a_{queue}")
        finally:
            await admin.close()
    finally:
        submitting = False
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await db.close()

    by_id: dict[uuid.UUID, list[Any]] = {}
    active_by_key: dict[str, int] = {}
    for row in rows:
        by_id.setdefault(row["id"], []).append(row)
        if row["state"] != "merged":
            active_by_key[row["dedup_key"]] = active_by_key.get(row["dedup_key"], 0) + 1
    results = dict(
        acked=len(acked),
        rows=len(rows),
        completed_calls=len(completed),
        errors=dict(errors),
        states={s: sum(1 for r in rows if r["state"] == s) for s in {r["state"] for r in rows}},
    )
    print("restart test:", results)
    assert errors, "the restarts were felt by the clients"
    for key, work_id in acked.items():
        assert len(by_id.get(work_id, [])) == 1, f"acknowledged {key} is stored exactly once"
        assert active_by_key.get(key) == 1, f"{key} has exactly one non-merged item"
    assert {r["state"] for r in rows} <= {"completed", "merged"}, "every item is terminal"
    assert queued_left == 0
    assert archived == len(rows) - sum(1 for r in rows if r["state"] == "merged")
    _db.drop_database(server, url)


def _describe(exc: BaseException) -> str:
    sqlstate = getattr(exc, "sqlstate", None)
    return f"{type(exc).__module__}.{type(exc).__name__}" + (f"({sqlstate})" if sqlstate else "")


async def test_connection_loss_surfaces_as_animus_connection_error(
    throwaway_cluster: Cluster,
) -> None:
    server = throwaway_cluster.url("postgres")
    url = _db.create_database(server, prefix="animus_fault")
    _db.deploy(url, 3)
    db = await Db.connect(url, min_size=4, max_size=4)
    seen: set[str] = set()
    running = True

    async def caller() -> None:
        while running:
            try:
                await db.embedding_dim()
            except Exception as exc:
                seen.add(_describe(exc))
                await asyncio.sleep(0.02)

    tasks = [asyncio.create_task(caller()) for _ in range(4)]
    try:
        await asyncio.sleep(0.3)
        await asyncio.to_thread(throwaway_cluster.ctl, "-m", "fast", "restart")
        await asyncio.sleep(0.5)
    finally:
        running = False
        await asyncio.gather(*tasks, return_exceptions=True)
        await db.close()
        _db.drop_database(server, url)
    print("errors seen across a restart:", sorted(seen))
    assert seen, "the restart was felt"
    assert all(kind.startswith("animus.errors.ConnectionError") for kind in seen), seen

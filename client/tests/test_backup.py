"""Backup and restore as docs/operations.md gives them: ``animus db backup`` of the embedded
cluster's pg_cron database, ``script/db start`` of a fresh cluster and ``animus db restore``
into it, each block of the doc run as written; then every feature is used on the restored
database. Also: a restore into a database that pg_cron cannot live in, and retention."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from animus import Db, LocalEmbedder, NewWorkItem

from . import _db

DOC = _db.ROOT / "docs" / "operations.md"
#: A ```sh block that the doc marks as run by this file.
RUN_BLOCK = re.compile(
    r"<!-- client/tests/test_backup\.py runs the block below[^>]*-->\n```sh\n(.*?)^```",
    re.DOTALL | re.MULTILINE,
)
BIN = Path(sys.executable).parent


def doc_blocks() -> list[list[str]]:
    """The marked blocks of docs/operations.md, each a list of its command lines."""
    blocks = RUN_BLOCK.findall(DOC.read_text(encoding="utf-8"))
    return [[line for line in block.splitlines() if line.strip()] for block in blocks]


def run_doc_block(block: list[str], env: dict[str, str]) -> list[str]:
    """Run each line of a doc block in bash from the checkout, as a reader pastes it."""
    outputs = []
    for line in block:
        proc = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", line],
            cwd=_db.ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, f"{line!r} failed ({proc.returncode}):\n{proc.stderr}"
        outputs.append(proc.stdout + proc.stderr)
    return outputs


def _env(**extra: str) -> dict[str, str]:
    """The environment of a reader's shell: the venv on PATH, no database chosen but by
    ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "ANIMUS_DATABASE_URL", "ANIMUS_PGDATA", "ANIMUS_LOCAL")
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cron_url(server_url: str) -> str:
    preload = _db.psql(server_url, "SELECT current_setting('shared_preload_libraries')")
    crondb = _db.psql(server_url, "SELECT current_setting('cron.database_name', true)")
    if "pg_cron" not in preload or not crondb:
        _db.unavailable("this server does not preload pg_cron (script/db start sets it up)")
    url = _db.with_database(server_url, crondb)
    _db.deploy(url, 384)
    _db.psql(url, "CREATE EXTENSION IF NOT EXISTS pg_cron")
    if _db.psql(url, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_partman'") != "1":
        _db.unavailable("pg_partman is not installed (script/setup installs it)")
    return url


@dataclass(frozen=True)
class Seed:
    tag: str
    queue: str
    partitioned: str
    scope: str
    agent: str
    schedule: str
    in_flight: str
    queued: str


async def _seed(url: str, embedder: LocalEmbedder) -> Seed:
    tag = uuid.uuid4().hex[:8]
    s = Seed(
        tag,
        f"bk_{tag}",
        f"bkp_{tag}",
        f"bk/{tag}",
        f"bk_agent_{tag}",
        f"bk_{tag}",
        in_flight="",
        queued="",
    )
    async with await Db.connect(url, embedder=embedder) as db:
        await db.create_queue(s.queue)
        await db.create_queue(
            s.partitioned, partitioned=True, partition_interval="1000", retention_interval="100000"
        )
        first = await db.submit_work(NewWorkItem(queue_name=s.queue, work_type="bk", source="t"))
        second = await db.submit_work(NewWorkItem(queue_name=s.queue, work_type="bk", source="t"))
        (flying,) = await db.read_work(s.queue, vt_seconds=2)
        assert flying.id == first.work_id
        await db.submit_work(NewWorkItem(queue_name=s.partitioned, work_type="bkp", source="t"))
        await db.scoped(s.scope).store_memory("the vault key sits with the on-call lead", "fact")
        await db.schedule_work(s.schedule, "0 3 * * *", s.queue, "nightly", {}, s.tag, 0, None)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'CREATE ROLE "{s.agent}" NOLOGIN IN ROLE animus_app')
        await conn.execute("SELECT animus.bind_scope($1, $2)", s.agent, s.scope)
    finally:
        await conn.close()
    return Seed(**{**s.__dict__, "in_flight": str(first.work_id), "queued": str(second.work_id)})


async def _unseed(url: str, s: Seed) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT animus.unschedule_work($1)", s.schedule)
        await conn.execute("SELECT animus.unbind_scope($1)", s.agent)
        await conn.execute(f'DROP ROLE IF EXISTS "{s.agent}"')
    finally:
        await conn.close()


@pytest.fixture
def fresh_cluster() -> Iterator[dict[str, str]]:
    """Where ``script/db start`` makes a cluster of its own: a directory the postgres OS user
    can reach (pytest's tmp_path is private to root) and a free port."""
    local = tempfile.mkdtemp(prefix="animus-restore-")
    os.chmod(local, 0o755)
    env = _env(ANIMUS_LOCAL=local, ANIMUS_PGPORT=str(_free_port()))
    try:
        yield env
    finally:
        subprocess.run(
            [str(_db.ROOT / "script" / "db"), "destroy"], env=env, capture_output=True, check=False
        )
        shutil.rmtree(local, ignore_errors=True)


def test_the_documented_backup_and_restore_bring_back_every_feature(
    cron_url: str,
    local_embedder: LocalEmbedder,
    fresh_cluster: dict[str, str],
    tmp_path: Path,
) -> None:
    backup_block, restore_block = doc_blocks()
    seed = asyncio.run(_seed(cron_url, local_embedder))
    try:
        run_doc_block(backup_block, _env(DATABASE_URL=cron_url, ANIMUS_BACKUP_DIR=str(tmp_path)))
    finally:
        asyncio.run(_unseed(cron_url, seed))
    (dump,) = tmp_path.glob("animus-*.dump")
    assert dump.stat().st_mode & 0o777 == 0o600, "a dump holds data: owner-only"

    outputs = run_doc_block(restore_block, {**fresh_cluster, "DUMP": str(dump)})
    assert seed.queue in "".join(outputs), "animus work overview lists the restored queue"
    assert seed.schedule in "".join(outputs), "animus schedule list lists the schedule"
    url = subprocess.run(
        [str(_db.ROOT / "script" / "db"), "url"],
        env=fresh_cluster,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    asyncio.run(_check_restored(url, seed, local_embedder))
    _db.sqitch(url, "verify")


async def _check_restored(url: str, seed: Seed, embedder: LocalEmbedder) -> None:
    """Every feature on the restored database."""
    async with await Db.connect(url, embedder=embedder) as db:
        # The item in flight at the backup is delivered again once its lease ran out; the
        # queued one too. Both complete.
        await asyncio.sleep(2)
        delivered = {str(w.id): w for w in await db.read_work(seed.queue, vt_seconds=30, qty=5)}
        assert set(delivered) == {seed.in_flight, seed.queued}
        assert delivered[seed.in_flight].read_ct == 2
        for work in delivered.values():
            await db.complete(work, outcome_data={"restored": True})
        # The partitioned queue: the old item, and new work.
        (old,) = await db.read_work(seed.partitioned, vt_seconds=30)
        await db.complete(old)
        fresh = await db.submit_work(
            NewWorkItem(queue_name=seed.partitioned, work_type="bkp", source="after")
        )
        assert fresh.status == "queued"
        # Memories: search and hybrid search in their scope, nothing in another.
        scoped = db.scoped(seed.scope)
        (hit,) = await scoped.search_memory("who holds the vault key?", 5)
        assert "vault key" in hit.content
        assert (await scoped.hybrid_search("vault key", limit=3))[0].content == hit.content
        assert await db.scoped(f"{seed.scope}-other").search_memory("vault key", 5) == []

    conn = await asyncpg.connect(url)
    try:
        # Schedules: listed with their owner, their pg_cron job restored and active; they
        # pause, and their job's command submits.
        (row,) = await conn.fetch(
            "SELECT * FROM animus.list_schedules() WHERE name = $1", seed.schedule
        )
        assert row["active"] is True and row["owner"] == await conn.fetchval("SELECT current_user")
        command = await conn.fetchval("SELECT command FROM cron.job WHERE jobid = $1", row["jobid"])
        await conn.execute("SELECT animus.pause_schedule($1)", seed.schedule)
        assert (
            await conn.fetchval("SELECT active FROM cron.job WHERE jobid = $1", row["jobid"])
            is False
        )
        await conn.execute(command)
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM animus.work_items WHERE source = $1",
                f"schedule:{seed.schedule}",
            )
            == 1
        )
        # Bindings: roles live in the cluster, so the agent's role is made here (the doc says
        # so); its binding from the backup holds it to its scope at once.
        await conn.execute(f'CREATE ROLE "{seed.agent}" NOLOGIN IN ROLE animus_app')
        await conn.execute(f'SET ROLE "{seed.agent}"')
        found = "SELECT count(*) FROM animus.keyword_search('vault', 5, scope => $1)"
        assert await conn.fetchval(found, seed.scope) == 1
        with pytest.raises(asyncpg.PostgresError) as refused:
            await conn.fetchval(found, "default")
        assert refused.value.sqlstate == "AN027"
        await conn.execute("RESET ROLE")
        # The role settings came along; the Sqitch registry too.
        settings = await conn.fetchval(
            "SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting "
            "WHERE setrole = 'animus_app'::regrole AND setdatabase = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert "statement_timeout=30s" in settings and "lock_timeout=5s" in settings
        await conn.execute(f'DROP OWNED BY "{seed.agent}"')
        await conn.execute(f'DROP ROLE "{seed.agent}"')
    finally:
        await conn.close()


def test_restore_into_a_database_without_pg_cron(
    server_url: str, cron_url: str, tmp_path: Path
) -> None:
    """pg_cron lives only in cron.database_name: anywhere else the restore goes on without it
    and says so, where a plain pg_restore stopped at CREATE EXTENSION pg_cron."""
    run_doc_block(
        ["animus db backup"], _env(DATABASE_URL=cron_url, ANIMUS_BACKUP_DIR=str(tmp_path))
    )
    (dump,) = tmp_path.glob("animus-*.dump")
    target = _db.create_database(server_url, prefix="animus_restored")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "animus", "db", "restore", str(dump), "--url", target],
            cwd=_db.ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert "pg_cron runs only in the database named by cron.database_name" in proc.stderr
        assert (
            _db.psql(target, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'") == "0"
        )
        assert _db.psql(target, "SELECT animus.embedding_dim()") == "384"
        again = subprocess.run(
            [sys.executable, "-m", "animus", "db", "restore", str(dump), "--url", target],
            cwd=_db.ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert again.returncode == 2 and "already holds an animus schema" in again.stderr
    finally:
        _db.drop_database(server_url, target)


def _backup(url: str, backup_dir: Path, keep_days: str = "14") -> subprocess.CompletedProcess[str]:
    env = _env(DATABASE_URL=url, ANIMUS_BACKUP_DIR=str(backup_dir))
    env["ANIMUS_BACKUP_KEEP_DAYS"] = keep_days
    return subprocess.run(
        [str(_db.ROOT / "script" / "backup")], env=env, capture_output=True, text=True, check=True
    )


def test_retention_removes_only_old_dumps(server_url: str, tmp_path: Path) -> None:
    old = tmp_path / "animus-20000101T000000Z.dump"
    old.write_bytes(b"old")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("keep me")
    unrelated_time = month_ago
    os.utime(unrelated, (unrelated_time, unrelated_time))

    with _db.fresh_database(server_url, embedding_dim=3) as url:
        result = _backup(url, tmp_path, keep_days="14")

    assert not old.exists(), "a dump older than the retention must be removed"
    assert unrelated.exists(), "retention must touch only animus dumps"
    assert len(list(tmp_path.glob("animus-*.dump"))) == 1
    assert "removed (retention)" in result.stderr

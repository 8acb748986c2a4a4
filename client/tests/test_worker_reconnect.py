"""The worker survives its database (issue 24, part 2): a real restart of the cluster under a
running `animus work run`, then `pg_terminate_backend` of every connection it holds, the
LISTEN one included. Nothing may be lost or completed twice, and the worker exits only when
signalled.

The restart needs a cluster of its own: the suite may run test files in parallel on the shared
embedded cluster, so this module makes a throwaway one with script/db itself (same
extensions and settings, its own directory and port), deploys into it, and removes it after.
No assertion here is about time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from . import _db

ROOT = Path(__file__).resolve().parents[2]
ITEMS = 400


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[tuple[str, dict[str, str]]]:
    """A throwaway cluster made by script/db (its URL, and the environment that names it)."""
    if os.environ.get("ANIMUS_TEST_DATABASE_URL"):
        pytest.skip("a cluster of its own needs script/db (the embedded cluster's tools)")
    local = tempfile.mkdtemp(prefix="animus-reconnect-")
    os.chmod(local, 0o755)  # the cluster's OS user reaches its data and socket through it
    env = {**os.environ, "ANIMUS_LOCAL": local, "ANIMUS_PGPORT": str(free_port())}
    script = str(ROOT / "script" / "db")

    def db(*args: str) -> str:
        out = subprocess.run([script, *args], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    try:
        db("start")
        db("deploy")
        yield db("url"), env
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(local, ignore_errors=True)


def wait_until(check: Callable[[], bool], what: str, limit: float = 180.0) -> None:
    """Poll ``check`` until it holds; the limit only keeps a broken run from hanging."""
    deadline = time.monotonic() + limit
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def test_the_worker_survives_a_restart_and_terminated_connections(
    own_cluster: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = own_cluster
    queue = "reconnect"
    _db.psql(
        url,
        f"SELECT animus.create_queue('{queue}'); "
        f"SELECT count(*) FROM animus.submit_work_batch((SELECT jsonb_agg(jsonb_build_object("
        f"'queue_name', '{queue}', 'work_type', 'job', 'source', 'test', "
        f"'params', jsonb_build_object('i', g))) FROM generate_series(1, {ITEMS}) AS g))",
    )
    (tmp_path / "steady_handler.py").write_text(
        textwrap.dedent(
            """
            import asyncio

            async def handle(db, item):
                await asyncio.sleep(0.05)
                return {"i": item.params["i"]}
            """
        )
    )
    # Files, not pipes: nobody reads a pipe until the end, and a full one would block the
    # worker's writes (and so its whole event loop).
    out_path, err_path = tmp_path / "worker.out", tmp_path / "worker.err"
    out_file, err_file = out_path.open("w"), err_path.open("w")
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "animus", "work", "run", queue),
            *("--handler", "steady_handler:handle", "--concurrency", "4", "--vt", "5"),
            *("--embedder", "local", "--json", "--url", url),
        ],
        cwd=tmp_path,
        env=env,
        stdout=out_file,
        stderr=err_file,
    )

    def completed() -> int:
        return int(
            _db.psql(url, "SELECT count(*) FROM animus.work_items WHERE state = 'completed'")
        )

    def listening() -> bool:
        return (
            _db.psql(
                url,
                "SELECT count(*) FROM pg_stat_activity "
                """WHERE datname = current_database() AND query = 'LISTEN "animus_work"'""",
            )
            == "1"
        )

    try:
        wait_until(lambda: completed() >= 40, "the first completions")
        subprocess.run(
            [str(ROOT / "script" / "db"), "restart"],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        after_restart = completed()
        wait_until(lambda: completed() >= after_restart + 40, "completions after the restart")
        wait_until(listening, "the LISTEN connection to come back after the restart")
        # Every connection but this one: the worker's pool and its LISTEN connection.
        terminated = _db.psql(
            url,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'",
        )
        assert int(terminated) >= 2  # at least a pool connection and the listener
        wait_until(lambda: completed() == ITEMS, "every item to be completed")
        wait_until(listening, "the LISTEN connection to come back after pg_terminate_backend")
        assert worker.poll() is None, "the worker must not exit on a lost connection"
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=120)
    except AssertionError as failed:
        activity = _db.psql(url, "SELECT pid, state, query FROM pg_stat_activity")
        items = _db.psql(
            url, "SELECT state, attempts, count(*) FROM animus.work_items GROUP BY 1, 2"
        )
        worker.kill()
        worker.wait()
        stderr = err_path.read_text()
        raise AssertionError(
            f"{failed}\nitems:\n{items}\nsessions:\n{activity}\nworker's stderr:\n{stderr}"
        ) from None
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        out_file.close()
        err_file.close()
    stdout, stderr = out_path.read_text(), err_path.read_text()
    assert worker.returncode == 0, stderr
    # asyncpg's pool logs its own retries with a traceback; none may come from the worker.
    assert "animus/worker.py" not in stderr and "Task exception" not in stderr, stderr
    assert "trying again" in stderr, stderr  # it did meet the lost connections

    # Nothing lost: every item completed, none left running or queued, every message archived
    # once. Nothing completed twice: the worker reported each item completed at most once.
    states = _db.psql(url, "SELECT state || ':' || count(*) FROM animus.work_items GROUP BY state")
    assert states == f"completed:{ITEMS}"
    archived = _db.psql(
        url, f"SELECT count(*) || '/' || count(DISTINCT msg_id) FROM pgmq.a_{queue}"
    )
    assert archived == f"{ITEMS}/{ITEMS}"
    reported = Counter(
        line["work_id"]
        for line in map(json.loads, stdout.splitlines())
        if line.get("state") == "completed"
    )
    assert reported and max(reported.values()) == 1
    outcomes = _db.psql(
        url,
        "SELECT count(*) FROM animus.work_items WHERE outcome_data->>'i' = params->>'i'",
    )
    assert outcomes == str(ITEMS)

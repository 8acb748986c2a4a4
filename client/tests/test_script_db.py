"""script/db and script/lib.sh on a cluster of their own (a temporary ANIMUS_LOCAL)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import _db

SCRIPT_DB = str(_db.ROOT / "script" / "db")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(local: Path, **extra: str) -> dict[str, str]:
    """The environment of a new shell: no ANIMUS_PGPORT or libpq variables of the caller."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PG", "ANIMUS_", "DATABASE_URL"))
    }
    return {**env, "ANIMUS_LOCAL": str(local), "ANIMUS_HOME": str(_db.ROOT), **extra}


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def local() -> Iterator[Path]:
    # Not under pytest's tmp_path: that is private to root, and the cluster runs as postgres.
    path = Path(tempfile.mkdtemp(prefix="animus-db-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        _run([SCRIPT_DB, "stop"], _env(path), path)
        shutil.rmtree(path, ignore_errors=True)


@pytest.mark.unit
def test_die_prints_the_message_without_the_exit_code(local: Path) -> None:
    proc = _run([SCRIPT_DB, "psql"], _env(local), local)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.rstrip().endswith("the embedded cluster is not running; run script/db start")
    unknown = _run([SCRIPT_DB, "frobnicate"], _env(local), local)
    assert unknown.returncode == 2
    assert unknown.stderr.rstrip().endswith("unknown command: frobnicate")


def test_the_cluster_remembers_its_port(local: Path) -> None:
    port = str(_free_port())
    started = _run([SCRIPT_DB, "start"], _env(local, ANIMUS_PGPORT=port), local)
    assert started.returncode == 0, started.stderr

    # Later commands without ANIMUS_PGPORT ask the cluster where it listens.
    status = _run([SCRIPT_DB, "status"], _env(local), local)
    assert status.returncode == 0 and f"port {port}," in status.stdout, status.stdout
    url = _run([SCRIPT_DB, "url"], _env(local), local).stdout.strip()
    assert url.endswith(f"&port={port}"), url
    psql = _run([SCRIPT_DB, "psql", "-X", "-At", "-c", "SHOW port"], _env(local), local)
    assert psql.stdout.strip() == port, psql.stderr
    # A stale variable does not send clients elsewhere while the cluster runs.
    stale = _run([SCRIPT_DB, "url"], _env(local, ANIMUS_PGPORT=str(_free_port())), local)
    assert stale.stdout.strip() == url and f"runs on port {port}" in stale.stderr

    # The CLI finds the running cluster: the schema is missing, the server is reached.
    cli = _run([sys.executable, "-m", "animus", "work", "overview"], _env(local), local)
    assert cli.returncode == 1 and "not deployed" in cli.stderr, cli.stderr

    assert _run([SCRIPT_DB, "stop"], _env(local), local).returncode == 0
    stopped = _run([SCRIPT_DB, "status"], _env(local), local)
    assert stopped.returncode == 3 and f"port {port}," in stopped.stdout
    # Stopped, the CLI says so and exits 3 (not running), with the command that fixes it.
    down = _run([sys.executable, "-m", "animus", "work", "overview"], _env(local), local)
    assert down.returncode == 3, down.stderr
    assert "not running" in down.stderr and "animus db start" in down.stderr

    again = _run([SCRIPT_DB, "start"], _env(local), local)
    assert again.returncode == 0 and f"port {port}" in again.stderr, again.stderr

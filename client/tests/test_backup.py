"""script/backup writes a pg_dump that pg_restore brings back whole, and applies retention."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from . import _db


def _backup(url: str, backup_dir: Path, keep_days: str = "14") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=url, ANIMUS_BACKUP_DIR=str(backup_dir))
    env["ANIMUS_BACKUP_KEEP_DAYS"] = keep_days
    return subprocess.run(
        [str(_db.ROOT / "script" / "backup")], env=env, capture_output=True, text=True, check=True
    )


def test_backup_then_restore_round_trip(server_url: str, tmp_path: Path) -> None:
    with _db.fresh_database(server_url, embedding_dim=3) as url:
        _db.psql(url, "SELECT pgmq.create('backup_probe')")
        _db.psql(url, """SELECT pgmq.send('backup_probe', '{"n": 1}')""")
        _db.psql(url, """SELECT pgmq.send('backup_probe', '{"n": 2}')""")
        _backup(url, tmp_path)

        dumps = sorted(tmp_path.glob("animus-*.dump"))
        assert len(dumps) == 1
        assert dumps[0].stat().st_mode & 0o777 == 0o600, "a dump holds data: owner-only"

        restored = _db.create_database(server_url, prefix="animus_restored")
        try:
            env = _db.libpq_env(restored)
            subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    "-d",
                    env["PGDATABASE"],
                    str(dumps[0]),
                ],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            messages = _db.psql(
                restored,
                "SELECT string_agg(message->>'n', ',' ORDER BY msg_id) FROM pgmq.q_backup_probe",
            )
            assert messages == "1,2"
            assert _db.psql(restored, "SELECT animus.embedding_dim()") == "3"
            # Role settings live in the cluster, not the database (like the roles themselves), so
            # a dump does not carry them: the restore procedure re-applies them (idempotent).
            subprocess.run(
                [
                    *("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"),
                    *(
                        "-f",
                        "deploy/role_settings.sql",
                        "-f",
                        "deploy/role_settings_idle_timeout.sql",
                    ),
                ],
                cwd=_db.ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            # The Sqitch registry comes along, so the restored database is still managed by Sqitch.
            _db.sqitch(restored, "verify")
        finally:
            _db.drop_database(server_url, restored)


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

"""docs/worker.md's example runs, exactly as written, against the session's database."""

from __future__ import annotations

import os
import subprocess
import sys

from . import _db

DOC = _db.ROOT / "docs" / "worker.md"


def worker_example() -> str:
    """The first ```python block of docs/worker.md: the complete example, as a reader sees it."""
    text = DOC.read_text()
    start = text.index("```python\n") + len("```python\n")
    return text[start : text.index("```", start)]


def test_the_worker_doc_example_runs(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    proc = subprocess.run(
        [sys.executable, "-c", worker_example()],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["merged True PostgreSQL holds the queue, the", "DONE"]
    policy = _db.psql(
        database_url,
        "SELECT max_attempts || '|' || retry_base_seconds FROM animus.work_type_policies "
        "WHERE work_type = 'summarize'",
    )
    assert policy == "3|2", "the task's retry policy is in the database, where psql sees it"

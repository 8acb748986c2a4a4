"""docs/queue.md's walkthrough runs as is, after the README's psql snippet and twice in a row.

Dedup spans queues, so a walkthrough that reused the README's work type and key would merge
into the README's item, and its `\\gset` would find no row (psql stops with an error).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import _db


def sql_block(path: Path, heading: str) -> str:
    text = path.read_text()
    start = text.index("```sql", text.index(heading)) + len("```sql")
    return text[start : text.index("```", start)]


def run_psql(url: str, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-f", "-"],
        input=sql,
        env=_db.libpq_env(url),
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_walkthrough_runs_after_the_readme_and_again(server_url: str) -> None:
    readme = sql_block(_db.ROOT / "README.md", "## From psql")
    walkthrough = sql_block(_db.ROOT / "docs" / "queue.md", "## Walkthrough")
    with _db.fresh_database(server_url, embedding_dim=3) as url:
        for name, sql in (("README", readme), ("walkthrough", walkthrough), ("again", walkthrough)):
            done = run_psql(url, sql)
            assert done.returncode == 0, f"{name}: {done.stderr}"
            assert "no rows returned for \\gset" not in done.stderr, name
        state = _db.psql(
            url,
            "SELECT string_agg(state, ',' ORDER BY state) FROM animus.work_items "
            "WHERE queue_name = 'walkthrough' AND work_type = 'wt_summarize'",
        )
    # Each run: one item queued then completed, one submission merged into it.
    assert state == "completed,completed,merged,merged"

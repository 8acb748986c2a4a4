"""The README's agent example runs, exactly as written, against a freshly deployed database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from . import _db

EXAMPLE = Path(__file__).with_name("readme_example.py")
README = _db.ROOT / "README.md"


def readme_example() -> str:
    """The first ```python block of README.md: the agent example, as a reader sees it."""
    text = README.read_text()
    start = text.index("```python\n") + len("```python\n")
    return text[start : text.index("```", start)]


def test_the_readme_shows_exactly_the_tested_example() -> None:
    assert readme_example() == EXAMPLE.read_text()


def test_the_readme_example_runs(server_url: str) -> None:
    with _db.fresh_database(server_url, embedding_dim=384) as url:
        env = {**os.environ, "DATABASE_URL": url}
        proc = subprocess.run(
            [sys.executable, "-c", readme_example()],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.strip().splitlines()
        assert len(lines) == 3, proc.stdout
        score, content = lines[0].split(maxsplit=1)
        assert float(score) > 0
        assert content == "example.com is a domain reserved for documentation examples"
        assert lines[1] == (
            "docs/runbook.md ['Runbook', 'Restores'] "
            "A restore needs the vault key, which the on-call lead holds."
        ), "the document's best chunk, with its heading path"
        assert lines[2] == "Acme wants weekly reports.", "one scope's memory, and only that one"
        completed = _db.psql(url, "SELECT state FROM animus.work_items")
        assert completed == "completed"

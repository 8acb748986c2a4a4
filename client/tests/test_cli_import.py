"""``animus memory import`` as a tool people leave running: unchanged documents are skipped by
content hash without embedding, progress is shown (tqdm), and Ctrl-C says what was stored and
the next run carries on."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest

from animus.local_embedder import LocalEmbedder

from . import _db
from .test_cli import animus, as_json


def _folder(root: Path, n: int, words: int = 60) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = " ".join(f"word{i}_{j}" for j in range(words))
        (root / f"note{i:03}.md").write_text(f"# Note {i}\n\n{body}\n", encoding="utf-8")
    return root


@pytest.fixture
def embedded_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the real local embedder is asked to embed in this process."""
    seen: list[str] = []
    real = LocalEmbedder.embed

    async def counting(self: LocalEmbedder, texts: Sequence[str]) -> list[list[float]]:
        seen.extend(texts)
        return await real(self, texts)

    monkeypatch.setattr(LocalEmbedder, "embed", counting)
    return seen


def test_an_unchanged_document_is_skipped_without_embedding(
    database_url: str, tmp_path: Path, embedded_texts: list[str]
) -> None:
    kind = f"imp_skip_{uuid.uuid4().hex[:8]}"
    docs = _folder(tmp_path / "docs", 3)
    first = as_json("memory", "import", str(docs), "--type", kind, url=database_url)
    assert (first["documents_stored"], first["documents_unchanged"]) == (3, 0)
    assert len(embedded_texts) == first["chunks_stored"] == len(first["ids"]) >= 3

    embedded_texts.clear()
    again = as_json("memory", "import", str(docs), "--type", kind, url=database_url)
    assert (again["documents_stored"], again["documents_unchanged"]) == (0, 3)
    assert embedded_texts == [], "nothing is embedded for unchanged documents"
    assert again["ids"] == []

    text = (docs / "note001.md").read_text(encoding="utf-8") + "\nOne more line.\n"
    (docs / "note001.md").write_text(text, encoding="utf-8")
    edited = as_json("memory", "import", str(docs), "--type", kind, url=database_url)
    assert (edited["documents_stored"], edited["documents_unchanged"]) == (1, 2)
    assert all("note 1" in t.lower() or "word1_" in t for t in embedded_texts), embedded_texts
    hits = as_json("memory", "search", "One more line", "--type", kind, url=database_url)
    by_source = {h["source"]: h for h in hits}
    assert by_source["note001.md"]["metadata"]["content_sha256"] == (
        hashlib.sha256(text.strip().encode()).hexdigest()
    )

    embedded_texts.clear()
    other_type = as_json("memory", "import", str(docs), "--type", kind + "_b", url=database_url)
    assert other_type["documents_stored"] == 3, "another type is another document content"


def test_progress_shows_files_chunks_and_rate(database_url: str, tmp_path: Path) -> None:
    kind = f"imp_prog_{uuid.uuid4().hex[:8]}"
    docs = _folder(tmp_path / "docs", 2)
    quiet = animus("memory", "import", str(docs), "--type", kind, url=database_url)
    assert quiet.returncode == 0 and "chunks/s" not in quiet.stderr, "no bar when not a terminal"
    (docs / "note000.md").write_text("# Changed\n\nnew text\n", encoding="utf-8")
    shown = animus("memory", "import", str(docs), "--type", kind, "--progress", url=database_url)
    assert shown.returncode == 0, shown.stderr
    last = shown.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith(f"importing {docs}"), last
    assert "2/2 files" in last and "1 unchanged" in last and "chunks/s" in last, last
    assert "imported 1 memories" in shown.stdout
    assert "(2 documents: 1 stored, 1 unchanged and skipped)" in shown.stdout


def test_ctrl_c_says_what_was_stored_and_the_next_run_carries_on(
    database_url: str, tmp_path: Path
) -> None:
    kind = f"imp_int_{uuid.uuid4().hex[:8]}"
    n = 80
    docs = _folder(tmp_path / "docs", n, words=300)
    cmd = [sys.executable, "-m", "animus", "memory", "import", str(docs), "--type", kind]
    # Its own session: SIGINT goes to the group, as a terminal's Ctrl-C does.
    proc = subprocess.Popen(
        [*cmd, "--url", database_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        start_new_session=True,
    )
    count = f"SELECT count(DISTINCT key) FROM animus.memories WHERE memory_type = '{kind}'"
    try:
        deadline = time.monotonic() + 120
        while int(_db.psql(database_url, count)) < 2 and proc.poll() is None:
            assert time.monotonic() < deadline, "the import stored nothing in 2 minutes"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    stored = int(_db.psql(database_url, count))
    assert 2 <= stored < n, "interrupted part way"
    assert f"stopped: stored {stored} documents (" in stderr, stderr
    assert "run the same command again to carry on" in stderr
    assert stderr.strip().endswith("interrupted")

    rest = as_json("memory", "import", str(docs), "--type", kind, url=database_url)
    assert (rest["documents_stored"], rest["documents_unchanged"]) == (n - stored, stored)
    assert int(_db.psql(database_url, count)) == n

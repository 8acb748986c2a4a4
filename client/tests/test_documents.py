"""Documents in chunks: the splitter, store_document, ``animus memory import`` of files and
folders (mixed-case suffixes, a Latin-1 file, a single .md path), re-import that replaces, and
the measured defects of issue 15."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

import pytest

from animus import Db
from animus.chunking import count_tokens, split_document
from animus.errors import InvalidImportFile
from animus.importer import load_import

from .test_cli import animus, as_json

FACT = "The vault unseal key is held by Priya Raman in the Lisbon office."
QUERY = "Who holds the vault unseal key?"

_TOPICS = [
    "the build",
    "the cache",
    "the release train",
    "the staging cluster",
    "log rotation",
    "the metrics pipeline",
    "on-call handover",
    "the billing export",
    "disk quotas",
]
_VERBS = ["runs", "fails over", "is reviewed", "gets rebuilt", "is paused", "is rotated"]
_WHEN = ["every night", "after each merge", "on Mondays", "when the queue backs up",
         "before a release", "once a quarter"]  # fmt: skip


def long_markdown(words: int = 1037, seed: int = 7) -> str:
    """A runbook of about ``words`` words in several sections, with FACT in its last lines."""
    rng = random.Random(seed)
    parts = ["# Operations runbook", ""]
    count = 0
    section = 0
    while count < words - len(FACT.split()) - 10:
        if count // 150 >= section:
            section += 1
            parts += ["", f"## Part {section}: {rng.choice(_TOPICS)}", ""]
        sentence = (
            f"{rng.choice(_TOPICS).capitalize()} {rng.choice(_VERBS)} {rng.choice(_WHEN)}, "
            f"and {rng.choice(_TOPICS)} {rng.choice(_VERBS)} {rng.choice(_WHEN)}."
        )
        parts.append(sentence)
        count += len(sentence.split())
    parts += ["", "## Contacts", "", FACT]
    return "\n".join(parts) + "\n"


def _kind() -> str:
    return f"doc_{uuid.uuid4().hex[:10]}"


@pytest.mark.unit
def test_splitter_keeps_every_chunk_inside_the_token_window() -> None:
    text = long_markdown()
    assert 1000 <= len(text.split()) <= 1100
    chunks = split_document(text)
    assert len(chunks) > 4
    # 256 word pieces with [CLS] and [SEP]: every chunk is read whole by the MiniLM.
    assert max(count_tokens(c.text) for c in chunks) + 2 <= 256
    assert chunks[-1].headings == ["Operations runbook", "Contacts"] and FACT in chunks[-1].text
    assert all(c.headings[0] == "Operations runbook" for c in chunks)


@pytest.mark.unit
def test_splitter_headings_code_fences_and_overlap() -> None:
    text = "# A\n\nintro\n\n```\n# not a heading\n```\n\n## B\n\n### C\n\nbody of c\n"
    chunks = split_document(text)
    assert [(c.headings, c.text.splitlines()[0]) for c in chunks] == [
        (["A"], "# A"),
        (["A", "B", "C"], "## B"),
    ], "a fenced # is not a heading; a heading with no text joins the next section"
    long = "## Long\n\n" + " ".join(f"Sentence number {i} says a thing." for i in range(200))
    windows = split_document(long, max_tokens=64, overlap=16)
    assert len(windows) > 5 and all(w.text.startswith("## Long\n\n") for w in windows)
    assert all(count_tokens(w.text) <= 64 for w in windows)
    first, second = (w.text.removeprefix("## Long\n\n") for w in windows[:2])
    assert first.split()[-1] in second.split()[:20], "consecutive windows overlap"
    assert split_document("  \n ") == []


async def test_fact_at_the_end_of_a_long_document_is_found(db: Db) -> None:
    """Measured on main: the 1,037-word file was one memory, the embedder read its first 256
    tokens, and the fact at its end scored a cosine of 0.049, below an unrelated ten-word
    memory. In chunks, the chunk holding the fact comes first."""
    kind = _kind()
    ids = await db.store_document(f"runbooks/{kind}.md", long_markdown(), kind)
    assert len(ids) > 4
    await db.store_memory("Lunch on Fridays is usually pizza from the corner place.", kind)
    hits = await db.search_memory(QUERY, 3, filters={"memory_type": kind})
    assert FACT in hits[0].content
    assert hits[0].metadata["headings"] == ["Operations runbook", "Contacts"]
    assert hits[0].metadata["document"] == f"runbooks/{kind}.md"
    assert hits[0].metadata["chunk"] == len(ids) - 1


async def test_group_by_document_returns_the_best_chunk_per_document(db: Db) -> None:
    kind = _kind()
    await db.store_document("a.md", long_markdown(seed=1), kind)
    await db.store_document("b.md", long_markdown(seed=2), kind)
    plain = await db.search_memory(QUERY, 10, filters={"memory_type": kind})
    assert len({h.metadata["document"] for h in plain}) == 2 and len(plain) == 10
    grouped = await db.search_memory(QUERY, 10, filters={"memory_type": kind},
                                     group_by_document=True)  # fmt: skip
    assert sorted(h.metadata["document"] for h in grouped) == ["a.md", "b.md"]
    assert all(FACT in h.content for h in grouped), "each document's best chunk"
    hybrid = await db.hybrid_search(QUERY, limit=10, filters={"memory_type": kind},
                                    group_by_document=True)  # fmt: skip
    assert sorted(h.metadata["document"] for h in hybrid) == ["a.md", "b.md"]
    assert all(FACT in h.content for h in hybrid)


def test_import_reimport_replaces_the_stale_copy(database_url: str, tmp_path: Path) -> None:
    """Measured on main: an edited file imported again added a second row, and the stale copy
    outranked the new one (0.918 against 0.908)."""
    kind = _kind()
    docs = tmp_path / "notes"
    docs.mkdir()
    note = docs / "standup.md"
    note.write_text("# Standup\n\nThe standup is at 9:15 in room Orion.\n", encoding="utf-8")
    first = as_json("memory", "import", str(docs), "--type", kind, url=database_url)
    note.write_text("# Standup\n\nThe standup moved to 10:00 in room Vega.\n", encoding="utf-8")
    second = as_json("memory", "import", str(docs), "--type", kind, url=database_url)
    assert first["ids"] == second["ids"], "the same document, replaced in place"
    hits = as_json("memory", "search", "When is the standup at 9:15 in Orion?", "--type", kind,
                   url=database_url)  # fmt: skip
    assert [h["content"] for h in hits] == ["# Standup\n\nThe standup moved to 10:00 in room Vega."]


def test_import_folder_suffixes_encodings_and_long_files(database_url: str, tmp_path: Path) -> None:
    """Measured on main: UPPER.MD and .markdown were skipped without a word, one Latin-1 file
    aborted the import with a UnicodeDecodeError naming no file, and a 1,037-word file was
    one memory."""
    kind = _kind()
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "UPPER.MD").write_text("# Upper\n\nShouted file name.\n", encoding="utf-8")
    (docs / "sub" / "notes.markdown").write_text("Markdown with the long suffix.\n", "utf-8")
    (docs / "plain.TXT").write_text("A plain text note.\n", encoding="utf-8")
    (docs / "latin1.md").write_bytes("# Café\n\nCrème brûlée.\n".encode("latin-1"))
    (docs / "long.md").write_text(long_markdown(), encoding="utf-8")
    (docs / "lines.jsonl").write_text(json.dumps({"content": "a jsonl line"}) + "\n", "utf-8")
    (docs / "image.png").write_bytes(b"\x89PNG")
    proc = animus(
        "memory", "import", str(docs), "--type", kind, "--json", "--progress", url=database_url
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["documents"] == 4
    assert [s["file"] for s in result["skipped"]] == [str(docs / "latin1.md")]
    assert "not UTF-8 (byte 0xe9" in result["skipped"][0]["reason"]
    assert f"skipped {docs / 'latin1.md'}: not UTF-8" in proc.stderr
    bar = proc.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert "5/5 files" in bar and f"{result['imported']} chunks" in bar, "progress bar"
    hits = as_json("memory", "search", "x", "--type", kind, "--limit", "100", url=database_url)
    sources = {h["source"] for h in hits}
    assert {"UPPER.MD", "sub/notes.markdown", "plain.TXT", "long.md"} <= sources
    assert sum(h["source"] == "long.md" for h in hits) > 4, "the long file is in chunks"
    assert any(h["content"] == "a jsonl line" for h in hits)


def test_import_a_single_markdown_file_is_a_document(database_url: str, tmp_path: Path) -> None:
    """Measured on main: a single .md path was parsed as JSONL."""
    kind = _kind()
    note = tmp_path / "Single.MD"
    note.write_text("# One file\n\nImported on its own.\n", encoding="utf-8")
    result = as_json("memory", "import", str(note), "--type", kind, url=database_url)
    assert result["imported"] == 1 and result["documents"] == 1
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    proc = animus("memory", "import", str(latin), "--type", kind, url=database_url)
    assert proc.returncode == 2 and f"{latin}: not UTF-8" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.unit
def test_load_import_reports_what_it_skips(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("fine\n", encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text("not json\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    plan = load_import(tmp_path, "t")
    assert [d.source for d in plan.documents] == ["ok.md"]
    assert sorted(Path(f).name for f, _ in plan.skipped) == ["bad.jsonl", "empty.txt"]
    with pytest.raises(InvalidImportFile, match=r"not a \.md"):
        load_import(_write(tmp_path / "x.csv", "a,b"), "t")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path

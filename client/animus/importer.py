"""Memories from files: documents (Markdown, text) in chunks, and JSONL files of memories.

:func:`load_import` reads and parses everything before anything is stored, so a bad JSONL line
stores nothing. In a folder it reads ``.md``, ``.markdown``, ``.txt`` and ``.jsonl`` files (any
case of the suffix); a file that cannot be read or decoded is skipped with its reason and the
rest go on. :func:`import_plan` stores the result: each document with one ``store_document``
call (so importing a changed file again replaces all of its chunks), JSONL memories in batches.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .chunking import DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP, Chunk, split_document
from .errors import InvalidImportFile
from .models import NewMemory

if TYPE_CHECKING:
    from .db import Db

#: The memory_type of a document when the caller gives none.
MARKDOWN_MEMORY_TYPE = "document"
DOCUMENT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
JSONL_SUFFIXES = frozenset({".jsonl"})


@dataclass
class Document:
    """A file to store under ``key`` as ``chunks``."""

    key: str
    memory_type: str
    source: str | None
    metadata: dict[str, Any]
    chunks: list[Chunk]


@dataclass
class ImportPlan:
    """What ``load_import`` found: documents, JSONL memories, and the files it skipped."""

    documents: list[Document] = field(default_factory=list)
    memories: list[NewMemory] = field(default_factory=list)
    #: (file, reason) of every file that was not imported.
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many memories the plan stores: JSONL lines plus document chunks."""
        return len(self.memories) + sum(len(d.chunks) for d in self.documents)


def read_text(path: Path) -> str:
    """The file's text as UTF-8 (a BOM is dropped); ``InvalidImportFile`` naming the file and
    the first bad byte otherwise."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidImportFile(
            f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            hint="convert it, e.g. iconv -f latin1 -t utf-8",
        ) from None


def load_import(
    path: Path,
    memory_type: str | None = None,
    source: str | None = None,
    *,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap: int = DEFAULT_OVERLAP,
) -> ImportPlan:
    """What importing ``path`` stores. A ``.md``/``.markdown``/``.txt`` file is a document,
    split into chunks that fit the embedder (key: its path; source: ``source`` or its path
    relative to the folder; metadata: that path and its first heading). A ``.jsonl`` file holds
    one memory per line (``content`` and optionally ``memory_type``, ``source``,
    ``metadata``); ``memory_type`` and ``source`` fill in what a line lacks.

    Raises ``FileNotFoundError`` for a missing path and ``InvalidImportFile`` for a single file
    that is unreadable, of another type, or holds a bad line. In a folder such files are skipped
    and listed in ``skipped``.
    """
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    plan = ImportPlan()
    if not path.is_dir():
        suffix = path.suffix.lower()
        if suffix not in DOCUMENT_SUFFIXES | JSONL_SUFFIXES:
            raise InvalidImportFile(
                f"{path}: not a .md, .markdown, .txt or .jsonl file",
                hint="rename it, or import the folder it is in",
            )
        _load_file(plan, path, path.name, memory_type, source, max_tokens, overlap)
        return plan
    files = sorted(
        f
        for f in path.rglob("*")
        if f.is_file() and f.suffix.lower() in DOCUMENT_SUFFIXES | JSONL_SUFFIXES
    )
    for file in files:
        rel = file.relative_to(path).as_posix()
        try:
            _load_file(plan, file, rel, memory_type, source, max_tokens, overlap)
        except (InvalidImportFile, OSError) as exc:
            plan.skipped.append((str(file), str(exc).removeprefix(f"{file}: ")))
    return plan


def _load_file(
    plan: ImportPlan,
    file: Path,
    rel: str,
    memory_type: str | None,
    source: str | None,
    max_tokens: int,
    overlap: int,
) -> None:
    if file.suffix.lower() in JSONL_SUFFIXES:
        plan.memories.extend(_load_jsonl(file, memory_type, source))
        return
    text = read_text(file).strip()
    if not text:
        plan.skipped.append((str(file), "empty"))
        return
    title = next((ln.lstrip("#").strip() for ln in text.splitlines() if ln.startswith("#")), None)
    metadata: dict[str, Any] = {"path": rel}
    if title:
        metadata["title"] = title
    plan.documents.append(
        Document(
            key=os.path.normpath(file).replace(os.sep, "/"),
            memory_type=memory_type or MARKDOWN_MEMORY_TYPE,
            source=source or rel,
            metadata=metadata,
            chunks=split_document(text, max_tokens, overlap),
        )
    )


def _load_jsonl(path: Path, memory_type: str | None, source: str | None) -> list[NewMemory]:
    docs = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidImportFile(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("content"), str):
            raise InvalidImportFile(
                f"{where}: each line must be a JSON object with a content string"
            )
        obj.setdefault("memory_type", memory_type)
        if not obj["memory_type"]:
            raise InvalidImportFile(
                f"{where}: no memory_type", hint="give each line one, or pass --type"
            )
        if source and not obj.get("source"):
            obj["source"] = source
        try:
            docs.append(NewMemory.model_validate(obj))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field_name = ".".join(str(part) for part in first["loc"])
            raise InvalidImportFile(f"{where}: {field_name}: {first['msg']}") from None
    return docs


async def import_memories(
    db: Db,
    docs: list[NewMemory],
    batch_size: int = 64,
    on_batch: Callable[[int], None] | None = None,
) -> list[int]:
    """Store ``docs`` with one ``store_memories`` call per ``batch_size`` of them; returns
    their ids in order. ``on_batch(n)`` is called after each stored batch of ``n``."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    ids: list[int] = []
    for start in range(0, len(docs), batch_size):
        batch = docs[start : start + batch_size]
        ids.extend(await db.store_memories(batch, batch_size=batch_size))
        if on_batch is not None:
            on_batch(len(batch))
    return ids


async def import_plan(
    db: Db,
    plan: ImportPlan,
    batch_size: int = 64,
    on_batch: Callable[[int], None] | None = None,
) -> list[int]:
    """Store a plan: every document with one ``store_document`` call (its chunks replace what
    its key held), then the JSONL memories in batches. Ids in that order; ``on_batch(n)`` after
    each document or batch of ``n`` memories."""
    ids: list[int] = []
    for doc in plan.documents:
        ids.extend(
            await db.store_chunks(
                doc.key,
                doc.chunks,
                memory_type=doc.memory_type,
                source=doc.source,
                metadata=doc.metadata,
                batch_size=batch_size,
            )
        )
        if on_batch is not None:
            on_batch(len(doc.chunks))
    ids.extend(await import_memories(db, plan.memories, batch_size, on_batch))
    return ids


__all__ = [
    "DOCUMENT_SUFFIXES",
    "MARKDOWN_MEMORY_TYPE",
    "Document",
    "ImportPlan",
    "import_memories",
    "import_plan",
    "load_import",
    "read_text",
]

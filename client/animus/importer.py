"""Memories from files: documents (Markdown, text) in chunks, and JSONL files of memories.

:func:`load_import` reads and parses everything before anything is stored, so a bad JSONL line
stores nothing. In a folder it reads ``.md``, ``.markdown``, ``.txt`` and ``.jsonl`` files (any
case of the suffix); a file that cannot be read or decoded is skipped with its reason and the
rest go on. :func:`import_plan` stores the result: each document with one ``store_document``
call (so importing a changed file again replaces all of its chunks), JSONL memories in batches.

A document keeps the SHA-256 of its text in its metadata (``content_sha256``). Before a
document is split and embedded, :func:`import_plan` asks what the scope holds under its key
(``animus.stored_documents``): a document stored with the same hash, chunk count, type, source,
metadata and embedding model is unchanged and skipped, embedding nothing. Each document is
stored in one transaction, so an import stopped half way (Ctrl-C) leaves whole documents, and
running it again carries on with the ones not yet stored.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

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


#: The metadata key of a document's content hash (hex SHA-256 of its text as imported).
CONTENT_HASH_KEY = "content_sha256"


@dataclass
class Document:
    """A file to store under ``key``: its text, split into chunks when it is stored."""

    key: str
    memory_type: str
    source: str | None
    #: the document's own metadata (path, title, ``content_sha256``), given to every chunk
    metadata: dict[str, Any]
    text: str
    max_tokens: int = DEFAULT_MAX_TOKENS
    overlap: int = DEFAULT_OVERLAP

    @property
    def content_sha256(self) -> str:
        return str(self.metadata[CONTENT_HASH_KEY])

    def chunks(self) -> list[Chunk]:
        """The chunks that fit the embedder (split on each call: an unchanged document that is
        skipped is never split)."""
        return split_document(self.text, self.max_tokens, self.overlap)

    def unchanged(self, stored: dict[str, Any] | None, model: str) -> bool:
        """Whether ``stored`` (its key's row of ``Db.stored_documents``) holds this very
        document, embedded by ``model``: same text (hash), type, source and metadata."""
        if stored is None or stored["embedding_model"] != model:
            return False
        if (stored["memory_type"], stored["source"]) != (self.memory_type, self.source):
            return False
        held = stored["metadata"] or {}
        return all(held.get(k) == v for k, v in self.metadata.items())


@dataclass
class ImportResult:
    """What :func:`import_plan` did (so far, when it was interrupted)."""

    #: ids of the memories stored, in order (chunks of the documents stored, then JSONL)
    ids: list[int] = field(default_factory=list)
    documents_stored: int = 0
    chunks_stored: int = 0
    #: documents skipped because the scope already holds them unchanged
    documents_unchanged: int = 0
    chunks_unchanged: int = 0
    memories_stored: int = 0


@dataclass
class ImportPlan:
    """What ``load_import`` found: documents, JSONL memories, and the files it skipped."""

    documents: list[Document] = field(default_factory=list)
    memories: list[NewMemory] = field(default_factory=list)
    #: (file, reason) of every file that was not imported.
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def files(self) -> int:
        """Documents, plus one for the JSONL memories when there are any."""
        return len(self.documents) + (1 if self.memories else 0)


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
    metadata[CONTENT_HASH_KEY] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    plan.documents.append(
        Document(
            key=os.path.normpath(file).replace(os.sep, "/"),
            memory_type=memory_type or MARKDOWN_MEMORY_TYPE,
            source=source or rel,
            metadata=metadata,
            text=text,
            max_tokens=max_tokens,
            overlap=overlap,
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


class ImportProgress(Protocol):
    """What :func:`import_plan` reports as it goes (the CLI draws a progress bar from it)."""

    def document(self, doc: Document, chunks: int, unchanged: bool) -> None:
        """A document was stored (``chunks`` of them) or found unchanged."""

    def memories(self, n: int) -> None:
        """A batch of ``n`` JSONL memories was stored."""


class _Quiet:
    def document(self, doc: Document, chunks: int, unchanged: bool) -> None:
        pass

    def memories(self, n: int) -> None:
        pass


async def import_plan(
    db: Db,
    plan: ImportPlan,
    batch_size: int = 64,
    progress: ImportProgress | None = None,
    result: ImportResult | None = None,
) -> ImportResult:
    """Store a plan: every document that the scope does not already hold unchanged, with one
    ``store_document`` call each (its chunks replace what its key held), then the JSONL
    memories in batches. ``result`` (a new one by default) is filled in as each document or
    batch is stored, so a caller that is interrupted can still say what was stored."""
    done = result if result is not None else ImportResult()
    report = progress or _Quiet()
    model = db.embedder.model if db.embedder is not None else ""
    stored = await db.stored_documents([d.key for d in plan.documents]) if plan.documents else {}
    for doc in plan.documents:
        held = stored.get(doc.key)
        if doc.unchanged(held, model):
            assert held is not None
            done.documents_unchanged += 1
            done.chunks_unchanged += int(held["chunks"])
            report.document(doc, int(held["chunks"]), unchanged=True)
            continue
        chunks = doc.chunks()
        done.ids.extend(
            await db.store_chunks(
                doc.key,
                chunks,
                memory_type=doc.memory_type,
                source=doc.source,
                metadata=doc.metadata,
                batch_size=batch_size,
            )
        )
        done.documents_stored += 1
        done.chunks_stored += len(chunks)
        report.document(doc, len(chunks), unchanged=False)

    def stored_batch(n: int) -> None:
        done.memories_stored += n
        report.memories(n)

    done.ids.extend(await import_memories(db, plan.memories, batch_size, stored_batch))
    return done


__all__ = [
    "CONTENT_HASH_KEY",
    "DOCUMENT_SUFFIXES",
    "MARKDOWN_MEMORY_TYPE",
    "Document",
    "ImportPlan",
    "ImportProgress",
    "ImportResult",
    "import_memories",
    "import_plan",
    "load_import",
    "read_text",
]

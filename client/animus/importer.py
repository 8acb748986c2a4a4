"""Memories from files: a JSONL file (one memory per line) or a folder of Markdown.

:func:`load_import` parses everything before anything is stored, so a bad line stores nothing;
:func:`import_memories` stores the parsed memories in batches.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .errors import InvalidImportFile
from .models import NewMemory

if TYPE_CHECKING:
    from .db import Db

#: The memory_type of a Markdown file when the caller gives none.
MARKDOWN_MEMORY_TYPE = "document"


def load_import(
    path: Path, memory_type: str | None = None, source: str | None = None
) -> list[NewMemory]:
    """The memories in ``path``: a folder's ``*.md`` files (one memory each; source the
    relative path, metadata the path and first heading) or a JSONL file's lines (``content``
    and optionally ``memory_type``, ``source``, ``metadata``). ``memory_type`` and ``source``
    fill in what an item lacks.

    Raises ``FileNotFoundError`` for a missing path and ``InvalidImportFile`` naming the
    file and line of the first bad one.
    """
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_dir():
        return _load_markdown(path, memory_type, source)
    return _load_jsonl(path, memory_type, source)


def _load_markdown(folder: Path, memory_type: str | None, source: str | None) -> list[NewMemory]:
    docs = []
    for file in sorted(folder.rglob("*.md")):
        text = file.read_text(encoding="utf-8").strip()
        if not text:
            continue
        rel = file.relative_to(folder).as_posix()
        title = next(
            (ln.lstrip("#").strip() for ln in text.splitlines() if ln.startswith("#")), None
        )
        metadata: dict[str, Any] = {"path": rel}
        if title:
            metadata["title"] = title
        docs.append(
            NewMemory(
                content=text,
                memory_type=memory_type or MARKDOWN_MEMORY_TYPE,
                source=source or rel,
                metadata=metadata,
            )
        )
    return docs


def _load_jsonl(path: Path, memory_type: str | None, source: str | None) -> list[NewMemory]:
    docs = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
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
                field = ".".join(str(part) for part in first["loc"])
                raise InvalidImportFile(f"{where}: {field}: {first['msg']}") from None
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


__all__ = ["MARKDOWN_MEMORY_TYPE", "import_memories", "load_import"]

"""Real text for the memory benchmarks: docstrings of installed Python packages and the
distribution's /usr/share/doc, split into paragraphs, embedded with the local MiniLM.

Nothing here is committed data: the paragraphs are read from the machine at run time and the
vectors are cached outside the repository (``$ANIMUS_BENCH_CACHE``, default
``~/.cache/animus-bench``), keyed by the corpus' own hash, so a second run embeds nothing.

``python bench/_realtext.py --embed N`` builds and embeds the first N paragraphs in the
background-friendly way (one thread, resumable in chunks), printing the rate.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import os
import random
import re
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

MIN_WORDS = 8
MAX_WORDS = 200
CHUNK = 2048


def cache_dir() -> Path:
    root = Path(os.environ.get("ANIMUS_BENCH_CACHE", Path.home() / ".cache" / "animus-bench"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def _clean(paragraph: str) -> str | None:
    text = " ".join(paragraph.split())
    words = text.split(" ")
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return None
    letters = sum(ch.isalpha() for ch in text)
    if letters < 0.6 * len(text):  # tables, code, hex dumps
        return None
    return text


def _split(text: str) -> Iterator[str]:
    for block in re.split(r"\n\s*\n", text):
        cleaned = _clean(block)
        if cleaned is not None:
            yield cleaned


def _docstrings(path: Path) -> Iterator[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield from _split(doc)


def _doc_files() -> Iterator[Path]:
    root = Path("/usr/share/doc")
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        name = path.name.lower()
        if path.is_file() and (
            name.endswith((".txt", ".md", ".rst", ".gz")) or name.startswith("readme")
        ):
            if "copyright" in name:
                continue
            yield path


def _read_doc(path: Path) -> str:
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
                return fh.read(2_000_000)
        return path.read_text(encoding="utf-8", errors="replace")[:2_000_000]
    except (OSError, EOFError, gzip.BadGzipFile):
        return ""


def paragraphs(limit: int) -> list[str]:
    """Distinct paragraphs in a fixed order (sorted sources), at most ``limit``."""
    seen: set[str] = set()
    out: list[str] = []
    roots = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    roots += sorted(p for p in ("/usr/lib/python3/dist-packages",) if Path(p).is_dir())
    sources: list[Iterator[str]] = []
    for root in roots:
        for path in sorted(Path(root).rglob("*.py")):
            sources.append(_docstrings(path))
    for path in _doc_files():
        sources.append(_split(_read_doc(path)))
    for source in sources:
        for text in source:
            if text not in seen:
                seen.add(text)
                out.append(text)
                if len(out) >= limit:
                    return out
    return out


def shuffled(texts: list[str], seed: int = 11) -> list[str]:
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    return [texts[i] for i in order]


def embed_cached(texts: list[str], label: str) -> np.ndarray:
    """Vectors for ``texts`` (float32, unit length), cached in chunks under cache_dir()."""
    from animus.local_embedder import LocalEmbedder  # the benches run inside the client venv

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    folder = cache_dir() / f"{label}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    embedder = LocalEmbedder(batch_size=32)
    chunks: list[np.ndarray] = []
    started = time.perf_counter()
    done = 0
    for start in range(0, len(texts), CHUNK):
        path = folder / f"{start:08d}.npy"
        if path.exists():
            chunks.append(np.load(path))
            continue
        batch = texts[start : start + CHUNK]
        # Embed in order of length so a batch pads to similar lengths (3x faster on MiniLM),
        # then put the vectors back in corpus order.
        order = sorted(range(len(batch)), key=lambda i: len(batch[i]))
        vectors = embedder.embed_sync([batch[i] for i in order])
        part = np.zeros((len(batch), 384), dtype=np.float32)
        part[order] = np.asarray(vectors, dtype=np.float32)
        np.save(path, part)
        chunks.append(part)
        done += len(part)
        rate = done / (time.perf_counter() - started)
        print(
            f"realtext: embedded {start + len(part)}/{len(texts)} ({rate:.0f}/s)",
            file=sys.stderr,
            flush=True,
        )
    return np.concatenate(chunks) if chunks else np.zeros((0, 384), dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embed", type=int, default=60_000)
    args = parser.parse_args()
    started = time.perf_counter()
    texts = shuffled(paragraphs(args.embed))
    print(
        f"realtext: {len(texts)} paragraphs in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
        flush=True,
    )
    embed_cached(texts, "realtext")


if __name__ == "__main__":
    main()

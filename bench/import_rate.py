"""``animus memory import``: chunks per second against the embedding model alone, same run.

    .venv/bin/python bench/import_rate.py [--url URL] [--copies N]

The corpus is this repository's Markdown (README, CONTRIBUTING, docs/, ...), copied ``--copies``
times under new names (each copy is a new document). In one process it times:

1. splitting every document into chunks (the chunker alone);
2. embedding every chunk with the offline MiniLM, in batches of 64 (the model alone);
3. the import, as ``animus memory import`` runs it (``import_plan``: look up the stored
   documents, split, embed, store each document in one call), into a new scope;
4. the same import again, every document unchanged (skipped by content hash, nothing embedded).

It prints chunks/s for 2 and 3 and their ratio, and writes bench/results/import_rate.json. The
scope is forgotten afterwards. Figures: docs/benchmarks.md ("Import").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "client"))

from animus import Db, LocalEmbedder  # noqa: E402
from animus.importer import import_plan, load_import  # noqa: E402


def _corpus(target: Path, copies: int) -> int:
    files = sorted(
        p
        for p in ROOT.rglob("*.md")
        if not any(part in (".venv", ".local", "build", "node_modules") for part in p.parts)
    )
    size = 0
    for copy in range(copies):
        for i, path in enumerate(files):
            text = path.read_text(encoding="utf-8")
            out = target / f"c{copy}" / f"{i:03}_{path.name}"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(f"<!-- copy {copy} -->\n{text}", encoding="utf-8")
            size += len(text.encode())
    return size


async def _run(url: str, corpus: Path, size: int) -> dict[str, float]:
    embedder = LocalEmbedder()
    await embedder.embed(["warm up"])
    start = time.perf_counter()
    plan = load_import(corpus, "bench_import")
    chunks = [c.text for doc in plan.documents for c in doc.chunks()]
    split_s = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(0, len(chunks), 64):
        await embedder.embed(chunks[i : i + 64])
    embed_s = time.perf_counter() - start
    scope = f"bench-import-{uuid.uuid4().hex[:8]}"
    async with await Db.connect(url, embedder=embedder) as db:
        view = db.scoped(scope)
        try:
            start = time.perf_counter()
            first = await import_plan(view, plan, 64)
            import_s = time.perf_counter() - start
            start = time.perf_counter()
            again = await import_plan(view, plan, 64)
            again_s = time.perf_counter() - start
        finally:
            await view.forget_memories(None, all=True)
    assert first.chunks_stored == len(chunks) and again.documents_unchanged == len(plan.documents)
    return {
        "files": len(plan.documents),
        "bytes": size,
        "chunks": len(chunks),
        "split_s": split_s,
        "embed_s": embed_s,
        "import_s": import_s,
        "again_s": again_s,
        "embed_chunks_per_s": len(chunks) / embed_s,
        "import_chunks_per_s": len(chunks) / import_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a deployed database (default: the embedded cluster's)")
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    url = (
        args.url
        or subprocess.run(
            [str(ROOT / "script" / "db"), "url"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    corpus = Path(tempfile.mkdtemp())
    try:
        size = _corpus(corpus, args.copies)
        result = asyncio.run(_run(url, corpus, size))
    finally:
        shutil.rmtree(corpus)
    result["load"] = list(os.getloadavg())
    mb = result["bytes"] / 1e6
    r = result
    print(f"{r['files']} files, {mb:.2f} MB, {r['chunks']} chunks")
    print(f"split only         {r['split_s']:8.2f} s")
    print(f"embed only (model) {r['embed_s']:8.2f} s  {r['embed_chunks_per_s']:6.1f} chunks/s")
    print(f"import (first run) {r['import_s']:8.2f} s  {r['import_chunks_per_s']:6.1f} chunks/s")
    print(f"import again       {r['again_s']:8.2f} s  (every document unchanged)")
    print(f"import / model alone: {r['import_chunks_per_s'] / r['embed_chunks_per_s']:.2f}")
    print("load average: {:.2f} {:.2f} {:.2f}".format(*r["load"]))
    out = ROOT / "bench" / "results" / "import_rate.json"
    out.write_text(json.dumps(r, indent=2) + "\n")


if __name__ == "__main__":
    main()

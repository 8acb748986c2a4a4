"""``animus demo`` (what script/demo runs) on a freshly deployed database, twice."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from . import _db


@pytest.fixture(scope="module")
def fresh_url(server_url: str) -> Iterator[str]:
    with _db.fresh_database(server_url, embedding_dim=384) as url:
        yield url


def run_demo(url: str) -> tuple[str, float]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "animus", "demo", "--url", url],
        capture_output=True,
        text=True,
        cwd=_db.ROOT,
        timeout=120,
        check=False,
    )
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, elapsed


def memory_ids(output: str) -> list[int]:
    return [int(m) for m in re.findall(r"-> memory #(\d+), completed", output)]


def test_demo_shows_merge_worker_search_and_trace(fresh_url: str) -> None:
    out, elapsed = run_demo(fresh_url)
    assert elapsed < 60, f"the demo took {elapsed:.0f} s"

    # Step 2: four items queued, the fifth submission merged into the first.
    queued = re.findall(r"^\s+agent-\S+\s+(\S+)\s+-> queued \(work (\w{8}), msg \d+\)$", out, re.M)
    assert [key for key, _ in queued] == [
        "incident-4021",
        "incident-4022",
        "note-hnsw",
        "pref-amara",
    ]
    merged = re.search(r"agent-ops\s+incident-4021\s+-> merged into (\w{8})", out)
    assert merged and merged[1] == queued[0][1]

    # Step 3: the worker processed the four queued items (not the merged one) into memories.
    processed = re.findall(r"processed (\w{8}) from", out)
    assert sorted(processed) == sorted(work for _, work in queued)
    assert len(set(memory_ids(out))) == 4
    assert "4 completed, 0 failed" in out

    # Step 4: provenance names both submitters.
    assert re.search(r"^\s+self\s+agent-support\s+completed$", out, re.M)
    assert re.search(r"^\s+merged\s+agent-ops\s+merged \(webhook: pagerduty\)$", out, re.M)

    # Step 5: the hybrid search puts the disk incident first, found by both legs.
    hits = out.split("5. Hybrid search", 1)[1].split("6. Trace tree", 1)[0].splitlines()
    first_hit = next(line for line in hits if re.match(r"^\s+-?\d+\.\d{3}\s", line))
    assert "disk on ledgerd was full" in first_hit
    assert re.match(r"^\s+\S+\s+1\s+1\s", first_hit), first_hit

    # Step 6: a trace tree, rooted at the demo span, with the worker's process spans nested
    # under it and the database calls under those.
    tree = out.split("6. Trace tree", 1)[1].splitlines()
    # (animus.telemetry.render_span_tree: "trace 1", then the root one level in)
    assert tree[1] == "   trace 1" and tree[2].startswith("     animus demo  ")
    process = [line for line in tree if "process demo [work " in line]
    # (indentation: 3 for the section, 2 per level; exact depths below the process spans are
    # left open, since client spans may wrap the database calls)
    assert len(process) == 4 and all(line.startswith("         process") for line in process)
    assert all("-> linked to 'send demo' (trace 1)" in line for line in process)
    assert any(re.match(r"^ {11,}SELECT animus.complete_work", line) for line in tree)
    assert any("SELECT animus.submit_work" in line for line in tree)
    assert any("SELECT animus.hybrid_search" in line for line in tree)


def test_demo_runs_again_on_the_same_database(fresh_url: str) -> None:
    first, _ = run_demo(fresh_url)
    second, _ = run_demo(fresh_url)
    for out in (first, second):
        assert "-> merged into" in out and "4 completed, 0 failed" in out
    # Fresh dedup keys each run, but the same contents: the memories are found again.
    assert sorted(memory_ids(first)) == sorted(memory_ids(second))

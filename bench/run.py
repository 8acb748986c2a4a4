"""animus benchmarks: throughput against raw pgmq and the official pgmq client, scale, and memory.

    .venv/bin/python bench/run.py                  # everything (about 15 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick          # short rounds, small sizes (a smoke run)
    .venv/bin/python bench/run.py --only throughput,client,scale,memory

It creates a throwaway database on the embedded cluster (script/db), deploys it at 384
dimensions, prints a table, and writes bench/results/results.json and bench/results/results.png.
Every figure is a ratio taken side by side in this one run; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _client_bench import client_benchmarks
from _harness import Pair, Side, alternate, percentile
from _keyword_bench import keyword_benchmarks
from _memory_bench import memory_benchmarks, memory_table
from _queue3_bench import before_after_benchmarks, worker_benchmark
from _queue_bench import scale_benchmark, throughput_benchmarks
from _realtext_bench import realtext_benchmarks, realtext_table

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def _script(*args: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [str(ROOT / "script" / "db"), *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return out.stdout.strip()


def fresh_database() -> tuple[str, str]:
    """Create and deploy a throwaway database on the embedded cluster; return (name, url)."""
    subprocess.run([str(ROOT / "script" / "db"), "start"], check=True)
    name = f"animus_bench_{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, ANIMUS_EMBEDDING_DIM="384")
    _script("deploy", name, env=env)
    return name, _script("url", name)


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "asyncpg": asyncpg.__version__,
    }


def print_table(pairs: list[Pair], extra: dict[str, Any]) -> None:
    print()
    print(
        f"{'comparison':<44} {'conns':>5} {'A ops/s':>10} {'B ops/s':>10} {'A/B':>6} {'target':>7}"
    )
    print("-" * 88)
    for p in pairs:
        target = f">={p.target:.2f}" if p.target is not None else ""
        mark = "" if p.target is None else (" ok" if p.ratio >= p.target else " MISS")
        print(
            f"{p.label:<44} {p.concurrency:>5} {p.a.median:>10.0f} {p.b.median:>10.0f} "
            f"{p.ratio:>6.2f} {target:>7}{mark}"
        )
    for key, value in extra.items():
        if key == "memory":
            print()
            print(memory_table(value))
        elif key == "realtext":
            print()
            print(realtext_table(value))
        else:
            print(f"{key}: {json.dumps(value)}")


def chart(pairs: list[Pair], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{p.label}\n({p.concurrency} conn)" for p in pairs]
    ratios = [p.ratio for p in pairs]
    targets = [p.target for p in pairs]
    fig, ax = plt.subplots(figsize=(10, max(3.0, 0.45 * len(pairs) + 1)))
    y = range(len(pairs))
    colors = [
        "#999999" if t is None else ("#2a9d8f" if r >= t else "#e76f51")
        for r, t in zip(ratios, targets, strict=True)
    ]
    ax.barh(list(y), ratios, color=colors)
    for i, t in enumerate(targets):
        if t is not None:
            ax.plot([t, t], [i - 0.4, i + 0.4], color="black", linewidth=1)
    ax.axvline(1.0, color="#555555", linestyle=":", linewidth=1)
    ax.set_yticks(list(y))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("throughput ratio A/B (black tick: target)")
    ax.set_title("animus vs raw pgmq / asyncpg, side by side in one run")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short rounds and small sizes")
    parser.add_argument(
        "--only",
        default="throughput,client,scale,memory",
        help="comma-separated parts to run: throughput, client, scale, memory, keyword, realtext, "
        "before (this version's queue functions against v0.2.0's), worker",
    )
    parser.add_argument("--concurrency", default="1,8,32", help="connection counts for throughput")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds per side")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per round")
    parser.add_argument(
        "--sampled",
        default="1,0.1",
        help="trace sampling ratios for the trace-comment pairs (client part)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    rounds = args.rounds or (2 if args.quick else 4)
    seconds = args.seconds or (0.5 if args.quick else 2.0)
    levels = [int(c) for c in args.concurrency.split(",")]

    name, url = fresh_database()
    print(f"database {name} (embedding_dim 384)", file=sys.stderr)
    pairs: list[Pair] = []
    extra: dict[str, Any] = {}
    started = time.time()
    try:
        if "throughput" in parts:
            pairs += await throughput_benchmarks(url, levels, rounds=rounds, seconds=seconds)
        if "before" in parts:
            pairs += await before_after_benchmarks(url, levels, rounds=rounds, seconds=seconds)
        if "worker" in parts:
            extra["worker"] = await worker_benchmark(url, quick=args.quick, rounds=max(rounds, 3))
        if "client" in parts:
            sampled = [float(r) for r in args.sampled.split(",") if r.strip()]
            pairs += await client_benchmarks(
                url, levels, rounds=rounds, seconds=seconds, sampled=sampled
            )
        if "scale" in parts:
            extra["scale"] = await scale_benchmark(
                url, quick=args.quick, rounds=rounds, seconds=seconds
            )
        if "memory" in parts:
            extra["memory"] = await memory_benchmarks(url, quick=args.quick)
        if "keyword" in parts:
            extra["keyword"] = await keyword_benchmarks(url, quick=args.quick)
        if "realtext" in parts:
            extra["realtext"] = await realtext_benchmarks(url, quick=args.quick)
    finally:
        if not args.keep:
            _script("dropdb", name)

    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "machine": machine(),
        "settings": {"rounds": rounds, "seconds_per_round": seconds, "quick": args.quick},
        "pairs": [p.as_dict() for p in pairs],
        **extra,
    }
    (RESULTS / "results.json").write_text(json.dumps(result, indent=2, default=str))
    if pairs:
        chart(pairs, RESULTS / "results.png")
    print_table(pairs, extra)
    print(f"\nwrote {RESULTS / 'results.json'}", file=sys.stderr)


# Re-exported for the sibling modules, which import them from here when run as a script.
__all__ = ["Pair", "Side", "alternate", "percentile"]

if __name__ == "__main__":
    asyncio.run(main())

"""How long the ``animus`` command takes to answer, as ratios to ``python -c pass``.

    .venv/bin/python bench/cli_startup.py [--runs 15] [--url URL]

Each command runs ``--runs`` times in a fresh interpreter, interleaved with the baseline so
that the machine's load hits all of them alike; the table gives the median wall time and its
ratio to the baseline's median. ``--version`` is measured with no database (ANIMUS_HOME points
at an empty directory and no DATABASE_URL is set) and against --url; ``work overview`` is one
query (``animus.queue_overview``), and ``query only`` is the same query by a warm asyncpg
connection in this process, so ``overview - query`` is what the CLI adds. Results are printed
and written to bench/results/cli_startup.json. Figures: docs/benchmarks.md ("CLI start-up").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - start


async def _query_only(url: str, runs: int) -> float:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            await conn.fetch("SELECT * FROM animus.queue_overview")
            times.append(time.perf_counter() - start)
    finally:
        await conn.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--url", help="a deployed database (default: the embedded cluster's)")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the interpreter whose animus to time (e.g. another checkout's venv, to compare)",
    )
    args = parser.parse_args()
    url = (
        args.url
        or subprocess.run(
            [str(ROOT / "script" / "db"), "url"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    py = args.python
    base_env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ANIMUS_DATABASE_URL")
    }
    empty = tempfile.mkdtemp()
    no_db = {**base_env, "ANIMUS_HOME": empty}
    commands = {
        "python -c pass": ([py, "-c", "pass"], base_env),
        "animus --help": ([py, "-m", "animus", "--help"], base_env),
        "animus --version (no database)": ([py, "-m", "animus", "--version"], no_db),
        "animus --version --url": ([py, "-m", "animus", "--version", "--url", url], base_env),
        "animus work overview --url": (
            [py, "-m", "animus", "work", "overview", "--url", url],
            base_env,
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for cmd, env in commands.values():  # warm the page cache and .pyc files
        _time(cmd, env)
    for _ in range(args.runs):
        for name, (cmd, env) in commands.items():
            samples[name].append(_time(cmd, env))
    query = asyncio.run(_query_only(url, args.runs))
    base = statistics.median(samples["python -c pass"])
    rows = []
    print(f"{'command':34} {'median s':>9} {'x pass':>7}")
    for name, times in samples.items():
        median = statistics.median(times)
        rows.append({"command": name, "median_s": median, "ratio": median / base})
        print(f"{name:34} {median:9.3f} {median / base:7.1f}")
    overview = statistics.median(samples["animus work overview --url"])
    print(f"{'query only (warm connection)':34} {query:9.4f}")
    print(f"{'overview - query':34} {overview - query:9.3f}")
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    out = ROOT / "bench" / "results" / "cli_startup.json"
    if args.python != sys.executable:
        out = out.with_name("cli_startup_other.json")
    out.write_text(
        json.dumps({"runs": args.runs, "rows": rows, "query_s": query, "load": load}, indent=2)
        + "\n"
    )


if __name__ == "__main__":
    main()

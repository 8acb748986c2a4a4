"""animus against raw pgmq with pgbench -M prepared, side by side, alternating rounds.

An independent check of bench/run.py's throughput pairs: pgbench (PostgreSQL's own driver,
prepared statements, one transaction per script run) instead of asyncpg and this project's
harness. Each pair runs its two scripts alternately, A B B A ..., for ``--rounds`` rounds of
``--seconds`` each at every ``--conns`` level; a side's figure is the median of its rounds'
transactions per second times the items per transaction, and the pair's figure is the ratio of
the two medians. The read pairs refill both queues outside the timed rounds.

    ANIMUS_PGPORT=... .venv/bin/python bench/pgbench/run.py [--conns 1,8] [--seconds 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

#: name: (animus script, pgmq script, items per transaction, target ratio or None, needs a backlog)
PAIRS = {
    "submit": ("submit_work.sql", "pgmq_send.sql", 1, 0.8, False),
    "submit_nokey": ("submit_work_nokey.sql", "pgmq_send.sql", 1, 0.8, False),
    "batch": ("submit_work_batch.sql", "pgmq_send_batch.sql", 100, 0.5, False),
    "batch_nokey": ("submit_work_batch_nokey.sql", "pgmq_send_batch.sql", 100, 0.5, False),
    "read": ("read_complete.sql", "pgmq_read_archive.sql", 1, 0.7, True),
    "read_batch": ("read_complete_batch.sql", "pgmq_read_archive_batch.sql", 10, None, True),
}
LABELS = {
    "submit": "submit_work (dedup key) vs pgmq.send",
    "submit_nokey": "submit_work (no key) vs pgmq.send",
    "batch": "submit_work_batch vs pgmq.send_batch (100)",
    "batch_nokey": "submit_work_batch (no keys) vs pgmq.send_batch (100)",
    "read": "read_work+complete_work vs pgmq.read+archive",
    "read_batch": "read_work(10)+complete_work_batch vs pgmq.read(10)+archive",
}


def _db(*args: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [str(ROOT / "script" / "db"), *args], check=True, capture_output=True, text=True, env=env
    )
    return out.stdout.strip()


def _pg_bin(name: str) -> str:
    """The tool of the cluster's own PostgreSQL version (script/lib.sh knows where)."""
    out = subprocess.run(
        ["bash", "-c", f'source "{ROOT}/script/lib.sh" && echo "$(animus_pg_bin)/{name}"'],
        check=True,
        capture_output=True,
        text=True,
    )
    path = out.stdout.strip()
    return path if os.path.exists(path) else shutil.which(name) or name


def _psql(url: str, sql: str) -> str:
    out = subprocess.run(
        [_pg_bin("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def _refill(url: str, want: int) -> None:
    """At least ``want`` visible messages in both read queues."""
    have = int(_psql(url, "SELECT count(*) FROM pgmq.q_pgb_read_a WHERE vt <= now()"))
    while have < want:
        n = min(want - have, 5000)
        _psql(
            url,
            "SELECT count(*) FROM animus.submit_work_batch((SELECT jsonb_agg(jsonb_build_object("
            "'queue_name', 'pgb_read_a', 'work_type', 'bench', 'source', 'bench', 'params', "
            f"jsonb_build_object('n', g))) FROM generate_series(1, {n}) AS g))",
        )
        have += n
    have = int(_psql(url, "SELECT count(*) FROM pgmq.q_pgb_read_r WHERE vt <= now()"))
    while have < want:
        n = min(want - have, 5000)
        _psql(
            url,
            "SELECT count(*) FROM pgmq.send_batch('pgb_read_r', (SELECT array_agg("
            f"jsonb_build_object('n', g)) FROM generate_series(1, {n}) AS g))",
        )
        have += n


def _pgbench(url: str, script: str, conns: int, seconds: float) -> float:
    out = subprocess.run(
        [
            _pg_bin("pgbench"),
            "-n",
            "-M",
            "prepared",
            "-c",
            str(conns),
            "-j",
            str(min(conns, 2)),
            "-T",
            str(max(1, round(seconds))),
            "-f",
            str(HERE / script),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out.stdout)
    if found is None:
        raise RuntimeError(f"no tps in pgbench output:\n{out.stdout}\n{out.stderr}")
    return float(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conns", default="1,8", help="connection levels (default 1,8)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side")
    parser.add_argument("--only", default=",".join(PAIRS), help="pairs: " + ", ".join(PAIRS))
    parser.add_argument("--db", help="an existing deployed database (else a fresh one)")
    parser.add_argument("--keep", action="store_true", help="keep the fresh database")
    parser.add_argument("--json", type=Path, help="write every round here")
    args = parser.parse_args()

    name = args.db
    fresh = name is None
    if fresh:
        _db("start")
        name = f"animus_pgbench_{uuid.uuid4().hex[:8]}"
        _db("deploy", name, env=dict(os.environ, ANIMUS_EMBEDDING_DIM="384"))
    url = _db("url", name)
    try:
        if fresh:
            _psql(url, (HERE / "setup.sql").read_text())
        results = []
        for conns in [int(c) for c in args.conns.split(",")]:
            for pair in args.only.split(","):
                a_script, b_script, per_tx, target, backlog = PAIRS[pair]
                rounds: dict[str, list[float]] = {"a": [], "b": []}
                for r in range(args.rounds):
                    order = ("a", "b") if r % 2 == 0 else ("b", "a")
                    for side in order:
                        if backlog:
                            _refill(url, 60000 if per_tx > 1 else 20000)
                        script = a_script if side == "a" else b_script
                        rounds[side].append(_pgbench(url, script, conns, args.seconds) * per_tx)
                a, b = statistics.median(rounds["a"]), statistics.median(rounds["b"])
                results.append(
                    {
                        "pair": pair,
                        "conns": conns,
                        "a": a,
                        "b": b,
                        "ratio": a / b,
                        "rounds": rounds,
                        "target": target,
                    }
                )
                mark = "" if target is None else (" ✓" if a / b >= target else " ✗")
                print(
                    f"{LABELS[pair]:<60} {conns:>3} {a:>9.0f} {b:>9.0f} {a / b:>6.2f}{mark}",
                    flush=True,
                )
        if args.json is not None:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        if fresh and not args.keep:
            _db("dropdb", name)
    return 0


if __name__ == "__main__":
    sys.exit(main())

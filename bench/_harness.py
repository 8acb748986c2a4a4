"""Side-by-side measurement helpers for bench/run.py.

Every comparison runs its two sides alternately (A, B, A, B, ...) on the same connections in one
process, so drift in the machine's load hits both sides alike. Figures are ratios of medians.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Op = Callable[[Any, int], Awaitable[int]]
"""One unit of work: (conn, worker_index) -> operations done (1, or a batch size)."""


@dataclass
class Side:
    name: str
    op: Op
    rates: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.rates) if self.rates else 0.0


@dataclass
class Pair:
    label: str
    concurrency: int
    a: Side
    b: Side
    target: float | None = None

    @property
    def ratio(self) -> float:
        return self.a.median / self.b.median if self.b.median else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "concurrency": self.concurrency,
            "a": {"name": self.a.name, "ops_per_s": self.a.median, "rounds": self.a.rates},
            "b": {"name": self.b.name, "ops_per_s": self.b.median, "rounds": self.b.rates},
            "ratio": self.ratio,
            "target": self.target,
            "meets_target": None if self.target is None else self.ratio >= self.target,
        }


async def rate(conns: Sequence[Any], op: Op, seconds: float) -> float:
    """Operations per second with one task per connection, each looping until the deadline."""
    deadline = time.perf_counter() + seconds
    counts = [0] * len(conns)

    async def worker(i: int, conn: Any) -> None:
        while time.perf_counter() < deadline:
            counts[i] += await op(conn, i)

    start = time.perf_counter()
    await asyncio.gather(*(worker(i, c) for i, c in enumerate(conns)))
    return sum(counts) / (time.perf_counter() - start)


async def alternate(
    pair: Pair,
    conns: Sequence[Any],
    *,
    rounds: int,
    seconds: float,
    warmup: float = 0.5,
    between: Callable[[], Awaitable[None]] | None = None,
) -> Pair:
    """Run A and B alternately ``rounds`` times each; record ops/s per round."""
    await rate(conns, pair.a.op, warmup)
    await rate(conns, pair.b.op, warmup)
    for i in range(rounds):
        first, second = (pair.a, pair.b) if i % 2 == 0 else (pair.b, pair.a)
        for side in (first, second):
            if between is not None:
                await between()
            side.rates.append(await rate(conns, side.op, seconds))
    return pair


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def backend_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of server backends so far (same machine: read from /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")

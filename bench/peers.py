"""animus against the Postgres job queues users would pick instead, side by side on one cluster.

    .venv/bin/python bench/peers.py --quick     # a smoke run with small counts (about a minute)
    .venv/bin/python bench/peers.py --full      # 20,000-job drains, median of 3 rounds

Systems, each through its own published client and its own worker, each in its own database
on the embedded cluster (script/db; ANIMUS_PGPORT picks the cluster):

- animus: the Python client (``Db.submit_work``, ``Db.submit_batch``) to enqueue; to drain, the
  CLI worker (``animus work run --handler noop_handler:handle``), a raw loop of
  ``animus.read_work(10)`` + ``animus.complete_work_batch``, and raw ``pgmq.read`` +
  ``pgmq.archive`` (the queue without animus's guarantees);
- pg-boss and graphile-worker from npm (bench/peers/package.json, exact versions, with its
  package-lock.json; installed with ``npm ci`` into bench/peers/node_modules);
- procrastinate and pgqueuer from PyPI, in their own venv (.local/peers-venv, from the pinned
  bench/peers/requirements.txt), so their dependencies never touch the project's venv.

Measured: single enqueue and batches of 100, with and without a uniqueness key, at 1 and 8
connections (jobs/s over a fixed time); draining pre-enqueued no-op jobs with each system's own
worker at concurrency 1 and 8 (jobs/s from the first job handled to the last). For each, the
server CPU per job: user + system CPU of all the cluster's processes (/proc; the postmaster's
children, and those that exited, through its cutime) over the measured window.

Every phase runs in a fresh database cloned from that system's template (made at the start of
each run, schemas installed by the system's own installer), so no phase sees another's rows.
A drain's database is ANALYZEd after the fill, before the clock starts.
The systems take turns case by case, so drift in the machine's load hits them alike.

Drivers (bench/peers/*_driver.*) talk JSON lines: the orchestrator sends
``{"op": "install"|"enqueue"|"drain", ...}``; the driver prepares (connects, warms up, or fills
the queue), replies ``{"ready": true}`` and waits for ``{"op": "go"}``; the orchestrator reads
the server CPU and starts the clock. An enqueue replies ``{"ops", "seconds"}``; a drain sends
``{"progress": n}`` at its first, every n/20th and last job (the orchestrator reads time and
CPU at each) and then ``{"done": n}``. Every command ends with ``{"closed": true}`` (or
``{"error": ...}``, which stops the run).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / "bench" / "peers"
RESULTS = ROOT / "bench" / "results"
PEERS_VENV = ROOT / ".local" / "peers-venv"
BATCH = 100

ENQUEUERS = ["animus", "pgboss", "graphile", "procrastinate", "pgqueuer"]
#: drain name: (driver, extra fields of the drain command)
DRAINS: dict[str, tuple[str, dict[str, Any]]] = {
    "animus worker": ("animus", {"drain": "worker"}),
    "animus raw loop": ("animus", {"drain": "loop"}),
    "raw pgmq": ("animus", {"drain": "pgmq"}),
    "pgboss": ("pgboss", {}),
    "graphile": ("graphile", {}),
    "procrastinate": ("procrastinate", {}),
    "pgqueuer": ("pgqueuer", {}),
}
LABELS = {
    "animus": "animus (Python client)",
    "animus worker": "`animus work run`",
    "animus raw loop": "raw `read_work(10)` + `complete_work_batch`",
    "raw pgmq": "raw `pgmq.read(10)` + `pgmq.archive`",
    "pgboss": "pg-boss",
    "graphile": "graphile-worker",
    "procrastinate": "procrastinate",
    "pgqueuer": "pgqueuer",
}
#: (system, kind, keyed) its published client cannot do; the reason is printed.
UNSUPPORTED = {
    ("procrastinate", "batch", True): "batch_defer_async takes one queueing_lock for the batch",
}


class BenchError(RuntimeError):
    pass


# ---- setup ----------------------------------------------------------------------------------
def run_checked(args: list[str], what: str, **kwargs: Any) -> str:
    try:
        out = subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)
    except FileNotFoundError as exc:
        raise BenchError(f"{what}: {args[0]} not found ({exc})") from exc
    except subprocess.CalledProcessError as exc:
        tail = "\n".join((exc.stdout + exc.stderr).strip().splitlines()[-25:])
        raise BenchError(f"{what} failed (exit {exc.returncode}):\n{tail}") from exc
    return out.stdout.strip()


def stamp_matches(stamp: Path, source: Path) -> bool:
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    return stamp.exists() and stamp.read_text().strip() == digest


def write_stamp(stamp: Path, source: Path) -> None:
    stamp.write_text(hashlib.sha256(source.read_bytes()).hexdigest() + "\n")


def ensure_node() -> str:
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        raise BenchError("pg-boss and graphile-worker need node (20 or later) and npm on PATH")
    version = run_checked([node, "--version"], "node --version")
    if int(version.lstrip("v").split(".")[0]) < 20:
        raise BenchError(f"node {version} is too old: pg-boss 10 needs node 20 or later")
    stamp = PEERS / "node_modules" / ".animus-bench-stamp"
    lock = PEERS / "package-lock.json"
    if not stamp_matches(stamp, lock):
        print("installing pg-boss and graphile-worker (npm ci in bench/peers)...", flush=True)
        try:
            run_checked([npm, "ci", "--no-audit", "--no-fund"], "npm ci (bench/peers)", cwd=PEERS)
        except BenchError as exc:
            raise BenchError(f"{exc}\ncannot install the Node peers from the npm registry") from exc
        write_stamp(stamp, lock)
    return node


def ensure_peers_venv() -> Path:
    python = PEERS_VENV / "bin" / "python"
    requirements = PEERS / "requirements.txt"
    stamp = PEERS_VENV / ".animus-bench-stamp"
    if python.exists() and stamp_matches(stamp, requirements):
        return python
    print("installing procrastinate and pgqueuer into .local/peers-venv...", flush=True)
    base = shutil.which("python3.11") or shutil.which("python3") or sys.executable
    if not python.exists():
        run_checked([base, "-m", "venv", str(PEERS_VENV)], "creating .local/peers-venv")
    try:
        run_checked(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)],
            "pip install -r bench/peers/requirements.txt",
        )
    except BenchError as exc:
        raise BenchError(f"{exc}\ncannot install the Python peers from PyPI") from exc
    write_stamp(stamp, requirements)
    return python


def script_db(*args: str, env: dict[str, str] | None = None) -> str:
    return run_checked([str(ROOT / "script" / "db"), *args], f"script/db {' '.join(args)}", env=env)


# ---- server CPU -----------------------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


class ClusterCpu:
    """User + system CPU seconds of the whole cluster: the postmaster, its live children, and
    (through the postmaster's cutime/cstime) the children that exited and were reaped."""

    def __init__(self, postmaster: int) -> None:
        self.postmaster = postmaster

    def seconds(self) -> float:
        # A child reaped while /proc is scanned would be counted neither live nor in cutime:
        # scan again until the postmaster's cutime/cstime did not move during the scan.
        for _ in range(20):
            before = _stat(self.postmaster)
            ticks = sum(int(before[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    child = _stat(int(entry.name))
                except (FileNotFoundError, ProcessLookupError, PermissionError):
                    continue
                if int(child[1]) == self.postmaster:  # ppid
                    ticks += int(child[11]) + int(child[12])
            if _stat(self.postmaster)[13:15] == before[13:15]:
                break
        return ticks / TICK


# ---- drivers --------------------------------------------------------------------------------
class Driver:
    """One driver process speaking the JSON-lines protocol."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name = name
        self.argv = argv
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
            limit=1 << 20,
        )

    async def send(self, obj: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        await self.proc.stdin.drain()

    async def receive(self, within: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), within)
        except TimeoutError as exc:
            raise BenchError(f"{self.name}: no reply within {within:.0f} s") from exc
        if not line:
            raise BenchError(f"{self.name}: the driver exited (code {await self.proc.wait()})")
        try:
            message: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            print(f"{self.name}: {line.decode(errors='replace').rstrip()}", file=sys.stderr)
            return await self.receive(within)
        if "error" in message:
            raise BenchError(f"{self.name} failed:\n{message['error']}")
        return message

    async def expect(self, key: str, within: float) -> dict[str, Any]:
        message = await self.receive(within)
        while "progress" in message and key != "progress":
            # A worker stopped at the timeout may still report jobs already in its hands.
            message = await self.receive(within)
        if key not in message:
            raise BenchError(f"{self.name}: expected {key!r}, got {message}")
        return message

    async def close(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(Exception):
            await self.send({"op": "quit"})
            await asyncio.wait_for(self.proc.wait(), 10)
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


# ---- the run --------------------------------------------------------------------------------
@dataclass
class Sizes:
    rounds: int
    seconds: float
    warmup: float
    drain_n: int
    drain_timeout: float


@dataclass
class Measure:
    jobs_per_s: list[float] = field(default_factory=list)
    cpu_us_per_job: list[float] = field(default_factory=list)
    jobs: list[int] = field(default_factory=list)
    capped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "jobs_per_s": median(self.jobs_per_s),
            "cpu_us_per_job": median(self.cpu_us_per_job),
            "rounds": {
                "jobs_per_s": self.jobs_per_s,
                "cpu_us_per_job": self.cpu_us_per_job,
                "jobs": self.jobs,
            },
            "capped_by_timeout": self.capped,
        }


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


class Bench:
    def __init__(self, sizes: Sizes, systems: list[str]) -> None:
        self.sizes = sizes
        self.systems = systems
        self.drivers: dict[str, Driver] = {}
        self.admin: asyncpg.Connection | None = None
        self.cpu: ClusterCpu | None = None
        self.urls: dict[str, str] = {}
        self.base_url = ""
        self.checkpoint: Path | None = None

    def url(self, database: str) -> str:
        return self.base_url.replace("/postgres?", f"/{database}?", 1)

    async def setup(self) -> None:
        node = ensure_node() if {"pgboss", "graphile"} & set(self.systems) else ""
        peers_python = (
            ensure_peers_venv() if {"procrastinate", "pgqueuer"} & set(self.systems) else None
        )
        script_db("start")
        self.base_url = script_db("url", "postgres")
        if "/postgres?" not in self.base_url:
            raise BenchError(f"unexpected cluster URL from script/db url: {self.base_url}")
        self.admin = await asyncpg.connect(self.base_url)
        backend = await self.admin.fetchval("SELECT pg_backend_pid()")
        self.cpu = ClusterCpu(int(_stat(backend)[1]))
        argv = {
            "animus": [sys.executable, str(PEERS / "animus_driver.py")],
            "pgboss": [node, str(PEERS / "node_driver.mjs"), "pgboss"],
            "graphile": [node, str(PEERS / "node_driver.mjs"), "graphile"],
            "procrastinate": [str(peers_python), str(PEERS / "py_driver.py"), "procrastinate"],
            "pgqueuer": [str(peers_python), str(PEERS / "py_driver.py"), "pgqueuer"],
        }
        for system in self.systems:
            driver = Driver(system, argv[system])
            await driver.start()
            self.drivers[system] = driver
            await self.make_template(system)

    async def make_template(self, system: str) -> None:
        assert self.admin is not None
        template = f"peers_tpl_{system}"
        await self.drop(template)
        if system == "animus":
            # The same deploy as bench/run.py (sqitch, 384 dimensions), so this measures the
            # checkout's own SQL.
            script_db("deploy", template, env=dict(os.environ, ANIMUS_EMBEDDING_DIM="384"))
        else:
            await self.admin.execute(f'CREATE DATABASE "{template}"')
        print(f"installing {LABELS[system]}'s schema...", flush=True)
        driver = self.drivers[system]
        await driver.send({"op": "install", "url": self.url(template)})
        await driver.expect("closed", 300)

    async def drop(self, database: str) -> None:
        assert self.admin is not None
        await self.admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    async def fresh(self, system: str) -> str:
        """A new database cloned from the system's template; returns its URL."""
        assert self.admin is not None
        database = f"peers_{system}"
        await self.drop(database)
        for attempt in range(50):
            try:
                await self.admin.execute(
                    f'CREATE DATABASE "{database}" TEMPLATE "peers_tpl_{system}"'
                )
                break
            except asyncpg.ObjectInUseError:  # a driver's connection to the template closing
                if attempt == 49:
                    raise
                await asyncio.sleep(0.2)
        return self.url(database)

    async def analyze(self, database: str) -> None:
        conn = await asyncpg.connect(self.url(database))
        try:
            await conn.execute("ANALYZE")
        finally:
            await conn.close()

    async def enqueue(self, system: str, kind: str, keyed: bool, c: int) -> tuple[float, float]:
        assert self.cpu is not None
        driver = self.drivers[system]
        await driver.send(
            {
                "op": "enqueue",
                "url": await self.fresh(system),
                "kind": kind,
                "key": keyed,
                "c": c,
                "batch": BATCH,
                "seconds": self.sizes.seconds,
                "warmup": self.sizes.warmup,
            }
        )
        await driver.expect("ready", 120)
        cpu0 = self.cpu.seconds()
        await driver.send({"op": "go"})
        result = await driver.expect("ops", self.sizes.seconds + 120)
        cpu1 = self.cpu.seconds()
        await driver.expect("closed", 60)
        ops = int(result["ops"])
        return ops / float(result["seconds"]), (cpu1 - cpu0) / max(ops, 1) * 1e6

    async def drain(self, name: str, c: int) -> tuple[float, float, int, bool]:
        assert self.cpu is not None
        system, extra = DRAINS[name]
        driver = self.drivers[system]
        n, timeout = self.sizes.drain_n, self.sizes.drain_timeout
        await driver.send(
            {"op": "drain", "url": await self.fresh(system), "c": c, "n": n, "timeout": timeout}
            | extra
        )
        await driver.expect("ready", 600)
        # Statistics for the filled queue, as autovacuum would soon gather on a live one: no
        # system drains 20,000 jobs on a plan made for an empty table.
        await self.analyze(f"peers_{system}")
        await driver.send({"op": "go"})
        marks: list[tuple[int, float, float]] = []
        while True:
            message = await driver.receive(timeout + 120)
            if "progress" in message:
                marks.append((int(message["progress"]), time.perf_counter(), self.cpu.seconds()))
            elif "done" in message:
                break
        await driver.expect("closed", 120)
        if len(marks) < 2 or marks[-1][0] <= marks[0][0]:
            raise BenchError(f"{name} at concurrency {c} handled {len(marks)} progress marks")
        (first, t0, cpu0), (last, t1, cpu1) = marks[0], marks[-1]
        jobs = last - first
        return jobs / (t1 - t0), (cpu1 - cpu0) / jobs * 1e6, last, last < n

    async def run(self) -> dict[str, Any]:
        enqueue: dict[str, Measure] = {}
        drain: dict[str, Measure] = {}
        loads: list[str] = [uptime()]
        cases = [
            (k, keyed, c) for k in ("single", "batch") for keyed in (False, True) for c in (1, 8)
        ]
        drains = [d for d in DRAINS if DRAINS[d][0] in self.systems]
        for r in range(self.sizes.rounds):
            # Rotate the order each round so no system always goes first.
            order = self.systems[r % len(self.systems) :] + self.systems[: r % len(self.systems)]
            for kind, keyed, c in cases:
                for system in order:
                    if (system, kind, keyed) in UNSUPPORTED:
                        continue
                    rate, cpu = await self.enqueue(system, kind, keyed, c)
                    m = enqueue.setdefault(f"{system}|{kind}|{keyed}|{c}", Measure())
                    m.jobs_per_s.append(rate)
                    m.cpu_us_per_job.append(cpu)
                    print(
                        f"  round {r + 1} enqueue {kind:6} key={keyed!s:5} c={c}  "
                        f"{LABELS[system]:24} {rate:9.0f} jobs/s  {cpu:7.0f} µs CPU/job",
                        flush=True,
                    )
            dorder = drains[r % len(drains) :] + drains[: r % len(drains)]
            for c in (1, 8):
                for name in dorder:
                    rate, cpu, jobs, capped = await self.drain(name, c)
                    m = drain.setdefault(f"{name}|{c}", Measure())
                    m.jobs_per_s.append(rate)
                    m.cpu_us_per_job.append(cpu)
                    m.jobs.append(jobs)
                    m.capped = m.capped or capped
                    note = f"  (timeout: {jobs} jobs)" if capped else ""
                    print(
                        f"  round {r + 1} drain c={c}  {LABELS[name]:44} {rate:8.0f} jobs/s  "
                        f"{cpu:6.0f} µs CPU/job{note}",
                        flush=True,
                    )
            loads.append(uptime())
            if self.checkpoint is not None:  # each finished round, in case the run is cut short
                self.checkpoint.write_text(
                    json.dumps(
                        {
                            "rounds_completed": r + 1,
                            "enqueue": {k: v.as_dict() for k, v in enqueue.items()},
                            "drain": {k: v.as_dict() for k, v in drain.items()},
                            "uptime": loads,
                        },
                        indent=2,
                    )
                    + "\n"
                )
        return {
            "enqueue": {k: v.as_dict() for k, v in enqueue.items()},
            "drain": {k: v.as_dict() for k, v in drain.items()},
            "uptime": loads,
        }

    async def close(self) -> None:
        for driver in self.drivers.values():
            await driver.close()
        if self.admin is not None:
            for system in self.systems:
                with contextlib.suppress(Exception):
                    await self.drop(f"peers_{system}")
            await self.admin.close()


def uptime() -> str:
    try:
        return run_checked(["uptime"], "uptime")
    except BenchError:
        load = Path("/proc/loadavg").read_text().split()[:3]
        return "load average: " + ", ".join(load)


def versions() -> dict[str, str]:
    found: dict[str, str] = {}
    package = json.loads((PEERS / "package.json").read_text())
    found.update(package["dependencies"])
    for line in (PEERS / "requirements.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if name in ("procrastinate", "pgqueuer", "psycopg", "asyncpg"):
            found[f"{name} (peers venv)"] = version
    found["asyncpg (animus)"] = asyncpg.__version__
    found["node"] = subprocess.run(
        ["node", "--version"], capture_output=True, text=True
    ).stdout.strip()
    return found


# ---- report ---------------------------------------------------------------------------------
def fmt(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def get(table: dict[str, Any], key: str, field_name: str) -> float | None:
    entry = table.get(key)
    return None if entry is None else entry[field_name]


def targets(result: dict[str, Any], systems: list[str]) -> list[dict[str, Any]]:
    drain, enqueue = result["drain"], result["enqueue"]
    peers = [s for s in systems if s != "animus"]
    out: list[dict[str, Any]] = []
    for c in (1, 8):
        w = get(drain, f"animus worker|{c}", "cpu_us_per_job")
        loop = get(drain, f"animus raw loop|{c}", "cpu_us_per_job")
        r = ratio(w, loop)
        out.append(
            {
                "target": f"worker server CPU/job <= 1.3x the raw loop, c{c}",
                "value": r,
                "met": None if r is None else r <= 1.3,
            }
        )
    w8 = get(drain, "animus worker|8", "jobs_per_s")
    r8 = ratio(w8, get(drain, "animus raw loop|8", "jobs_per_s"))
    out.append(
        {"target": "worker jobs/s >= 0.6x the raw loop, c8", "value": r8, "met": r8 and r8 >= 0.6}
    )
    for c in (1, 8):
        w = get(drain, f"animus worker|{c}", "jobs_per_s")
        best = max((get(drain, f"{p}|{c}", "jobs_per_s") or 0.0 for p in peers), default=None)
        r = ratio(w, best)
        out.append(
            {
                "target": f"worker faster than every peer's worker, c{c}",
                "value": r,
                "met": None if r is None else r > 1.0,
            }
        )
    for c in (1, 8):
        a = get(enqueue, f"animus|single|True|{c}", "jobs_per_s")
        best = max(
            (get(enqueue, f"{p}|single|True|{c}", "jobs_per_s") or 0.0 for p in peers),
            default=None,
        )
        r = ratio(a, best)
        out.append(
            {
                "target": f"single enqueue with a key ahead of every peer, {c} connection(s)",
                "value": r,
                "met": None if r is None else r > 1.0,
            }
        )
    return out


def print_report(result: dict[str, Any], systems: list[str]) -> None:
    enqueue, drain = result["enqueue"], result["drain"]
    print("\nEnqueue, jobs/s (server CPU µs/job); ratio = animus / system")
    cases = [(k, keyed) for k in ("single", "batch") for keyed in (False, True)]
    header = "| system | " + " | ".join(
        f"{k}{' +key' if keyed else ''} c{c}" for k, keyed in cases for c in (1, 8)
    )
    print(header + " |")
    print("|---" * (1 + 2 * len(cases)) + "|")
    for system in systems:
        cells = []
        for kind, keyed in cases:
            for c in (1, 8):
                key = f"{system}|{kind}|{keyed}|{c}"
                rate = get(enqueue, key, "jobs_per_s")
                cpu = get(enqueue, key, "cpu_us_per_job")
                base = get(enqueue, f"animus|{kind}|{keyed}|{c}", "jobs_per_s")
                rel = ratio(base, rate)
                cells.append(
                    "n/a"
                    if rate is None
                    else f"{fmt(rate)} ({fmt(cpu)} µs)"
                    + ("" if system == "animus" else f" x{fmt(rel, 2)}")
                )
        print(f"| {LABELS[system]} | " + " | ".join(cells) + " |")
    print("\nDrain, jobs/s (server CPU µs/job); vs loop = jobs/s / raw read_work loop's")
    print("| worker | c1 | c8 | vs loop c1 | vs loop c8 | CPU vs loop c1 | CPU vs loop c8 |")
    print("|---|---|---|---|---|---|---|")
    for name, (system, _) in DRAINS.items():
        if system not in systems:
            continue
        cells = []
        for c in (1, 8):
            rate = get(drain, f"{name}|{c}", "jobs_per_s")
            cpu = get(drain, f"{name}|{c}", "cpu_us_per_job")
            capped = drain.get(f"{name}|{c}", {}).get("capped_by_timeout")
            cells.append(f"{fmt(rate)} ({fmt(cpu)} µs){' *' if capped else ''}")
        for field_name in ("jobs_per_s", "cpu_us_per_job"):
            for c in (1, 8):
                cells.append(
                    fmt(
                        ratio(
                            get(drain, f"{name}|{c}", field_name),
                            get(drain, f"animus raw loop|{c}", field_name),
                        ),
                        2,
                    )
                )
        print(f"| {LABELS[name]} | " + " | ".join(cells) + " |")
    if any(v.get("capped_by_timeout") for v in drain.values()):
        print("* stopped at the drain timeout; the rate is over the jobs handled by then")
    print("\nTargets (issue 24 part 6)")
    for t in result["targets"]:
        met = "n/a" if t["met"] is None else ("met" if t["met"] else "NOT met")
        print(f"- {t['target']}: {fmt(t['value'], 2)} -> {met}")
    print("\nload: " + " | ".join(result["uptime"]))


async def amain() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="a smoke run with small counts")
    mode.add_argument("--full", action="store_true", help="the full run (the default)")
    parser.add_argument("--rounds", type=int, help="rounds (median taken); default 3, quick 1")
    parser.add_argument("--seconds", type=float, help="seconds per enqueue case")
    parser.add_argument("--drain", type=int, help="jobs per drain (default 20000, quick 400)")
    parser.add_argument(
        "--drain-timeout", type=float, help="stop a drain after this many seconds (default 120)"
    )
    parser.add_argument("--only", help=f"comma-separated systems from {','.join(ENQUEUERS)}")
    parser.add_argument("--output", type=Path, help="JSON path (default bench/results/peers*.json)")
    parser.add_argument(
        "--report", type=Path, metavar="JSON", help="print the tables of an earlier run's JSON"
    )
    args = parser.parse_args()
    if args.report:
        earlier = json.loads(args.report.read_text())  # a finished run, or a .partial.json
        systems = earlier.get("meta", {}).get("systems", ENQUEUERS)
        earlier.setdefault("targets", targets(earlier, systems))
        print_report(earlier, systems)
        return 0
    quick = bool(args.quick)
    sizes = Sizes(
        rounds=args.rounds or (1 if quick else 3),
        seconds=args.seconds or (0.3 if quick else 5.0),
        warmup=0.3 if quick else 1.0,
        drain_n=args.drain or (400 if quick else 20_000),
        drain_timeout=args.drain_timeout or (5.0 if quick else 120.0),
    )
    systems = args.only.split(",") if args.only else list(ENQUEUERS)
    unknown = set(systems) - set(ENQUEUERS)
    if unknown or "animus" not in systems:
        parser.error(f"--only takes animus plus any of {', '.join(ENQUEUERS[1:])}")
    output = args.output or RESULTS / ("peers_quick.json" if quick else "peers.json")
    bench = Bench(sizes, systems)
    bench.checkpoint = output.with_suffix(".partial.json")
    started = time.time()
    try:
        await bench.setup()
        result = await bench.run()
    except BenchError as exc:
        print(f"bench/peers.py: {exc}", file=sys.stderr)
        return 1
    finally:
        await bench.close()
    result["targets"] = targets(result, systems)
    result["meta"] = {
        "mode": "quick" if quick else "full",
        "sizes": sizes.__dict__,
        "batch": BATCH,
        "systems": systems,
        "versions": versions(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "wall_seconds": round(time.time() - started),
        "unsupported": {"|".join(map(str, k)): v for k, v in UNSUPPORTED.items()},
    }
    bench.checkpoint.unlink(missing_ok=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print_report(result, systems)
    print(f"\nwrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(amain()))

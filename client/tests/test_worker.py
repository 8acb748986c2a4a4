"""``animus.worker`` against the real database: heartbeats, leases, cancel, shutdown, concurrency.

No assertion here is about time: each checks what happened (how often a handler ran, which
state an item ended in, that ten handlers were inside the same barrier at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import signal
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from animus import Db, NewWorkItem, WorkItem
from animus.cli import main
from animus.worker import (
    RECENT_RESULTS,
    HandlerError,
    MissingText,
    Worker,
    check_handler,
    item_text,
    load_handler,
)

from . import _db


async def new_queue(db: Db) -> str:
    return await _db.new_queue(db, "wrk")


async def submit(db: Db, queue: str, n: int = 1, **params: Any) -> list[uuid.UUID]:
    results = await db.submit_batch(
        [
            NewWorkItem(queue_name=queue, work_type=queue, source="test", params=params)
            for _ in range(n)
        ]
    )
    return [r.work_id for r in results]


async def state_of(db: Db, work_id: uuid.UUID) -> str:
    row = await db.work_item(work_id)
    assert row is not None
    return str(row["state"])


async def test_heartbeat_keeps_a_long_handler_to_one_run(db: Db) -> None:
    """A handler three times longer than vt runs once: the heartbeat keeps the item hidden from
    a second worker that polls the same queue all along."""
    queue = await new_queue(db)
    (work_id,) = await submit(db, queue)
    runs: list[uuid.UUID] = []
    started = asyncio.Event()

    async def slow(_: Db, item: WorkItem) -> None:
        runs.append(item.id)
        started.set()
        await asyncio.sleep(6.3)  # more than three times vt

    # vt 2 s: the heartbeat extends it every 0.67 s, which leaves slack on a loaded machine.
    first = Worker(db, [queue], slow, vt_seconds=2, poll_interval=0.1)
    second = Worker(db, [queue], slow, vt_seconds=2, poll_interval=0.1)
    first_run = asyncio.ensure_future(first.run(max_items=1))
    await started.wait()
    second_run = asyncio.ensure_future(second.run())
    await first_run
    second.stop()
    second_stats = await second_run
    assert runs == [work_id], "the item was delivered twice"
    assert second_stats.read == 0


async def test_a_lost_lease_drops_the_result_and_the_worker_carries_on(db: Db) -> None:
    queue = await new_queue(db)
    (work_id,) = await submit(db, queue)
    redelivered: list[WorkItem] = []

    async def outlives_its_vt(_: Db, item: WorkItem) -> dict[str, Any]:
        # No heartbeat reaches the database before vt runs out: another reader gets the item.
        await asyncio.sleep(1.3)
        redelivered.extend(await db.read_work(queue, 60))
        return {"late": True}

    worker = Worker(db, [queue], outlives_its_vt, vt_seconds=1, heartbeat_seconds=30)
    stats = await worker.run(max_items=1)
    assert stats.lost == 1 and stats.completed == 0
    assert [r.state for r in stats.recent] == ["lost"]
    assert [i.id for i in redelivered] == [work_id] and redelivered[0].lease == 2
    row = await db.work_item(work_id)
    assert row is not None and row["state"] == "running" and row["outcome_data"] is None
    await db.complete(redelivered[0], {"current": True})
    assert await state_of(db, work_id) == "completed"


async def test_cancel_stops_a_running_handler(db: Db) -> None:
    queue = await new_queue(db)
    (work_id,) = await submit(db, queue)
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def waits_forever(_: Db, item: WorkItem) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    worker = Worker(db, [queue], waits_forever, vt_seconds=1)
    run = asyncio.ensure_future(worker.run(max_items=1))
    await started.wait()
    assert await db.cancel(work_id, "the user gave up") == "running"
    stats = await run
    assert cancelled.is_set(), "the handler was not cancelled"
    assert stats.cancelled == 1 and stats.completed == 0 and stats.failed == 0
    row = await db.work_item(work_id)
    assert row is not None and row["state"] == "dead"
    assert row["outcome_error"] == "cancelled: the user gave up"


async def test_ten_handlers_overlap_with_concurrency_ten(db: Db) -> None:
    queue = await new_queue(db)
    ids = await submit(db, queue, 10)
    barrier = asyncio.Barrier(10)
    most_at_once = 0

    async def meet(_: Db, item: WorkItem) -> dict[str, Any]:
        nonlocal most_at_once
        # Passes only when all ten are inside at once; a worker running them one after another
        # would wait here for ever (and fail the item after the timeout).
        async with asyncio.timeout(60):
            await barrier.wait()
        most_at_once = max(most_at_once, worker.running)
        return {"met": True}

    worker = Worker(db, [queue], meet, concurrency=10, vt_seconds=30)
    stats = await worker.run(until_empty=True)
    assert stats.completed == 10 and stats.failed == 0
    assert most_at_once == 10
    assert {await state_of(db, i) for i in ids} == {"completed"}


async def test_reads_only_as_many_items_as_free_slots(db: Db) -> None:
    queue = await new_queue(db)
    await submit(db, queue, 5)
    release = asyncio.Event()
    both_in = asyncio.Event()
    entered = 0

    async def hold(_: Db, item: WorkItem) -> None:
        nonlocal entered
        entered += 1
        if entered == 2:
            both_in.set()
        await release.wait()

    worker = Worker(db, [queue], hold, concurrency=2, vt_seconds=30, poll_interval=0.05)
    run = asyncio.ensure_future(worker.run(until_empty=True))
    await both_in.wait()
    await asyncio.sleep(0.3)  # several polls with no free slot
    assert worker.stats.read == 2
    overview = {r["queue_name"]: r for r in await db.queue_overview()}
    assert overview[queue]["running"] == 2 and overview[queue]["queued"] == 3
    release.set()
    stats = await run
    assert stats.completed == 5


async def test_a_sync_handler_runs_in_a_thread(db: Db) -> None:
    queue = await new_queue(db)
    (work_id,) = await submit(db, queue, word="hello")
    threads: list[str] = []

    def shout(_: Db, item: WorkItem) -> dict[str, Any]:
        threads.append(threading.current_thread().name)
        return {"said": str(item.params["word"]).upper()}

    stats = await Worker(db, [queue], shout).run(until_empty=True)
    assert stats.completed == 1
    assert threads and threads[0] != threading.main_thread().name
    row = await db.work_item(work_id)
    assert row is not None and row["outcome_data"] == {"said": "HELLO"}


async def test_the_default_handler_fails_an_item_without_text(db: Db) -> None:
    queue = await new_queue(db)
    (work_id,) = await submit(db, queue)  # params {}
    stats = await Worker(db, [queue], retry_delay_seconds=3600).run(max_items=1)
    assert stats.failed == 1 and stats.completed == 0
    row = await db.work_item(work_id)
    assert row is not None and row["state"] == "queued"
    assert row["outcome_error"].startswith("MissingText: the item has no text to remember")


def test_item_text_refuses_params_without_text() -> None:
    item = WorkItem.model_construct(params={"n": 1})
    with pytest.raises(MissingText, match=r"params\.text"):
        item_text(item)


def test_handlers_that_are_neither_sync_nor_async_are_refused() -> None:
    def gen(db: Db, item: WorkItem) -> Any:
        yield None

    async def agen(db: Db, item: WorkItem) -> Any:
        yield None

    for bad in (gen, agen, 42, WorkItem):
        with pytest.raises(HandlerError):
            check_handler(bad)
    with pytest.raises(HandlerError, match="no 'nothing_here'"):
        load_handler("animus.worker:nothing_here")
    with pytest.raises(HandlerError, match="cannot import"):
        load_handler("no_such_module_anywhere:fn")


def test_a_handler_imports_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my_handlers_cwd.py").write_text("def handle(db, item):\n    return {}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    handler = load_handler("my_handlers_cwd:handle")
    assert handler.__name__ == "handle"


def run_hung_worker(database_url: str, tmp_path: Path, signals: list[int], timeout: str) -> str:
    """Run ``animus work run`` on one item whose (sync) handler hangs for an hour, send
    ``signals`` once it started, and return the item's ``state|outcome_error``."""
    queue = f"wrk_{uuid.uuid4().hex[:12]}"
    work_id = _db.psql(
        database_url,
        f"SELECT animus.create_queue('{queue}'); "
        f"SELECT work_id FROM animus.submit_work('{queue}', '{queue}', 'test')",
    ).split()[-1]
    (tmp_path / "hung_handler.py").write_text(
        textwrap.dedent(
            """
            import sys, time

            def hang(db, item):
                print("handler started", file=sys.stderr, flush=True)
                time.sleep(3600)
            """
        )
    )
    # The handler module is found in the working directory (tmp_path), not on sys.path.
    argv = ["work", "run", queue, "--handler", "hung_handler:hang", "--shutdown-timeout", timeout]
    proc = subprocess.Popen(
        [sys.executable, "-m", "animus", *argv, "--vt", "30", "--url", database_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert proc.stderr is not None
        lines: list[str] = []
        while not any("handler started" in line for line in lines):
            line = proc.stderr.readline()
            assert line, "".join(lines)
            lines.append(line)
        for n, sig in enumerate(signals):
            proc.send_signal(sig)
            if n + 1 < len(signals):
                # Signals of one kind sent together may arrive as one: wait for the first to land.
                while not any("finishing" in line for line in lines):
                    line = proc.stderr.readline()
                    assert line, "".join(lines)
                    lines.append(line)
        # Bounded by the shutdown timeout plus slack; never by the hour-long handler.
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "1 handed back" in stderr and "Traceback" not in stderr, stderr
    return _db.psql(
        database_url,
        f"SELECT state || '|' || outcome_error FROM animus.work_items WHERE id = '{work_id}'",
    )


def test_sigterm_with_a_hung_handler_hands_the_item_back(database_url: str, tmp_path: Path) -> None:
    state = run_hung_worker(database_url, tmp_path, [signal.SIGTERM], timeout="1")
    assert state == "queued|the worker shut down before the handler finished"


def test_a_second_sigint_stops_at_once(database_url: str, tmp_path: Path) -> None:
    # The shutdown timeout is an hour: only the second interrupt can end this run.
    state = run_hung_worker(database_url, tmp_path, [signal.SIGINT, signal.SIGINT], timeout="3600")
    assert state == "queued|the worker shut down before the handler finished"


async def test_memory_stays_flat(db: Db) -> None:
    """A long-running worker keeps counters and the last RECENT_RESULTS results, nothing more."""
    queue = await new_queue(db)
    await submit(db, queue, RECENT_RESULTS + 50)

    async def noop(_: Db, item: WorkItem) -> None:
        return None

    worker = Worker(db, [queue], noop, concurrency=5)
    stats = await worker.run(until_empty=True)
    assert stats.completed == RECENT_RESULTS + 50
    assert len(stats.recent) == RECENT_RESULTS
    assert worker.running == 0
    assert not hasattr(stats, "results")


def test_work_cancel_from_the_cli(database_url: str) -> None:
    queue = f"wrk_{uuid.uuid4().hex[:12]}"
    work_id = _db.psql(
        database_url,
        f"SELECT animus.create_queue('{queue}'); "
        f"SELECT work_id FROM animus.submit_work('{queue}', '{queue}', 't', dedup_key => 'k')",
    ).split()[-1]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["work", "cancel", work_id, "--reason", "not needed", "--json", "--url", database_url]
        )
    assert code == 0
    assert json.loads(out.getvalue()) == {
        "work_id": work_id,
        "state": "dead",
        "was": "queued",
        "reason": "not needed",
    }
    row = _db.psql(
        database_url, f"SELECT state, outcome_error FROM animus.work_items WHERE id = '{work_id}'"
    )
    assert row == "dead|cancelled: not needed"


async def test_a_dropped_result_is_a_metric_and_a_span_event(database_url: str) -> None:
    from .test_telemetry_wiring import telemetry_session

    session = telemetry_session()
    telemetry = next(session)
    started = asyncio.Event()

    async def waits(_: Db, item: WorkItem) -> None:
        started.set()
        await asyncio.Event().wait()

    try:
        async with await Db.connect(database_url) as db:
            queue = await new_queue(db)
            (work_id,) = await submit(db, queue)
            worker = Worker(db, [queue], waits, vt_seconds=1)
            run = asyncio.ensure_future(worker.run(max_items=1))
            await started.wait()
            await db.cancel(work_id, "metric test")
            await run
        process = [s for s in telemetry.finished() if s.name.startswith("process")]
        events = [e for s in process for e in s.events if e.name == "animus.work.dropped"]
        assert [e.attributes["reason"] for e in events if e.attributes] == ["cancelled"]
        points = telemetry.points("animus.worker.dropped")
        assert [(p.value, p.attributes["reason"]) for p in points] == [(1, "cancelled")]
    finally:
        session.close()

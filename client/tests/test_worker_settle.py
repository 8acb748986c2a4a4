"""The worker settles item by item, keeps each attempt's error, and never spends an attempt on
its own misconfiguration (issue 24, parts 3 and 4).

No assertion here is about time: each checks what the database holds afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import animus
from animus import Db, NewWorkItem, WorkItem
from animus.errors import SetupError
from animus.worker import Retry, TaskRegistry, Worker

from . import _db

#: Over complete_work's 1 MiB limit for outcome_data.
BIG = "x" * (2 * 1024 * 1024)


async def submit(db: Db, queue: str, work_type: str, n: int = 1, **params: Any) -> list[uuid.UUID]:
    results = await db.submit_batch(
        [
            NewWorkItem(queue_name=queue, work_type=work_type, source="test", params=params)
            for _ in range(n)
        ]
    )
    return [r.work_id for r in results]


def cli(*argv: str) -> str:
    """``animus ARGV`` in a process of its own (the tests' event loop runs here); its stdout."""
    proc = subprocess.run(
        [sys.executable, "-m", "animus", *argv], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


async def item_row(db: Db, work_id: uuid.UUID) -> dict[str, Any]:
    row = await db.work_item(work_id)
    assert row is not None
    return row


def test_one_refused_result_fails_that_item_alone_from_the_cli(
    database_url: str, tmp_path: Path
) -> None:
    """The issue's case: 8 items at --concurrency 8, one handler returns 2 MiB. That item fails
    with AN006 in its history, the 7 others complete, and the summary says so."""
    queue = f"wst_{uuid.uuid4().hex[:12]}"
    _db.psql(
        database_url,
        f"SELECT animus.create_queue('{queue}'); "
        f"SELECT animus.submit_work('{queue}', 'job', 'test', jsonb_build_object('i', g)) "
        "FROM generate_series(1, 8) AS g",
    )
    (tmp_path / "big_handler.py").write_text(
        textwrap.dedent(
            """
            async def handle(db, item):
                if item.params["i"] == 5:
                    return {"blob": "x" * (2 * 1024 * 1024)}
                return {"i": item.params["i"]}
            """
        )
    )
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "animus", "work", "run", queue),
            *("--handler", "big_handler:handle", "--concurrency", "8", "--max-items", "8"),
            *("--embedder", "local", "--url", database_url),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "worker: 7 completed, 1 failed" in proc.stderr, proc.stderr
    rows = _db.psql(
        database_url,
        "SELECT params->>'i', state, attempts, coalesce(outcome_error, '') FROM animus.work_items "
        f"WHERE queue_name = '{queue}' ORDER BY (params->>'i')::int",
    ).splitlines()
    states = {line.split("|")[0]: line.split("|")[1:] for line in rows}
    assert [i for i, (state, *_) in states.items() if state == "completed"] == [
        "1", "2", "3", "4", "6", "7", "8"
    ]  # fmt: skip
    state, attempts, error = states["5"]
    assert (state, attempts) == ("queued", "1")
    assert error.startswith("the result was refused: AN006"), error
    history = _db.psql(
        database_url,
        "SELECT a.attempt || '|' || a.kind || '|' || a.error FROM animus.work_attempts a "
        f"JOIN animus.work_items w ON w.id = a.work_id WHERE w.queue_name = '{queue}'",
    )
    assert history.startswith("1|failed|the result was refused: AN006"), history


async def test_one_refused_result_alone_with_single_completes(db: Db) -> None:
    """The same at concurrency 1, where each result is completed on its own: the refused one
    fails, the next item is still handled and completed."""
    queue = await _db.new_queue(db, "wst")
    (small,) = await submit(db, queue, "job", size="small")
    (big,) = await submit(db, queue, "job", size="big")

    async def handle(_: Db, item: WorkItem) -> dict[str, Any]:
        return {"blob": BIG} if item.params["size"] == "big" else {"ok": True}

    worker = Worker(db, [queue], handle, concurrency=1, retry_delay_seconds=3600)
    stats = await worker.run(until_empty=True)
    assert (stats.completed, stats.failed, stats.refused) == (1, 1, 1)
    assert (await item_row(db, small))["state"] == "completed"
    row = await item_row(db, big)
    assert row["state"] == "queued" and "AN006" in row["outcome_error"]


async def test_a_result_that_is_not_json_fails_that_item_alone(db: Db) -> None:
    queue = await _db.new_queue(db, "wst")
    ids = await submit(db, queue, "job", 4)

    async def handle(_: Db, item: WorkItem) -> Any:
        return {"not json": object()} if item.id == ids[2] else {"ok": True}

    stats = await Worker(db, [queue], handle, concurrency=4, retry_delay_seconds=3600).run(
        until_empty=True
    )
    assert (stats.completed, stats.failed) == (3, 1)
    states = [(await item_row(db, i))["state"] for i in ids]
    assert states == ["completed", "completed", "queued", "completed"]


async def test_completion_clears_the_error_and_keeps_the_history(db: Db, database_url: str) -> None:
    """A retry that succeeds: the completed item carries no outcome_error, and the first
    attempt's error is in its history, shown by `animus work show`."""
    queue = await _db.new_queue(db, "wst")
    (work_id,) = await submit(db, queue, "job")

    async def flaky(_: Db, item: WorkItem) -> dict[str, Any]:
        if item.attempts == 1:
            raise RuntimeError("upstream hiccup")
        return {"attempt": item.attempts}

    stats = await Worker(db, [queue], flaky, retry_delay_seconds=0).run(until_empty=True)
    assert (stats.completed, stats.failed) == (1, 1)
    row = await item_row(db, work_id)
    assert (row["state"], row["outcome_error"], row["outcome_data"]) == (
        "completed",
        None,
        {"attempt": 2},
    )
    shown = json.loads(cli("work", "show", str(work_id), "--json", "--url", database_url))
    assert [(a["attempt"], a["kind"], a["error"]) for a in shown["attempts"]] == [
        (1, "failed", "RuntimeError: upstream hiccup")
    ]
    shown_text = cli("work", "show", str(work_id), "--url", database_url)
    assert "RuntimeError: upstream hiccup" in shown_text


async def test_an_unknown_type_is_handed_back_without_an_attempt(db: Db) -> None:
    queue = await _db.new_queue(db, "wst")
    (known,) = await submit(db, queue, "known")
    (other,) = await submit(db, queue, "other")

    async def handle(_: Db, item: WorkItem) -> dict[str, Any]:
        return {"handled": item.work_type}

    worker = Worker(db, [queue], handlers={"known": handle}, setup_retry_seconds=3600)
    stats = await worker.run(until_empty=True)
    assert (stats.completed, stats.failed, stats.released) == (1, 0, 1)
    assert (await item_row(db, known))["state"] == "completed"
    row = await item_row(db, other)
    assert (row["state"], row["attempts"]) == ("queued", 0)
    assert "no handler for work type 'other'" in row["outcome_error"]
    (attempt,) = await db.work_attempts(other)
    assert attempt["kind"] == "handed_back"


@pytest.mark.parametrize(
    "error",
    [SetupError("OPENAI_API_KEY is not set"), ModuleNotFoundError("No module named 'x'")],
    ids=["SetupError", "ImportError"],
)
async def test_a_setup_error_never_dead_letters_a_healthy_item(
    db: Db, error: BaseException
) -> None:
    """A handler that cannot run here hands the item back each time without spending its
    attempts: after more deliveries than max_attempts, it is still queued."""
    queue = await _db.new_queue(db, "wst")
    result = await db.submit_work(
        NewWorkItem(queue_name=queue, work_type="job", source="test", max_attempts=2)
    )

    async def misconfigured(_: Db, item: WorkItem) -> None:
        raise error

    # setup_retry_seconds=0: handed back visible at once, so each run delivers it again.
    worker = Worker(db, [queue], misconfigured, setup_retry_seconds=0)
    stats = await worker.run(max_items=4)
    assert stats.released == 4 and stats.failed == 0
    row = await item_row(db, result.work_id)
    assert (row["state"], row["attempts"]) == ("queued", 0)


async def test_the_default_handler_without_an_embedder_stops_at_start(
    database_url: str,
) -> None:
    """Preflight: remember needs an embedder; without one the worker refuses to start and the
    item stays untouched, instead of failing it five times."""
    async with await Db.connect(database_url) as db:
        queue = await _db.new_queue(db, "wst")
        (work_id,) = await submit(db, queue, "job", text="hello")
        with pytest.raises(SetupError, match="needs an embedder"):
            await Worker(db, [queue]).run(until_empty=True)
        row = await item_row(db, work_id)
        assert (row["state"], row["attempts"]) == ("queued", 0)


def test_a_custom_handler_gets_the_default_embedder_from_the_cli(
    database_url: str, tmp_path: Path
) -> None:
    """The issue's case: `--handler agent:handler` without --embedder, a handler that stores a
    memory. The local embedder is the default, so the item completes."""
    queue = f"wst_{uuid.uuid4().hex[:12]}"
    work_id = _db.psql(
        database_url,
        f"SELECT animus.create_queue('{queue}'); "
        f"SELECT work_id FROM animus.submit_work('{queue}', 'note', 'test', "
        """'{"text": "the worker found its embedder"}')""",
    ).split()[-1]
    (tmp_path / "agent_handler.py").write_text(
        textwrap.dedent(
            """
            from animus import NewMemory

            async def handler(db, item):
                (memory_id,) = await db.store_memories(
                    [NewMemory(content=item.params["text"], memory_type="wst_note")]
                )
                return {"memory_id": memory_id}
            """
        )
    )
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "animus", "work", "run", queue),
            *("--handler", "agent_handler:handler", "--until-empty", "--url", database_url),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert "worker: 1 completed, 0 failed" in proc.stderr, proc.stderr
    state = _db.psql(database_url, f"SELECT state FROM animus.work_items WHERE id = '{work_id}'")
    assert state == "completed"


class Greeting(BaseModel):
    name: str
    times: int = 1


async def test_tasks_by_type_with_retry_policy_timeout_and_params(
    db: Db, database_url: str
) -> None:
    """The task API: handlers per type; a retry policy stored in the database (psql sees it)
    that dead-letters after its own max_attempts; a timeout; typed params."""
    queue = await _db.new_queue(db, "wst")
    suffix = uuid.uuid4().hex[:8]
    tasks = animus.TaskRegistry()
    assert isinstance(tasks, TaskRegistry) and animus.Worker is Worker

    @tasks.task(f"greet_{suffix}", params=Greeting)
    async def greet(_: Db, item: WorkItem, params: Greeting) -> dict[str, Any]:
        return {"greeting": " ".join([f"hello {params.name}"] * params.times)}

    @tasks.task(f"flaky_{suffix}", retry=Retry(max_attempts=2, base_seconds=0))
    def always_fails(_: Db, item: WorkItem) -> None:
        raise RuntimeError(f"attempt {item.attempts} failed")

    @tasks.task(f"slow_{suffix}", timeout=0.2, retry=Retry(max_attempts=1))
    async def slow(_: Db, item: WorkItem) -> None:
        import asyncio

        await asyncio.sleep(3600)

    (greeted,) = await submit(db, queue, f"greet_{suffix}", name="ada", times=2)
    (bad_params,) = await submit(db, queue, f"greet_{suffix}", nom="ada")
    (flaky,) = await submit(db, queue, f"flaky_{suffix}")
    (timed_out,) = await submit(db, queue, f"slow_{suffix}")

    worker = Worker(db, [queue], tasks=tasks, concurrency=4, retry_delay_seconds=None)
    await db.set_queue_policy(queue, 0)
    stats = await worker.run(until_empty=True)

    policy = _db.psql(
        database_url,
        "SELECT max_attempts || '|' || retry_base_seconds FROM animus.work_type_policies "
        f"WHERE work_type = 'flaky_{suffix}'",
    )
    assert policy == "2|0"
    assert (await item_row(db, greeted))["outcome_data"] == {"greeting": "hello ada hello ada"}
    flaky_row = await item_row(db, flaky)
    assert (flaky_row["state"], flaky_row["attempts"]) == ("dead", 2)
    assert [a["error"] for a in await db.work_attempts(flaky)] == [
        "RuntimeError: attempt 1 failed",
        "RuntimeError: attempt 2 failed",
    ]
    slow_row = await item_row(db, timed_out)
    assert slow_row["state"] == "dead" and "timed out after 0.2 s" in slow_row["outcome_error"]
    bad = await item_row(db, bad_params)
    assert "ValidationError" in bad["outcome_error"]
    assert stats.completed == 1


def test_handlers_mapping_and_duplicate_types() -> None:
    async def a(_: Db, item: WorkItem) -> None:
        return None

    registry = TaskRegistry({"a": a})
    assert list(registry) == ["a"] and registry["a"].handler is a
    with pytest.raises(ValueError, match="already has a handler"):
        registry.add("a", a)
    with pytest.raises(ValueError, match="max_attempts"):
        Retry(max_attempts=0)

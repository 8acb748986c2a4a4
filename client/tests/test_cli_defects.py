"""The smaller CLI defects of issue 25, each tested the way a user meets it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from animus.cli.work import human_duration

from . import _db
from .test_cli import animus, as_json, ok


def _sub(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "animus", *args],
        capture_output=True,
        text=True,
        cwd=_db.ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_overview_shows_oldest_ready_age_as_the_docs_say(database_url: str) -> None:
    queue = f"ov_{uuid.uuid4().hex[:8]}"
    ok("work", "create-queue", queue, url=database_url)
    header = ok("work", "overview", url=database_url).splitlines()[0].split()
    assert "oldest_ready_age" in header and "oldest_queued_age" not in header
    docs = (_db.ROOT / "docs" / "queue.md").read_text()
    assert "`oldest_ready_age`" in docs


@pytest.mark.unit
@pytest.mark.parametrize(
    ("delta", "said"),
    [
        (dt.timedelta(days=7), "7 days"),
        (dt.timedelta(hours=36), "1 day 12 hours"),
        (dt.timedelta(minutes=90), "1 hour 30 minutes"),
        (dt.timedelta(seconds=1), "1 second"),
        (dt.timedelta(0), "0 seconds"),
    ],
)
def test_durations_read_as_a_person_says_them(delta: dt.timedelta, said: str) -> None:
    assert human_duration(delta) == said


def test_purge_dry_run_says_the_window_plainly(database_url: str) -> None:
    text = ok("work", "purge", "--dry-run", url=database_url)
    assert "older than 7 days;" in text and "0:00:00" not in text, text
    text = ok("work", "purge", "--dry-run", "--older-than", "36h", url=database_url)
    assert "older than 1 day 12 hours;" in text, text


def test_a_queue_name_typo_asks_did_you_mean(database_url: str) -> None:
    queue = f"typo_inbox_{uuid.uuid4().hex[:6]}"
    ok("work", "create-queue", queue, url=database_url)
    typo = queue.replace("inbox", "inbx")
    proc = animus("work", "submit", typo, "x", url=database_url)
    assert proc.returncode == 3
    hint = proc.stderr.strip().splitlines()[-1]
    assert hint.startswith(f"hint: did you mean {queue}"), hint
    assert "create-queue" not in hint
    far = animus("work", "submit", f"zz_{uuid.uuid4().hex}", "x", url=database_url)
    assert "create it first: animus work create-queue zz_" in far.stderr, far.stderr


def test_a_scope_typo_says_the_scope_holds_nothing(database_url: str) -> None:
    scope = f"tenant-{uuid.uuid4().hex[:8]}"
    ok("memory", "add", "the tenant prefers email", "--type", "pref", "--scope", scope,
       url=database_url)  # fmt: skip
    typo = scope[:-1] + ("x" if scope[-1] != "x" else "y")
    proc = animus("memory", "search", "email", "--scope", typo, url=database_url)
    assert proc.returncode == 0
    assert proc.stdout.strip() == "(no rows)"
    assert f"hint: scope '{typo}' holds no memories; did you mean {scope}?" in proc.stderr
    stats = animus("memory", "stats", "--scope", typo, url=database_url)
    assert f"scope '{typo}' holds no memories" in stats.stderr
    found = animus("memory", "search", "email", "--scope", scope, url=database_url)
    assert "hint:" not in found.stderr and "the tenant prefers email" in found.stdout


def test_console_telemetry_covers_every_database_command(database_url: str) -> None:
    queue = f"otel_{uuid.uuid4().hex[:8]}"
    ok("work", "create-queue", queue, url=database_url)
    proc = _sub(
        "work", "submit", queue, "x", "--json", "--url", database_url,
        env={"ANIMUS_OTEL_EXPORTER": "console"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "queued", "spans never mix with the output"
    assert f'"name": "send {queue}"' in proc.stderr
    search = _sub(
        "memory", "search", "anything", "--url", database_url,
        env={"ANIMUS_OTEL_EXPORTER": "console"},
    )  # fmt: skip
    assert search.returncode == 0, search.stderr
    assert '"name": "embeddings all-MiniLM-L6-v2"' in search.stderr


def test_script_demo_prints_no_stray_zero(server_url: str, tmp_path: Path) -> None:
    """script/demo deploys with Sqitch; a deploy script's SELECT printed its result ("0")
    between Sqitch's progress lines."""
    with _db.fresh_database(server_url, None) as url:
        out = _db.sqitch(url, "deploy", "--set", "embedding_dim=384").stdout
    progress = [line for line in out.splitlines() if line.startswith("  + ")]
    assert progress and all(line.endswith(" ok") for line in progress), [
        line for line in progress if not line.endswith(" ok")
    ]
    assert "0" not in [line.strip() for line in out.splitlines()]


def test_reembed_takes_a_scope(database_url: str) -> None:
    tenant, other = (f"re-{uuid.uuid4().hex[:8]}" for _ in range(2))
    kind = f"re_{uuid.uuid4().hex[:8]}"
    for scope in (tenant, other):
        ok("memory", "add", f"a note of {scope}", "--type", kind, "--scope", scope,
           url=database_url)  # fmt: skip
    # Mark both as made by another model, so both are due for a re-embed.
    _db.psql(database_url, f"UPDATE animus.memories SET embedding_model = 'old' "
                           f"WHERE memory_type = '{kind}'")  # fmt: skip
    done = as_json("memory", "reembed", "--type", kind, "--scope", tenant, url=database_url)
    assert done["reembedded"] == 1
    models = _db.psql(
        database_url,
        f"SELECT string_agg(scope || '=' || embedding_model, ',' ORDER BY scope = '{tenant}') "
        f"FROM animus.memories WHERE memory_type = '{kind}'",
    )
    assert models == f"{other}=old,{tenant}=all-MiniLM-L6-v2", "the other scope is left alone"
    rest = as_json("memory", "reembed", "--type", kind, url=database_url)
    assert rest["reembedded"] == 1, "no --scope: every scope"

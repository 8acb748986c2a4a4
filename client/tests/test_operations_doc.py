"""Every ```sql snippet of docs/operations.md runs, in order, on a seeded database.

The seed gives each section something to find: a completed item with a merged submission (the
provenance example, passed as the psql variable ``work_id``), two dead items with different
errors, a running item and a queued item that look stuck (their timestamps moved back), and
memories of two types, one of them embedded with two models.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import _db

DOC = _db.ROOT / "docs" / "operations.md"
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.DOTALL | re.MULTILINE)


def snippets() -> list[str]:
    return SQL_BLOCK.findall(DOC.read_text(encoding="utf-8"))


def _one(url: str, sql: str) -> str:
    return _db.psql(url, sql)


@pytest.fixture(scope="module")
def seeded(server_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    with _db.fresh_database(server_url, embedding_dim=3) as url:
        ids: dict[str, str] = {}
        _one(url, "SELECT animus.create_queue('inbox')")
        ids["done"] = _one(
            url,
            "SELECT work_id FROM animus.submit_work('inbox', 'summarize', 'agent-a', "
            """'{"doc": 42}', dedup_key => 'doc-42')""",
        )
        ids["merged"] = _one(
            url,
            "SELECT work_id FROM animus.submit_work('inbox', 'summarize', 'agent-b', "
            """'{"doc": 42}', dedup_key => 'doc-42', trigger_info => 'webhook')""",
        )
        assert _one(url, "SELECT id FROM animus.read_work('inbox', 30)") == ids["done"]
        _one(url, f"""SELECT animus.complete_work('{ids["done"]}', '{{"ok": true}}', 1200)""")
        for name, error in (("dead_503", "HTTP 503"), ("dead_timeout", "timeout after 30 s")):
            ids[name] = _one(
                url,
                f"SELECT work_id FROM animus.submit_work('inbox', 'fetch', 'agent-{name}', "
                "max_attempts => 1)",
            )
            assert _one(url, "SELECT id FROM animus.read_work('inbox', 30)") == ids[name]
            assert _one(url, f"SELECT animus.fail_work('{ids[name]}', '{error}')") == "dead"
        ids["running"] = _one(
            url, "SELECT work_id FROM animus.submit_work('inbox', 'crawl', 'agent-c')"
        )
        assert _one(url, "SELECT id FROM animus.read_work('inbox', 3600)") == ids["running"]
        ids["queued"] = _one(
            url, "SELECT work_id FROM animus.submit_work('inbox', 'crawl', 'agent-c')"
        )
        _one(
            url,
            "UPDATE animus.work_items SET updated_at = now() - interval '1 hour' "
            f"WHERE id = '{ids['running']}'",
        )
        _one(
            url,
            "UPDATE animus.work_items SET created_at = now() - interval '2 hours' "
            f"WHERE id = '{ids['queued']}'",
        )
        _one(
            url,
            """SELECT count(*) FROM animus.store_memories('[
              {"content": "disk full on ledgerd", "memory_type": "episodic",
               "embedding": [1, 0, 0], "source": "chat", "embedding_model": "m1"},
              {"content": "SSO login broken", "memory_type": "episodic",
               "embedding": [0, 1, 0], "source": "jira", "embedding_model": "m2"},
              {"content": "Amara prefers written feedback", "memory_type": "semantic",
               "embedding": [0, 0, 1], "embedding_model": "m1"}]')""",
        )
        yield url, ids


def _run(url: str, sql: str, work_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-v", f"work_id={work_id}", "-f", "-"],
        input=sql,
        env=_db.libpq_env(url),
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_runbook_covers_each_topic() -> None:
    text = "\n".join(snippets())
    for needle in (
        "animus.queue_overview",
        "state = 'running'",
        "animus.requeue_dead",
        "animus.work_provenance",
        "animus.memory_overview",
    ):
        assert needle in text, f"docs/operations.md has no sql snippet with {needle}"
    doc = DOC.read_text(encoding="utf-8")
    for needle in ("script/backup", "pg_restore", "animus-backup.timer", "mode 600"):
        assert needle in doc, needle
    assert "ops/animus.env.example" in doc and "secrets.env" in doc


def test_every_sql_snippet_runs_in_order(seeded: tuple[str, dict[str, str]]) -> None:
    url, ids = seeded
    blocks = snippets()
    assert len(blocks) >= 15
    outputs = []
    for number, sql in enumerate(blocks, start=1):
        proc = _run(url, sql, ids["done"])
        assert proc.returncode == 0, f"snippet {number} failed:\n{sql}\n{proc.stderr}"
        assert "ERROR" not in proc.stderr, f"snippet {number}:\n{sql}\n{proc.stderr}"
        outputs.append(proc.stdout)
    everything = "\n".join(outputs)

    provenance = next(o for o, s in zip(outputs, blocks, strict=True) if "work_provenance" in s)
    assert ids["merged"] in provenance and "webhook" in provenance and "agent-b" in provenance

    stuck = next(o for o, s in zip(outputs, blocks, strict=True) if "Probably stuck" in s)
    assert ids["running"] in stuck and ids["queued"] in stuck

    reembed = next(o for o, s in zip(outputs, blocks, strict=True) if "HAVING count(*) > 1" in s)
    assert "episodic" in reembed and "semantic" not in reembed

    # The selective requeue took the HTTP 503 item only; the full one took the other.
    selective = next(o for o, s in zip(outputs, blocks, strict=True) if "LIKE '%HTTP 503%'" in s)
    assert ids["dead_503"] in selective and ids["dead_timeout"] not in selective
    assert ids["dead_timeout"] in everything
    states = _one(
        url,
        "SELECT string_agg(DISTINCT state, ',') FROM animus.work_items "
        f"WHERE id IN ('{ids['dead_503']}', '{ids['dead_timeout']}')",
    )
    assert states == "queued"
    # The stuck running item's message was made visible again.
    assert (
        _one(
            url,
            "SELECT m.vt <= now() FROM pgmq.q_inbox m JOIN animus.work_items w "
            f"ON w.pgmq_msg_id = m.msg_id WHERE w.id = '{ids['running']}'",
        )
        == "t"
    )


def test_the_env_template_holds_no_secret_values() -> None:
    template = (_db.ROOT / "ops" / "animus.env.example").read_text(encoding="utf-8")
    values = dict(
        line.split("=", 1)
        for line in template.splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert values["OPENAI_API_KEY"] == "" and values["ANTHROPIC_API_KEY"] == ""
    assert "CHANGE_ME" in values["DATABASE_URL"]
    service = (_db.ROOT / "ops" / "systemd" / "animus.service").read_text(encoding="utf-8")
    assert "EnvironmentFile=%h/.config/animus/secrets.env" in service
    assert "animus work run" in service
    assert Path(_db.ROOT / "ops" / "systemd" / "animus-backup.timer").is_file()

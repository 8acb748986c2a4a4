"""The ``animus`` CLI, run as ``python -m animus`` against the deployed session database."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from animus.cli import build_parser, main

from . import _db
from .openai_server import EMBEDDINGS, OpenAIServer, openai_server

__all__ = ["openai_server"]


def animus(
    *args: str,
    url: str | None = None,
    env: dict[str, str] | None = None,
    stdin: str = "",
    sub: bool = False,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the CLI: ``sub=True`` as ``python -m animus`` in a subprocess (the real entry point,
    exit code and stderr); otherwise ``main()`` in this process with stdio captured, which
    skips the second-long interpreter start and ``import openai`` of each run."""
    argv = [*args, *(["--url", url] if url is not None else [])]
    if sub:
        return subprocess.run(
            [sys.executable, "-m", "animus", *argv],
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=cwd or _db.ROOT,
            timeout=120,
            check=False,
        )
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_stdin = dict(os.environ), sys.stdin
    os.environ.update(env or {})
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: --help, usage errors
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.stdin = saved_stdin
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def ok(*args: str, url: str | None = None, **kw: Any) -> str:
    proc = animus(*args, url=url, **kw)
    assert proc.returncode == 0, f"animus {' '.join(args)}: {proc.returncode}\n{proc.stderr}"
    return proc.stdout


def as_json(*args: str, url: str, **kw: Any) -> Any:
    return json.loads(ok(*args, "--json", url=url, **kw))


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("error: ") and text in lines[0], proc.stderr
    assert len(lines) == 2 and lines[1].startswith("hint: "), proc.stderr


@pytest.fixture
def queue(database_url: str) -> str:
    name = f"cli_{uuid.uuid4().hex[:10]}"
    ok("work", "create-queue", name, url=database_url)
    return name


# --- help ---------------------------------------------------------------------------------------


def _leaf_commands() -> list[list[str]]:
    parser = build_parser()
    leaves: list[list[str]] = []

    def walk(p: Any, path: list[str]) -> None:
        subs = [a for a in p._actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subs:
            leaves.append(path)
        for action in subs:
            for name, child in action.choices.items():
                walk(child, [*path, name])

    walk(parser, [])
    return leaves


@pytest.mark.unit
def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    leaves = _leaf_commands()
    names = {" ".join(p) for p in leaves}
    for expected in (
        "db start", "db stop", "db status", "db url", "db deploy", "db psql",
        "work submit", "work read", "work complete", "work fail", "work show",
        "work requeue-dead", "work overview", "work run",
        "memory add", "memory import", "memory search", "memory hybrid", "memory stats",
        "memory get", "memory update", "memory forget",
        "demo",
    ):  # fmt: skip
        assert expected in names
    for path in leaves:
        with pytest.raises(SystemExit) as exit_info:
            main([*path, "--help"])
        assert exit_info.value.code == 0
        text = capsys.readouterr().out
        assert text.startswith(f"usage: animus {' '.join(path)}"), text[:80]
        assert "--debug" in text
        # The exit codes and the environment are told once, by animus --help (issue 25: each
        # command's help repeated the same 25 lines).
        assert "exit codes:" not in text and "ANIMUS_HOME" not in text, path
        assert text.rstrip().endswith("Exit codes and environment variables: animus --help.")
        # db deploy, backup and restore act on any server (--url, DATABASE_URL, else the
        # embedded cluster); the other db commands act on the embedded cluster.
        any_server = path[0] != "db" or path[1] in ("deploy", "backup", "restore")
        assert ("  --url URL" in text) == any_server, path


@pytest.mark.unit
def test_top_level_help_as_a_subprocess() -> None:
    out = ok("--help", sub=True)
    for group in ("db", "work", "memory", "demo"):
        assert f"    {group} " in out
    assert "exit codes:" in out and "3    not found" in out
    assert animus("work", sub=True).returncode == 2, "a missing subcommand is a usage error"


# --- work ---------------------------------------------------------------------------------------


def test_submit_merge_read_show_complete_overview(database_url: str, queue: str) -> None:
    key = uuid.uuid4().hex
    first = as_json(
        "work", "submit", queue, "summarize", "--source", "agent-a",
        "--params", '{"doc": 42}', "--dedup-key", key, url=database_url, sub=True,
    )  # fmt: skip
    # One item submitted: one JSON object, not a list of one.
    assert first["status"] == "queued" and first["msg_id"] is not None
    work_id = first["work_id"]
    second = as_json(
        "work", "submit", queue, "summarize", "--source", "agent-b",
        "--dedup-key", key, "--trigger-info", "webhook", url=database_url,
    )  # fmt: skip
    assert second["status"] == "merged" and second["merged_into"] == work_id

    table = ok("work", "overview", url=database_url)
    assert queue in table and "queue_name" in table.splitlines()[0]

    items = as_json("work", "read", queue, "--vt", "30", url=database_url, sub=True)
    assert [i["id"] for i in items] == [work_id]
    assert items[0]["params"] == {"doc": 42} and items[0]["state"] == "running"

    shown = as_json("work", "show", work_id, url=database_url)
    assert shown["item"]["state"] == "running"
    relations = {(p["relation"], p["source"], p["trigger_info"]) for p in shown["provenance"]}
    assert relations == {("self", "agent-a", None), ("merged", "agent-b", "webhook")}
    human = ok("work", "show", work_id, url=database_url)
    assert "provenance:" in human and "agent-b" in human

    done = as_json(
        "work", "complete", work_id, "--outcome", '{"summary": "x"}', url=database_url, sub=True
    )
    assert done == {"work_id": work_id, "state": "completed"}
    item = as_json("work", "show", work_id, url=database_url)["item"]
    assert item["state"] == "completed" and item["outcome_data"] == {"summary": "x"}

    overview = {r["queue_name"]: r for r in as_json("work", "overview", url=database_url)}
    assert overview[queue]["merged"] == 1 and overview[queue]["queued"] == 0


def test_fail_to_dead_then_requeue(database_url: str, queue: str) -> None:
    submitted = as_json("work", "submit", queue, "fetch", "--max-attempts", "1", url=database_url)
    work_id = submitted["work_id"]
    as_json("work", "read", queue, url=database_url)
    failed = as_json("work", "fail", work_id, "HTTP 503", url=database_url)
    assert failed == {"work_id": work_id, "state": "dead"}
    assert as_json("work", "overview", url=database_url)
    requeued = as_json("work", "requeue-dead", queue, "--id", work_id, url=database_url)
    assert requeued[0]["work_id"] == work_id and requeued[0]["status"] == "queued"
    assert "no dead items" in ok("work", "requeue-dead", queue, url=database_url)
    overview = {r["queue_name"]: r for r in as_json("work", "overview", url=database_url)}
    assert overview[queue]["dead"] == 0 and overview[queue]["queued"] == 1


def test_worker_embeds_items_as_memories(database_url: str, queue: str) -> None:
    memory_type = f"cli_run_{uuid.uuid4().hex[:8]}"
    texts = ["Penguins cannot fly but swim well.", "The invoice service retries every hour."]
    for text in texts:
        params = json.dumps({"text": text, "memory_type": memory_type})
        ok("work", "submit", queue, "remember", "--params", params, url=database_url)
    proc = animus("work", "run", queue, "--until-empty", "--json", url=database_url)
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["state"] for r in results] == ["completed", "completed"]
    assert all(isinstance(r["outcome"]["memory_id"], int) for r in results)
    assert "2 completed, 0 failed" in proc.stderr
    hits = as_json("memory", "search", "which birds swim?", "--type", memory_type, url=database_url)
    assert hits[0]["content"] == texts[0]
    assert hits[0]["metadata"]["queue"] == queue


def test_worker_stops_gracefully_on_sigterm(database_url: str, queue: str) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "animus",
            "work",
            "run",
            queue,
            "--poll",
            "0.2",
            "--url",
            database_url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=_db.ROOT,
    )
    try:
        assert proc.stderr is not None
        started = proc.stderr.readline()
        assert started.startswith("worker: reading"), started
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "stopped by signal" in stderr and "Traceback" not in stderr


# --- memory -------------------------------------------------------------------------------------


def test_memory_add_search_hybrid_stats(database_url: str) -> None:
    memory_type = f"cli_mem_{uuid.uuid4().hex[:8]}"
    disk = "The Friday deploy failed because the disk on ledgerd was full."
    first = as_json("memory", "add", disk, "--type", memory_type, url=database_url)
    second = as_json(
        "memory", "add", "-", "--type", memory_type, "--source", "chat",
        "--metadata", '{"person": "amara"}', url=database_url,
        stdin="Amara prefers written feedback.",
    )  # fmt: skip
    assert isinstance(first["id"], int) and second["id"] != first["id"]
    again = as_json("memory", "add", disk, "--type", memory_type, url=database_url)
    assert again["id"] == first["id"], "same content and type: the same memory"

    hits = as_json("memory", "search", "disk full", "--type", memory_type, url=database_url)
    assert [h["id"] for h in hits] == [first["id"], second["id"]]
    assert hits[0]["score"] > hits[1]["score"]
    filtered = as_json(
        "memory", "search", "disk full", "--type", memory_type,
        "--metadata", '{"person": "amara"}', url=database_url,
    )  # fmt: skip
    assert [h["id"] for h in filtered] == [second["id"]]

    hybrid = as_json(
        "memory", "hybrid", "ledgerd disk", "--type", memory_type, "--limit", "1",
        url=database_url,
    )  # fmt: skip
    assert len(hybrid) == 1 and hybrid[0]["id"] == first["id"]
    assert hybrid[0]["vector_rank"] == 1 and hybrid[0]["keyword_rank"] == 1
    table = ok("memory", "hybrid", "ledgerd disk", "--type", memory_type, url=database_url)
    assert "vector_rank" in table.splitlines()[0] and "ledgerd" in table

    stats = as_json("memory", "stats", url=database_url)
    mine = [s for s in stats if s["memory_type"] == memory_type]
    assert mine == [
        {**mine[0], "embedding_model": "all-MiniLM-L6-v2", "memories": 2},
    ]


def test_memory_import_jsonl_and_markdown(database_url: str, tmp_path: Path) -> None:
    memory_type = f"cli_imp_{uuid.uuid4().hex[:8]}"
    jsonl = tmp_path / "notes.jsonl"
    lines = [{"content": f"note number {i} about imports"} for i in range(5)]
    lines.append({"content": "typed line", "memory_type": memory_type + "_x", "source": "s"})
    jsonl.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    proc = animus(
        "memory", "import", str(jsonl), "--type", memory_type, "--batch-size", "2", "--json",
        "--progress", url=database_url,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["imported"] == 6 and len(set(result["ids"])) == 6
    bar = proc.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert bar.startswith("importing") and "1/1 files" in bar and "6 chunks" in bar, bar
    again = as_json("memory", "import", str(jsonl), "--type", memory_type, url=database_url)
    assert again["ids"] == result["ids"], "importing again stores nothing twice"

    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.md").write_text("# Alpha\nThe alpha runbook.\n", encoding="utf-8")
    (docs / "sub" / "b.md").write_text("Beta without a heading.\n", encoding="utf-8")
    (docs / "ignored.csv").write_text("not markdown", encoding="utf-8")
    md = as_json("memory", "import", str(docs), "--type", memory_type + "_md", url=database_url)
    assert md["imported"] == 2
    hits = as_json("memory", "search", "alpha", "--type", memory_type + "_md", url=database_url)
    by_source = {h["source"]: h for h in hits}
    assert set(by_source) == {"a.md", "sub/b.md"}
    assert by_source["a.md"]["metadata"] == {
        "path": "a.md", "title": "Alpha", "headings": ["Alpha"],
        "document": str(docs / "a.md"), "chunk": 0,
        "content_sha256": hashlib.sha256(b"# Alpha\nThe alpha runbook.").hexdigest(),
    }  # fmt: skip

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"content": "fine"}\nnot json\n', encoding="utf-8")
    proc = animus("memory", "import", str(bad), "--type", memory_type, url=database_url)
    assert proc.returncode == 2 and f"{bad}:2: not valid JSON" in proc.stderr
    missing = animus("memory", "import", str(tmp_path / "nope.jsonl"), url=database_url)
    assert missing.returncode == 3 and "no such file" in missing.stderr


# --- errors, URL, db ----------------------------------------------------------------------------


def test_database_error_is_one_line_plus_hint(database_url: str, queue: str) -> None:
    work_id = as_json("work", "submit", queue, "x", url=database_url)["work_id"]
    proc = animus("work", "complete", work_id, url=database_url, sub=True)
    assert_one_line_error(proc, 1, f"work item {work_id} is queued")
    debug = animus("work", "complete", work_id, "--debug", url=database_url, sub=True)
    assert debug.returncode == 1 and "Traceback" in debug.stderr

    unknown = animus("work", "show", str(uuid.uuid4()), url=database_url, sub=True)
    assert_one_line_error(unknown, 3, "unknown work item")
    bad_queue = animus("work", "submit", "Bad-Name", "x", url=database_url)
    assert_one_line_error(bad_queue, 2, "invalid queue name")
    assert animus("work", "submit", queue, "x", "--params", "[1]", url=database_url).returncode == 2
    assert animus("work", "show", "not-a-uuid", url=database_url).returncode == 2


def test_schema_not_deployed_and_unreachable(server_url: str) -> None:
    bare = _db.with_database(server_url, "postgres")
    assert_one_line_error(animus("work", "overview", url=bare), 1, "not deployed")
    nowhere = "postgresql://nobody@127.0.0.1:9/none?connect_timeout=2"
    assert_one_line_error(animus("work", "overview", url=nowhere), 1, "cannot reach")


def test_url_from_the_environment(database_url: str) -> None:
    out = ok("work", "overview", "--json", env={"DATABASE_URL": database_url}, sub=True)
    assert isinstance(json.loads(out), list)


def test_db_commands_delegate_to_script_db(tmp_path: Path) -> None:
    url = json.loads(ok("db", "url", "--json", sub=True))["url"]
    expected = subprocess.run(
        [str(_db.ROOT / "script" / "db"), "url"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert url == expected
    status = subprocess.run(
        [str(_db.ROOT / "script" / "db"), "status"], capture_output=True, text=True, check=False
    )
    assert animus("db", "status", sub=True).returncode == status.returncode
    if status.returncode == 0:
        psql = ok("db", "psql", "-X", "-At", "-c", "SELECT 41 + 1", sub=True)
        assert psql.strip() == "42", "arguments after psql go to psql"
    outside = animus("db", "url", env={"ANIMUS_HOME": str(tmp_path)}, sub=True)
    assert_one_line_error(outside, 1, "not an animus checkout")


@pytest.mark.unit
def test_demo_help_names_what_it_does() -> None:
    text = ok("demo", "--help")
    assert "dedup" in text and "hybrid search" in text and "trace tree" in text


def test_openai_embedder_takes_the_database_dimension(
    database_url: str, openai_server: OpenAIServer
) -> None:
    memory_type = f"cli_oai_{uuid.uuid4().hex[:8]}"
    env = {
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": openai_server.base_url,
        "ANIMUS_EMBEDDING_MODEL": "fake-embedding-model",
    }
    added = as_json(
        "memory", "add", "stored through the OpenAI wire format", "--type", memory_type,
        "--embedder", "openai", url=database_url, env=env,
    )  # fmt: skip
    sent = openai_server.requests_to(EMBEDDINGS)
    assert sent[-1].body["dimensions"] == 384 and sent[-1].body["model"] == "fake-embedding-model"
    stats = [
        s for s in as_json("memory", "stats", url=database_url) if s["memory_type"] == memory_type
    ]
    assert stats[0]["embedding_model"] == "fake-embedding-model" and added["id"] > 0

    no_key = animus(
        "memory", "search", "x", "--embedder", "openai", url=database_url,
        env={"OPENAI_API_KEY": "", "ANIMUS_OPENAI_API_KEY": ""},
    )  # fmt: skip
    assert_one_line_error(no_key, 1, "OPENAI_API_KEY")


async def explode(db: object, item: object) -> None:
    """A handler for ``--handler``: always fails."""
    raise ValueError("no good")


def test_worker_fails_items_whose_handler_raises(database_url: str, queue: str) -> None:
    ok("work", "submit", queue, "broken", "--max-attempts", "1", url=database_url)
    handler = f"{__name__}:explode"
    proc = animus(
        "work", "run", queue, "--handler", handler, "--until-empty", "--json", url=database_url
    )
    assert proc.returncode == 0, proc.stderr
    (result,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert result["state"] == "dead" and result["error"] == "ValueError: no good"
    assert "0 completed, 1 failed" in proc.stderr
    dead = as_json("work", "show", result["work_id"], url=database_url)["item"]
    assert dead["state"] == "dead" and dead["outcome_error"] == "ValueError: no good"
    bad = animus("work", "run", queue, "--handler", "no_such_module:x", url=database_url)
    assert_one_line_error(bad, 2, "--handler")


# --- the first hour: what a new user runs into ---------------------------------------------------


def test_the_cli_reads_dotenv(database_url: str, queue: str, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DATABASE_URL={database_url}\n", encoding="utf-8")
    # ANIMUS_HOME: the embedded cluster is there to fall back on, and must not be used.
    env = {"ANIMUS_HOME": str(_db.ROOT), "DATABASE_URL": "", "ANIMUS_DATABASE_URL": ""}
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ANIMUS_DATABASE_URL")
    }
    proc = subprocess.run(
        [sys.executable, "-m", "animus", "work", "overview", "--json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**clean, "ANIMUS_HOME": env["ANIMUS_HOME"]},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert queue in {row["queue_name"] for row in json.loads(proc.stdout)}
    # The environment wins over .env.
    bare = _db.with_database(database_url, "postgres")
    over = subprocess.run(
        [sys.executable, "-m", "animus", "work", "overview"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**clean, "DATABASE_URL": bare},
    )  # fmt: skip
    assert over.returncode == 1 and "not deployed" in over.stderr
    # .env copied from .env.example as is: the error says where the URL came from.
    example = (_db.ROOT / ".env.example").read_text(encoding="utf-8")
    (tmp_path / ".env").write_text(example, encoding="utf-8")
    copied = subprocess.run(
        [sys.executable, "-m", "animus", "work", "overview"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, env=clean,
    )  # fmt: skip
    assert_one_line_error(copied, 1, "cannot reach PostgreSQL")
    assert "the URL from DATABASE_URL (from .env) right?" in copied.stderr


def test_sqlalchemy_style_url(database_url: str, queue: str) -> None:
    url = database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    assert queue in {r["queue_name"] for r in as_json("work", "overview", url=url)}


def test_unknown_queue_hints_at_the_cli_command(database_url: str) -> None:
    name = f"cli_missing_{uuid.uuid4().hex[:8]}"
    proc = animus("work", "submit", name, "x", url=database_url)
    assert_one_line_error(proc, 3, f"unknown queue '{name}'")
    hint = proc.stderr.splitlines()[1]
    assert (
        hint
        == f"hint: create it first: animus work create-queue {name} (or submit with --create-queue)"
    )
    read = animus("work", "read", name, url=database_url)
    assert read.stderr.splitlines()[1] == f"hint: create it first: animus work create-queue {name}"
    # In psql the server's own hint, in SQL, is what one gets.
    sql = subprocess.run(
        ["psql", "-X", "-At", "-c", f"SELECT animus.read_work('{name}', 30, 1)"],
        env=_db.libpq_env(database_url), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert f"SELECT animus.create_queue('{name}')" in sql.stderr


def test_settling_a_queued_item_hints_at_show(database_url: str, queue: str) -> None:
    work_id = as_json("work", "submit", queue, "x", url=database_url)["work_id"]
    proc = animus("work", "complete", work_id, url=database_url)
    assert_one_line_error(proc, 1, "is queued")
    assert f"animus work show {work_id}" in proc.stderr.splitlines()[1]


def test_dimension_mismatch_hint_names_a_path_that_works(server_url: str) -> None:
    with _db.fresh_database(server_url, 3) as url:
        proc = animus("memory", "add", "some text", "--type", "note", url=url)
    assert_one_line_error(proc, 2, "3-dimensional")
    hint = proc.stderr.splitlines()[1]
    # Not `sqitch deploy --set embedding_dim=384`, which deploys nothing on this database.
    assert "SELECT animus.set_embedding_dim(384)" in hint and "animus memory reembed" in hint
    assert "3-dimensional" in hint and "sqitch deploy" not in hint


def test_missing_database_and_wrong_password_get_hints(server_url: str) -> None:
    missing = _db.with_database(server_url, f"no_such_db_{uuid.uuid4().hex[:8]}")
    proc = animus("work", "overview", url=missing)
    assert_one_line_error(proc, 1, "does not exist")
    assert "animus db deploy --url URL creates it" in proc.stderr

    env = _db.libpq_env(server_url)
    host = env.get("PGHOST", "localhost")
    host = "localhost" if host.startswith("/") else host
    wrong = (
        f"postgresql://{env.get('PGUSER', 'postgres')}:not-the-password@{host}:"
        f"{env.get('PGPORT', '5432')}/postgres"
    )
    proc = animus("work", "overview", url=wrong)
    assert_one_line_error(proc, 1, "password authentication failed")
    assert "password" in proc.stderr.splitlines()[1]
    assert "not-the-password" not in proc.stderr


def test_unreachable_openai_base_url_is_named(database_url: str) -> None:
    env = {
        "OPENAI_API_KEY": "sk-cli-secret",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "ANIMUS_LLM_MAX_RETRIES": "0",
    }
    proc = animus("memory", "search", "x", "--embedder", "openai", url=database_url, env=env)
    assert_one_line_error(proc, 1, "cannot reach http://127.0.0.1:9/v1")
    assert "OPENAI_BASE_URL" in proc.stderr and "sk-cli-secret" not in proc.stderr


def test_every_documented_exit_code(database_url: str, queue: str) -> None:
    """0, 1, 2, 3 and 141 here; 130 in test_cli_unit, "not running" in test_script_db."""
    from .test_cli_unit import readme_exit_codes

    seen: dict[int, str] = {}
    seen[animus("work", "overview", url=database_url).returncode] = "overview"
    seen[animus("work", "overview", url="postgresql://x@127.0.0.1:9/x").returncode] = "down"
    seen[animus("work", "show", "not-a-uuid", url=database_url).returncode] = "usage"
    seen[animus("work", "show", str(uuid.uuid4()), url=database_url).returncode] = "unknown"
    big = json.dumps({"blob": "x" * 200_000})
    work_id = as_json("work", "submit", queue, "big", "--params", big, url=database_url)["work_id"]
    reader = subprocess.Popen(
        [sys.executable, "-m", "animus", "work", "show", work_id, "--json", "--url", database_url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=_db.ROOT,
    )  # fmt: skip
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # the `| head` that went away
    stderr = reader.stderr.read()
    seen[reader.wait(timeout=120)] = "pipe"
    assert b"Traceback" not in stderr and b"Exception ignored" not in stderr, stderr
    assert set(seen) | {130} == set(readme_exit_codes()), seen


def test_ctrl_c_in_db_psql_cancels_the_query_not_the_session() -> None:
    script_db = str(_db.ROOT / "script" / "db")
    if subprocess.run([script_db, "status"], capture_output=True, check=False).returncode != 0:
        _db.unavailable("the embedded cluster is not running (script/test starts it)")
    cluster = subprocess.run(
        [script_db, "url", "postgres"], capture_output=True, text=True, check=True
    ).stdout.strip()
    tag = f"cli_ctrl_c_{uuid.uuid4().hex[:8]}"
    # Its own session: the test sends SIGINT to the group, as a terminal's Ctrl-C does.
    query = f"SELECT pg_sleep(120) /* {tag} */"
    proc = subprocess.Popen(
        [sys.executable, "-m", "animus", "db", "psql", "-X", "-c", query],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=_db.ROOT,
        start_new_session=True,
    )  # fmt: skip
    try:
        seen = "0"
        while seen == "0" and proc.poll() is None:
            seen = _db.psql(
                cluster,
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                f"AND query LIKE '%{tag}%' AND pid <> pg_backend_pid()",
            )
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "canceling statement due to user request" in stderr, stderr
    assert proc.returncode == 1 and "interrupted" not in stderr, (proc.returncode, stderr)

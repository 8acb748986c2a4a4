"""The CLI's and the client's pieces that need no database: URLs, hints, exit codes, import."""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from animus import Config, ConfigError, Db
from animus.cli._errors import EPILOG
from animus.cli._hints import cli_hint
from animus.config import normalize_database_url
from animus.embeddings import OpenAIEmbedder
from animus.errors import (
    EmbeddingDimensionMismatch,
    InvalidImportFile,
    ProviderError,
    UnknownQueue,
    UnknownWorkItem,
)
from animus.importer import load_import

from . import _db
from .test_cli import animus

pytestmark = pytest.mark.unit

SECRET = "s3cr/et9"  # a password with a '/' that nobody percent-encoded
LEAKY_URL = f"postgresql://agent:{SECRET}@db.example.invalid:5432/animus"


def _no_secret(text: str) -> None:
    for part in ("s3cr", "et9", SECRET):
        assert part not in text, text


# --- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        "postgresql+asyncpg://u:p@localhost:5432/db",
        "postgresql+psycopg://u:p@localhost:5432/db",
        "postgresql+psycopg2://u:p@localhost:5432/db",
        "postgres://u:p@localhost:5432/db",
        "POSTGRESQL://u:p@localhost:5432/db",
    ],
)
def test_sqlalchemy_and_libpq_url_forms_are_accepted(given: str) -> None:
    assert normalize_database_url(given) == "postgresql://" + given.split("://", 1)[1]
    config = Config(database_url=given)
    assert config.database_url.get_secret_value().startswith("postgresql://u:p@localhost")


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("not a url at all", "not a URL"),
        ("mysql://u:p@localhost/db", "must start with postgresql://"),
        ("postgresql+pg8000://u:p@localhost/db", "must start with postgresql://"),
        (LEAKY_URL, "percent-encoded"),
        ("postgresql://agent:12/x@db.example.invalid/animus", "percent-encoded"),
        ("postgresql://agent:ab#cd@db.example.invalid/animus", "percent-encoded"),
    ],
)
def test_bad_urls_say_what_is_wrong_without_the_value(given: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalize_database_url(given, name="--url")
    (problem,) = info.value.problems
    assert problem.startswith("--url is not a valid URL: ") and reason in problem
    rendered = "".join(traceback.format_exception(info.value))
    assert given not in rendered and "pa/ss" not in rendered
    if given == LEAKY_URL:
        _no_secret(rendered)


def test_a_password_with_a_slash_never_leaks(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as from_config:
        Config(database_url=LEAKY_URL)  # pydantic's own error would quote the input
    _no_secret("".join(traceback.format_exception(from_config.value)))

    with monkeypatch.context() as env:
        env.setenv("DATABASE_URL", LEAKY_URL)
        with pytest.raises(ConfigError) as from_env:
            Config.from_env(env_file=None)
    _no_secret(str(from_env.value))
    assert "DATABASE_URL" in str(from_env.value)

    import asyncio

    with pytest.raises(ConfigError) as from_connect:
        asyncio.run(Db.connect(LEAKY_URL))
    _no_secret("".join(traceback.format_exception(from_connect.value)))

    for argv in (["work", "overview"], ["work", "overview", "--debug"]):
        proc = animus(*argv, url=LEAKY_URL)
        assert proc.returncode == 1, proc.stderr
        assert "error: invalid configuration: --url is not a valid URL" in proc.stderr
        assert "hint: fix --url: postgresql://USER:PASSWORD@HOST:PORT/DATABASE" in proc.stderr
        _no_secret(proc.stderr + proc.stdout)
    from animus.cli._connect import Target

    assert "s3cr" not in repr(Target(LEAKY_URL, "--url"))
    env = animus("work", "overview", "--debug", env={"DATABASE_URL": LEAKY_URL})
    assert "DATABASE_URL is not a valid URL" in env.stderr
    _no_secret(env.stderr)


# --- hints in CLI terms -------------------------------------------------------------------------


def test_sql_hints_become_cli_commands() -> None:
    sql_hint = "Create it first: SELECT animus.create_queue('inbox');"
    unknown = UnknownQueue("unknown queue inbox", sqlstate="AN002", hint=sql_hint)
    submit = argparse.Namespace(group="work", command="submit", queue="inbox")
    assert cli_hint(unknown, submit) == (
        "create it first: animus work create-queue inbox (or submit with --create-queue)"
    )
    read = argparse.Namespace(group="work", command="read", queue="inbox")
    assert cli_hint(unknown, read) == "create it first: animus work create-queue inbox"
    known = argparse.Namespace(group="work", command="read", queue="inbx", known_queues=["inbox"])
    assert cli_hint(unknown, known) == "did you mean inbox? (animus work overview lists the queues)"
    item = UnknownWorkItem("unknown work item", sqlstate="AN003", hint="Pass the id ...")
    complete = argparse.Namespace(group="work", command="complete", work_id="abc")
    hint = cli_hint(item, complete)
    assert hint is not None and "animus work" in hint and "SELECT" not in hint
    dim = EmbeddingDimensionMismatch("expected 3 dimensions, not 384", sqlstate="AN012",
                                     hint="... (sqitch deploy --set embedding_dim=N).")  # fmt: skip
    hint = cli_hint(dim, argparse.Namespace(group="memory", command="add"))
    assert hint is not None and "SELECT animus.set_embedding_dim(N)" in hint
    assert "animus memory reembed" in hint and "sqitch deploy" not in hint
    known = EmbeddingDimensionMismatch("3 vs 384", expected=3, actual=384, sqlstate="AN012")
    hint = cli_hint(known, argparse.Namespace(group="memory", command="add"))
    assert hint is not None and "SELECT animus.set_embedding_dim(384)" in hint
    wide = EmbeddingDimensionMismatch("3 vs 5000", expected=3, actual=5000, sqlstate="AN012")
    hint = cli_hint(wide, argparse.Namespace(group="memory", command="add"))
    assert hint is not None and "at most 4000" in hint and "set_embedding_dim" not in hint
    # The library (and so psql users) keep the SQL hint; only the CLI's report changes.
    assert unknown.hint == sql_hint and cli_hint(unknown, None) is None


# --- exit codes ---------------------------------------------------------------------------------


def readme_exit_codes() -> dict[int, str]:
    text = (_db.ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| Exit code | Meaning |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+?) \|$", table, flags=re.MULTILINE)
    return {int(code): meaning for code, meaning in rows}


def test_readme_and_help_list_the_same_exit_codes() -> None:
    documented = readme_exit_codes()
    in_help = {
        int(m) for m in re.findall(r"^  (\d+) ", EPILOG.split("exit codes:")[1], re.MULTILINE)
    }
    assert set(documented) == in_help == {0, 1, 2, 3, 130, 141}
    assert documented[3].startswith("not found or not running")


def test_exit_2_for_bad_arguments() -> None:
    assert animus("work", "show", "not-a-uuid").returncode == 2
    assert animus("work").returncode == 2


def test_exit_130_when_interrupted(tmp_path: Path) -> None:
    # A "server" that accepts the connection and never answers holds the CLI in its connect,
    # awaiting; once accept() returns, the CLI is there, in our code.
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(60)
        port = server.getsockname()[1]
        proc = subprocess.Popen(
            [sys.executable, "-m", "animus", "work", "overview",
             "--url", f"postgresql://nobody@127.0.0.1:{port}/none"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        )  # fmt: skip
        try:
            conn, _ = server.accept()
            with conn:
                proc.send_signal(signal.SIGINT)
                _, stderr = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, stderr
    assert stderr.strip() == "interrupted"


def test_ctrl_c_stops_an_import_blocked_on_its_input(tmp_path: Path) -> None:
    # A FIFO holds the import in its read; once open() for writing returns, the CLI has opened
    # it. One Ctrl-C must do (inside the event loop, asyncio's first SIGINT only cancels).
    fifo = tmp_path / "slow.jsonl"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "animus", "memory", "import", str(fifo), "--type", "t",
         "--url", "postgresql://nobody@127.0.0.1:9/none"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    try:
        with fifo.open("w"):
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and stderr.strip() == "interrupted", stderr


# --- the importer (library code) ----------------------------------------------------------------


def test_importer_parses_everything_before_storing(tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"content": "a"}\n\n{"content": "b", "memory_type": "x"}\n', "utf-8")
    docs = load_import(notes, "note", "cli").memories
    assert [(d.content, d.memory_type, d.source) for d in docs] == [
        ("a", "note", "cli"),
        ("b", "x", "cli"),
    ]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"content": "a"}\n[1]\n', "utf-8")
    with pytest.raises(InvalidImportFile, match=r"bad.jsonl:2: each line must be"):
        load_import(bad, "note")
    untyped = tmp_path / "untyped.jsonl"
    untyped.write_text('{"content": "a"}\n', "utf-8")
    with pytest.raises(InvalidImportFile, match="no memory_type"):
        load_import(untyped)
    with pytest.raises(FileNotFoundError):
        load_import(tmp_path / "missing.jsonl")
    proc = animus("memory", "import", str(bad), "--type", "t", url="postgresql://x@h/db")
    assert proc.returncode == 2 and "bad.jsonl:2" in proc.stderr


# --- providers ----------------------------------------------------------------------------------


def test_unreachable_openai_endpoint_is_named_without_the_key() -> None:
    import asyncio

    embedder = OpenAIEmbedder(
        "text-embedding-3-small",
        8,
        api_key="sk-very-secret-key",
        base_url="http://someone:hunter2@127.0.0.1:9/v1?token=abc",
        max_retries=0,
        timeout=5,
    )
    with pytest.raises(ProviderError) as info:
        asyncio.run(embedder.embed(["hello"]))
    message = str(info.value)
    assert "cannot reach http://127.0.0.1:9/v1" in message
    assert info.value.hint is not None and "OPENAI_BASE_URL" in info.value.hint
    for secret in ("sk-very-secret-key", "hunter2", "token=abc"):
        assert secret not in message and secret not in repr(embedder)


@pytest.mark.unit
def test_the_cli_help_constants_agree_with_the_client() -> None:
    """cli/memory.py copies two constants so that --help imports neither module."""
    from animus import memory, reembed
    from animus.cli import memory as cli_memory

    assert cli_memory.DEFAULT_SCOPE == memory.DEFAULT_SCOPE
    assert cli_memory.MAX_BATCH == reembed.MAX_BATCH

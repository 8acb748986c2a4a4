"""``animus db``: the embedded PostgreSQL cluster of a checkout, through ``script/db``; and
``deploy --url``, which deploys the schema this package carries into any database."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from .. import sql
from ..errors import AnimusError, map_db_error
from . import _repo
from ._args import add_command, add_group, common_options, opt
from ._connect import cluster_errors, resolve_target
from ._errors import EXIT_OK, UsageError
from ._output import Output

if TYPE_CHECKING:
    import asyncpg


def url(args: argparse.Namespace, out: Output) -> int:
    proc = _repo.script_db("url", capture=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        return proc.returncode
    text = proc.stdout.strip()
    out.line(text, {"url": text})
    return EXIT_OK


def _script_db(command: str, *extra: str) -> int:
    sys.stdout.flush()
    return _repo.script_db(command, *extra).returncode


def start(args: argparse.Namespace, out: Output) -> int:
    return _script_db("start")


def stop(args: argparse.Namespace, out: Output) -> int:
    return _script_db("stop")


def status(args: argparse.Namespace, out: Output) -> int:
    return _script_db("status")


def deploy(args: argparse.Namespace, out: Output) -> int:
    """The embedded cluster through script/db in a checkout unless --url is given; else the
    carried Sqitch project into --url, $DATABASE_URL or .env's (animus.cli.deploy)."""
    from .deploy import deploy_url, embedding_dim

    if opt(args, "url") is None and _repo.find_root() is not None:
        if args.embedding_dim is not None:
            os.environ["ANIMUS_EMBEDDING_DIM"] = str(args.embedding_dim)
        return _script_db("deploy", *([args.database] if args.database else []))
    if args.database:
        raise UsageError(
            "give the database in the URL, not as an argument, when deploying to --url",
            hint="animus db deploy --url postgresql://USER:PASSWORD@HOST:PORT/DATABASE",
        )
    target = resolve_target(args)
    return deploy_url(target.url, target.origin, embedding_dim(args.embedding_dim))


def psql(args: argparse.Namespace, out: Output) -> int:
    return _script_db("psql", *(a for a in args.psql_args if a != "--"))


# --- backup and restore (docs/operations.md, "Backups") -----------------------------------------

#: pg_dump's custom format; the name sorts by time.
DUMP_GLOB = "animus-*.dump"


def _backup_dir(args: argparse.Namespace) -> Path:
    """``--dir``, else ``$ANIMUS_BACKUP_DIR``, else ``$XDG_STATE_HOME/animus/backups``, else
    the checkout's ``.local/backups``, else ``~/.local/state/animus/backups``."""
    given = opt(args, "dir") or os.environ.get("ANIMUS_BACKUP_DIR")
    if given:
        return Path(given).expanduser()
    if os.environ.get("XDG_STATE_HOME"):
        return Path(os.environ["XDG_STATE_HOME"]) / "animus" / "backups"
    root = _repo.find_root()
    if root is not None:
        return Path(os.environ.get("ANIMUS_LOCAL", root / ".local")) / "backups"
    return Path.home() / ".local" / "state" / "animus" / "backups"


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment with the password in PGPASSWORD, so
    that it never shows in the process list."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is None:
        return url, env
    env["PGPASSWORD"] = unquote(parts.password)
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    netloc = f"{user}{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise UsageError(
            f"{name} is not installed",
            hint="install the PostgreSQL client tools (Debian: apt install postgresql-client)",
        )
    return found


def _run_tool(command: list[str], env: dict[str, str], what: str) -> str:
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        raise AnimusError(
            f"{what} failed: {' '.join(lines[-3:]) or f'exit {proc.returncode}'}",
            hint="run it again with --debug; pg_restore names the failing statement",
        )
    return proc.stdout


def backup(args: argparse.Namespace, out: Output) -> int:
    directory = _backup_dir(args)
    if opt(args, "list"):
        dumps = sorted(directory.glob(DUMP_GLOB), key=lambda p: p.stat().st_mtime, reverse=True)
        out.rows([{"path": str(p), "bytes": p.stat().st_size} for p in dumps], ("path", "bytes"))
        return EXIT_OK
    keep = opt(args, "keep_days")
    if keep is None:
        text = os.environ.get("ANIMUS_BACKUP_KEEP_DAYS", "14")
        if not text.isdigit():
            raise UsageError("ANIMUS_BACKUP_KEEP_DAYS must be a whole number of days")
        keep = int(text)
    target = resolve_target(args)
    url, env = _libpq(target.url)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"animus-{stamp}.dump"
    partial = path.with_name(path.name + ".partial")
    # A temporary name first, so that a failed dump never looks like a good one.
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", f"--dbname={url}"]
    try:
        _run_tool([*command, f"--file={partial}"], env, "pg_dump")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.chmod(0o600)
    partial.rename(path)
    size = path.stat().st_size
    out.line(f"backup written: {path} ({size:,} bytes)", {"path": str(path), "bytes": size})
    if keep > 0:
        cutoff = time.time() - keep * 86400
        for old in directory.glob(DUMP_GLOB):
            if old.stat().st_mtime < cutoff:
                old.unlink()
                print(f"removed (retention): {old}", file=sys.stderr)
    return EXIT_OK


#: pg_cron's entries in a dump's table of contents: the extension, its comment, the data of its
#: tables (the jobs, the run log) and its sequences.
_PG_CRON_ENTRY = re.compile(
    r"^\d+; \d+ \d+ "
    r"(EXTENSION - pg_cron|COMMENT - EXTENSION pg_cron|TABLE DATA cron |SEQUENCE SET cron )"
)
#: The role settings of the dumped database (a dump holds them with the database's own
#: properties, which pg_restore writes only with --create): re-aimed at the target database.
_IDENT = r'(?:"(?:[^"]|"")*"|\S+)'
_ROLE_SETTING = re.compile(rf"^ALTER ROLE ({_IDENT}) IN DATABASE {_IDENT} (SET .+;)$", re.MULTILINE)


async def _connect(url: str) -> asyncpg.Connection:
    """A plain connection (the database may hold no animus schema yet), errors mapped."""
    import asyncpg  # on first use: --help and --version never load it

    try:
        return await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise map_db_error(exc) from exc


async def _restore_checks(url: str) -> tuple[str, bool]:
    """Refuse a target that holds animus already; create the roles the grants name; say
    whether pg_cron can live in this database (cron.database_name, preloaded)."""
    import asyncpg

    conn = await _connect(url)
    try:
        database = str(await conn.fetchval("SELECT current_database()"))
        if await conn.fetchval(sql.SCHEMA_PRESENT):
            raise UsageError(
                f"database {database} already holds an animus schema",
                hint="restore into an empty database (createdb NAME, then --url for it), or a "
                "fresh cluster's (animus db start in a new checkout)",
            )
        for role in ("animus_app", "animus_ops"):
            if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
                await conn.execute(f"CREATE ROLE {role} NOLOGIN")
        cron_here = bool(await conn.fetchval(sql.PG_CRON_HERE))
        return database, cron_here
    except asyncpg.PostgresError as exc:
        raise map_db_error(exc) from exc
    finally:
        await conn.close()


async def _apply_role_settings(url: str, database: str, settings: list[tuple[str, str]]) -> int:
    conn = await _connect(url)
    try:
        target = await conn.fetchval("SELECT quote_ident($1)", database)
        applied = 0
        for role, setting in settings:
            exists = await conn.fetchval(
                "SELECT 1 FROM pg_roles WHERE quote_ident(rolname) = $1", role
            )
            if exists:
                await conn.execute(f"ALTER ROLE {role} IN DATABASE {target} {setting}")
                applied += 1
        return applied
    finally:
        await conn.close()


async def _restored_summary(url: str, cron_here: bool) -> dict[str, Any]:
    conn = await _connect(url)
    try:
        row = await conn.fetchrow(sql.RESTORED_COUNTS)
        summary = dict(row) if row is not None else {}
        if cron_here:
            summary["pg_cron_jobs"] = await conn.fetchval(sql.ANIMUS_CRON_JOBS)
        return summary
    finally:
        await conn.close()


def restore(args: argparse.Namespace, out: Output) -> int:
    import asyncio  # on first use: --help and --version never load it

    dump = Path(args.dump).expanduser()
    if not dump.is_file():
        raise FileNotFoundError(f"no such backup: {dump}")
    target = resolve_target(args)
    url, env = _libpq(target.url)
    pg_restore = _tool("pg_restore")
    with cluster_errors(target):
        database, cron_here = asyncio.run(_restore_checks(target.url))
    toc = _run_tool([pg_restore, "--list", str(dump)], env, "pg_restore --list")
    command = [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={url}"]
    with tempfile.TemporaryDirectory() as scratch:
        cron_entries = [line for line in toc.splitlines() if _PG_CRON_ENTRY.match(line)]
        if cron_entries and not cron_here:
            # pg_cron can be created only in cron.database_name: everything else is restored,
            # and the schedules wait in animus.schedules without jobs.
            listing = Path(scratch) / "toc.list"
            keep = [line for line in toc.splitlines() if not _PG_CRON_ENTRY.match(line)]
            listing.write_text("\n".join(keep) + "\n", encoding="utf-8")
            command.append(f"--use-list={listing}")
            print(
                f"warning: pg_cron runs only in the database named by cron.database_name, not "
                f"in {database}: restoring without it, so the schedules (animus.schedules) have "
                "no jobs here; restore into that database to keep them running",
                file=sys.stderr,
            )
        _run_tool([*command, str(dump)], env, "pg_restore")
    script = _run_tool(
        [pg_restore, "--create", "--schema-only", "--file=-", str(dump)], env, "pg_restore"
    )
    settings = _ROLE_SETTING.findall(script)
    applied = asyncio.run(_apply_role_settings(target.url, database, settings))
    summary = asyncio.run(_restored_summary(target.url, cron_here and bool(cron_entries)))
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary.items())
    out.line(
        f"restored {dump.name} into {database}: {counts}; {applied} role settings",
        {"database": database, "dump": str(dump), "role_settings": applied, **summary},
    )
    return EXIT_OK


def configure_db_parser(groups: Any) -> None:
    cmds = add_group(
        groups,
        "db",
        "manage the embedded PostgreSQL cluster (script/db)",
        "Manage the embedded PostgreSQL cluster of an animus checkout: data in "
        ".local/pgdata, socket in .local/run, TCP on $ANIMUS_PGPORT (default 55432) when it is "
        "first started, which it remembers. Each command runs script/db. Without a checkout, "
        "deploy --url URL deploys the schema this package carries into any PostgreSQL "
        "(with Sqitch).",
    )
    cluster = common_options(database=False)
    add_command(
        cmds,
        "start",
        "create the cluster on first use, start it, create the database",
        start,
        parent=cluster,
    )
    add_command(cmds, "stop", "stop the cluster", stop, parent=cluster)
    add_command(
        cmds,
        "status",
        "say whether the cluster runs and where (exit 3 when it does not)",
        status,
        parent=cluster,
    )
    url_cmd = add_command(
        cmds,
        "url",
        "print the cluster's connection URL (unix socket, no password)",
        url,
        parent=cluster,
    )
    url_cmd.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help='print {"url": ...}'
    )
    deploy_cmd = add_command(
        cmds,
        "deploy",
        "sqitch deploy the schema into the embedded cluster, or with --url into any database",
        deploy,
        parent=cluster,
        description="Deploy (or upgrade) the animus schema with Sqitch. With --url (or, "
        "outside a checkout, $DATABASE_URL or ./.env): the Sqitch project this package "
        "carries, into that database, which is created when missing; Sqitch must be "
        "installed (apt-get install sqitch libdbd-pg-perl, or the sqitch/sqitch Docker image). "
        "Without, in a checkout: script/db deploy on the embedded cluster. The first deploy "
        "fixes the embedding dimension: --embedding-dim, else $ANIMUS_EMBEDDING_DIM, else "
        "384 (the offline embedder's; 1536 for OpenAI's text-embedding-3-small).",
    )
    deploy_cmd.add_argument(
        "database", nargs="?", help="the embedded cluster's database (default: animus)"
    )
    deploy_cmd.add_argument(
        "--url",
        default=argparse.SUPPRESS,
        help="postgresql:// URL of the database to deploy into (any server)",
    )
    deploy_cmd.add_argument(
        "--embedding-dim",
        type=int,
        metavar="N",
        help="the embedding dimension of a first deploy (default $ANIMUS_EMBEDDING_DIM, else 384)",
    )
    psql_cmd = add_command(
        cmds, "psql", "open psql on the cluster's animus database", psql, parent=cluster
    )
    psql_cmd.add_argument(
        "psql_args",
        nargs=argparse.REMAINDER,
        metavar="PSQL_ARGS",
        help="every argument after psql goes to psql unchanged, e.g. -c 'SELECT 1'",
    )

    backup_cmd = add_command(
        cmds,
        "backup",
        "pg_dump the database (--url, DATABASE_URL or the embedded cluster) to "
        "DIR/animus-<UTC time>.dump, then delete dumps older than the retention",
        backup,
    )
    backup_cmd.add_argument(
        "--dir",
        default=argparse.SUPPRESS,
        help="where dumps go (default: $ANIMUS_BACKUP_DIR, else $XDG_STATE_HOME/animus/backups, "
        "else the checkout's .local/backups, else ~/.local/state/animus/backups)",
    )
    backup_cmd.add_argument(
        "--keep-days",
        type=int,
        default=argparse.SUPPRESS,
        help="delete dumps older than this many days (default: $ANIMUS_BACKUP_KEEP_DAYS, else "
        "14; 0 keeps all)",
    )
    backup_cmd.add_argument(
        "--list",
        action="store_true",
        default=argparse.SUPPRESS,
        help="list the dumps, newest first",
    )
    restore_cmd = add_command(
        cmds,
        "restore",
        "pg_restore a dump into an empty database (--url, DATABASE_URL or the embedded "
        'cluster), with the roles and role settings it needs (docs/operations.md, "Restore")',
        restore,
    )
    restore_cmd.add_argument("dump", help="a dump written by animus db backup (or script/backup)")


def split_psql_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """``animus [options] db psql ARGS``: ARGS go to psql untouched (argparse would take
    ``-c`` and the like for its own options); ``db psql --help`` stays ours."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--url":
            i += 2
            continue
        if token.startswith("-"):
            i += 1
            continue
        if token == "db" and argv[i + 1 : i + 2] == ["psql"]:
            rest = argv[i + 2 :]
            if rest in (["-h"], ["--help"]):
                return argv, []
            return argv[: i + 2], rest
        break
    return argv, []


__all__ = ["configure_db_parser", "split_psql_args"]

"""``animus db``: the embedded PostgreSQL cluster of a checkout, through ``script/db``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import _repo
from ._args import add_command, add_group, common_options
from ._errors import EXIT_OK
from ._output import Output


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
    return _script_db("deploy", *([args.database] if args.database else []))


def psql(args: argparse.Namespace, out: Output) -> int:
    return _script_db("psql", *(a for a in args.psql_args if a != "--"))


def configure_db_parser(groups: Any) -> None:
    cmds = add_group(
        groups,
        "db",
        "manage the embedded PostgreSQL cluster (script/db)",
        "Manage the embedded PostgreSQL cluster of an animus checkout: data in "
        ".local/pgdata, socket in .local/run, TCP on $ANIMUS_PGPORT (default 55432) when it is "
        "first started, which it remembers. Each command runs script/db.",
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
        "sqitch deploy the schema into the cluster (embedding_dim=$ANIMUS_EMBEDDING_DIM, "
        "default 384)",
        deploy,
        parent=cluster,
    )
    deploy_cmd.add_argument("database", nargs="?", help="database name (default: animus)")
    psql_cmd = add_command(
        cmds, "psql", "open psql on the cluster's animus database", psql, parent=cluster
    )
    psql_cmd.add_argument(
        "psql_args",
        nargs=argparse.REMAINDER,
        metavar="PSQL_ARGS",
        help="every argument after psql goes to psql unchanged, e.g. -c 'SELECT 1'",
    )


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

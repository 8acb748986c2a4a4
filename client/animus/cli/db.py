"""``animus db``: the embedded PostgreSQL cluster of a checkout, through ``script/db``; and
``deploy --url``, which deploys the schema this package carries into any database."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from . import _repo
from ._args import add_command, add_group, common_options, opt
from ._connect import resolve_target
from ._errors import EXIT_OK, UsageError
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

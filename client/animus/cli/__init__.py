"""The ``animus`` command line: the embedded cluster, work queues, memory, and the demo.

``animus --help`` lists the commands; each has its own ``--help``. Tables are for people,
``--json`` is for scripts. A failure prints ``error: <message>`` and ``hint: <hint>`` on stderr
(a traceback only with ``--debug``) and exits with the codes in :data:`EPILOG`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import textwrap
import traceback
import uuid
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import __version__
from ..config import Config
from ..db import Db
from ..embeddings import Embedder, OpenAIEmbedder, local_embedder_class
from ..errors import (
    AnimusError,
    ConfigError,
    ConnectionError,
    InvalidInput,
    NotFound,
)
from ..models import MemoryFilters, NewMemory, NewWorkItem
from . import _repo
from ._output import Output, Progress

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_INTERRUPTED = 130
EXIT_PIPE = 141

EPILOG = """\
exit codes:
  0    success
  1    error: the database refused the call or cannot be reached, the schema is not
       deployed, a provider failed, or the configuration is incomplete
  2    bad arguments: an invalid command line, or arguments the database rejects as
       invalid (SQLSTATE AN001, AN005-AN008, AN010-AN014)
  3    not found or not running: an unknown queue or work item (AN002, AN003), a missing
       file, or the embedded cluster is not running (animus db status, psql, deploy)
  130  interrupted (Ctrl-C)
  141  the output pipe was closed early (e.g. `| head`)

A failure prints "error: <message>" and, when there is one, "hint: <hint>" on stderr;
--debug adds the traceback.

environment:
  DATABASE_URL, ANIMUS_DATABASE_URL  the database when --url is not given (default: the
                                     embedded cluster, `script/db url`, in a checkout)
  ANIMUS_HOME                        the animus checkout (default: found from the working
                                     directory or from this package's location)
  ANIMUS_PGPORT                      the embedded cluster's port (see script/db)
  OPENAI_API_KEY, OPENAI_BASE_URL,   for --embedder openai (the dimension defaults to the
  ANIMUS_EMBEDDING_MODEL,            database's animus.embedding_dim())
  ANIMUS_EMBEDDING_DIMENSIONS
"""


class UsageError(AnimusError):
    """An argument the CLI itself cannot use (bad JSON, a missing --type...): exit 2."""


# --- arguments ----------------------------------------------------------------------------------


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc.msg}): {text!r}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"must be a JSON object, not {type(value).__name__}")
    return value


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a UUID: {text!r}") from None


def _common(embedder: bool = False, *, database: bool = True) -> argparse.ArgumentParser:
    """Options the commands take, before or after the command name (``database=False``: the
    ``db`` commands, which act on the embedded cluster rather than on --url)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("common options")
    if database:
        group.add_argument(
            "--url",
            default=argparse.SUPPRESS,
            help="postgresql:// URL of the database (default: $DATABASE_URL, else the "
            "embedded cluster's URL when run inside an animus checkout)",
        )
        group.add_argument(
            "--json",
            action="store_true",
            default=argparse.SUPPRESS,
            help="print JSON instead of tables",
        )
    group.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print the traceback of a failure",
    )
    if embedder:
        group.add_argument(
            "--embedder",
            choices=("local", "openai"),
            default=argparse.SUPPRESS,
            help="local: offline all-MiniLM-L6-v2, 384 dimensions (default); openai: any "
            "OpenAI-compatible endpoint (OPENAI_API_KEY, OPENAI_BASE_URL, "
            "ANIMUS_EMBEDDING_MODEL)",
        )
    return parent


def _opt(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


def _filter_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters")
    group.add_argument(
        "--type",
        dest="memory_types",
        action="append",
        metavar="TYPE",
        help="only this memory_type (repeat for several)",
    )
    group.add_argument("--source", help="only memories with exactly this source")
    group.add_argument(
        "--metadata",
        type=_json_object,
        metavar="JSON",
        help="only memories whose metadata contains this JSON object",
    )
    group.add_argument(
        "--after", metavar="TIMESTAMP", help="created at or after this time (ISO 8601)"
    )
    group.add_argument("--before", metavar="TIMESTAMP", help="created before this time (ISO 8601)")


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    with_embedder = _common(embedder=True)
    cluster = _common(database=False)
    fmt = argparse.RawDescriptionHelpFormatter

    def sub(
        group: Any,
        name: str,
        help_text: str,
        *,
        embedder: bool = False,
        description: str = "",
        parent: argparse.ArgumentParser | None = None,
    ) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = group.add_parser(
            name,
            help=help_text,
            description=textwrap.fill(
                description or help_text[0].upper() + help_text[1:] + ".", 88
            ),
            parents=[parent or (with_embedder if embedder else common)],
            formatter_class=fmt,
            epilog=EPILOG,
        )
        return parser

    root = argparse.ArgumentParser(
        prog="animus",
        description="animus: work queues, semantic memory and observability in one PostgreSQL.",
        parents=[common],
        formatter_class=fmt,
        epilog=EPILOG,
    )
    root.add_argument("--version", action="version", version=f"animus {__version__}")
    groups = root.add_subparsers(dest="group", metavar="COMMAND", required=True)

    # db
    db = groups.add_parser(
        "db",
        help="manage the embedded PostgreSQL cluster (script/db)",
        description=textwrap.fill(
            "Manage the embedded PostgreSQL cluster of an animus checkout: data in "
            ".local/pgdata, socket in .local/run, TCP on $ANIMUS_PGPORT (default 55432). Each "
            "command runs script/db.",
            88,
        ),
        formatter_class=fmt,
        epilog=EPILOG,
    )
    db_cmds = db.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub(
        db_cmds,
        "start",
        "create the cluster on first use, start it, create the database",
        parent=cluster,
    )
    sub(db_cmds, "stop", "stop the cluster", parent=cluster)
    sub(
        db_cmds,
        "status",
        "say whether the cluster runs and where (exit 3 when it does not)",
        parent=cluster,
    )
    url = sub(
        db_cmds,
        "url",
        "print the cluster's connection URL (unix socket, no password)",
        parent=cluster,
    )
    url.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help='print {"url": ...}'
    )
    deploy = sub(
        db_cmds,
        "deploy",
        "sqitch deploy the schema into the cluster (embedding_dim=$ANIMUS_EMBEDDING_DIM, "
        "default 384)",
        parent=cluster,
    )
    deploy.add_argument("database", nargs="?", help="database name (default: animus)")
    psql = sub(db_cmds, "psql", "open psql on the cluster's animus database", parent=cluster)
    psql.add_argument(
        "psql_args",
        nargs=argparse.REMAINDER,
        metavar="PSQL_ARGS",
        help="every argument after psql goes to psql unchanged, e.g. -c 'SELECT 1'",
    )

    # work
    work = groups.add_parser(
        "work",
        help="submit, read, settle and inspect work items; run a worker",
        description=textwrap.fill(
            "Work queues: structural dedup on (work_type, dedup_key), retries, "
            "dead letters and provenance (see docs/queue.md).",
            88,
        ),
        formatter_class=fmt,
        epilog=EPILOG,
    )
    work_cmds = work.add_subparsers(dest="command", metavar="COMMAND", required=True)

    create = sub(work_cmds, "create-queue", "create a queue (idempotent)")
    create.add_argument("queue", help="queue name: 1-47 characters of [a-z0-9_]")

    submit = sub(
        work_cmds,
        "submit",
        "submit a work item; an active item with the same work type and dedup key absorbs it "
        "(status merged)",
    )
    submit.add_argument("queue", help="queue name")
    submit.add_argument("work_type", help="what kind of work, e.g. summarize")
    submit.add_argument("--source", default="cli", help="who submits (default: cli)")
    submit.add_argument(
        "--params",
        type=_json_object,
        default={},
        metavar="JSON",
        help="the work's parameters, a JSON object (default {})",
    )
    submit.add_argument("--dedup-key", help="merge into the active item with this key")
    submit.add_argument("--trigger-info", help="why it was submitted (kept for provenance)")
    submit.add_argument("--priority", type=int, default=0, help="stored priority (default 0)")
    submit.add_argument("--parent-id", type=_uuid, help="the work item this one derives from")
    submit.add_argument(
        "--max-attempts", type=int, help="deliveries before it is dead-lettered (default 5)"
    )
    submit.add_argument(
        "--delay", type=int, default=0, metavar="SECONDS", help="delay the first delivery"
    )
    submit.add_argument(
        "--create-queue", action="store_true", help="create the queue first if it is missing"
    )

    read = sub(
        work_cmds,
        "read",
        "deliver items to you: they become running and stay invisible to other readers for "
        "--vt seconds",
    )
    read.add_argument("queue", help="queue name")
    read.add_argument("--vt", type=int, default=30, metavar="SECONDS", help="default 30")
    read.add_argument("--qty", type=int, default=1, help="how many items at most (default 1)")

    complete = sub(work_cmds, "complete", "complete a running item")
    complete.add_argument("work_id", type=_uuid, help="the item's id")
    complete.add_argument(
        "--outcome", type=_json_object, metavar="JSON", help="outcome data, a JSON object"
    )
    complete.add_argument("--ms", type=int, help="how long the work took, in milliseconds")

    fail = sub(
        work_cmds,
        "fail",
        "fail a running item: it is retried, or dead once its attempts are used up",
    )
    fail.add_argument("work_id", type=_uuid, help="the item's id")
    fail.add_argument("error", help="what went wrong (kept as outcome_error)")
    fail.add_argument(
        "--retry-delay",
        type=int,
        default=0,
        metavar="SECONDS",
        help="retry after this many seconds (default 0)",
    )

    show = sub(
        work_cmds,
        "show",
        "show an item and its provenance: what it merged into, its parent, its children and "
        "the submissions merged into it (animus.work_provenance)",
    )
    show.add_argument("work_id", type=_uuid, help="the item's id")

    requeue = sub(
        work_cmds,
        "requeue-dead",
        "requeue a queue's dead items with fresh attempts (an item whose dedup key is active "
        "again merges instead)",
    )
    requeue.add_argument("queue", help="queue name")
    requeue.add_argument(
        "--id",
        dest="work_ids",
        type=_uuid,
        action="append",
        metavar="WORK_ID",
        help="only this dead item (repeat for several; default: all of the queue's)",
    )

    sub(
        work_cmds,
        "overview",
        "per queue: items queued, running, dead and merged, the oldest queued item's age, and "
        "pgmq's queue length (animus.queue_overview)",
    )

    run = sub(
        work_cmds,
        "run",
        "run a worker: read items, handle each, complete it or fail it; SIGTERM or Ctrl-C "
        "finishes the current batch and exits 0",
        embedder=True,
        description="Run a worker. It reads the queues in turn, hands each item to the handler, "
        "then completes the item with the handler's return value as outcome_data, or fails it "
        "with the exception's message (retried after --retry-delay until its attempts are used "
        "up). The default handler embeds the item's text (params.text, else params.content, "
        "else the params as JSON) and stores it as a memory of type params.memory_type or the "
        "work type. SIGTERM or Ctrl-C finishes the current batch, then exits 0. Telemetry is "
        "exported when OTEL_EXPORTER_OTLP_ENDPOINT, ANIMUS_OTEL_EXPORTER or "
        "OTEL_TRACES_EXPORTER is set.",
    )
    run.add_argument(
        "queues",
        nargs="*",
        metavar="QUEUE",
        help="queues to read (default: $ANIMUS_WORK_QUEUES, comma-separated, else every "
        "queue in animus.queues)",
    )
    run.add_argument(
        "--handler",
        metavar="MODULE:FUNCTION",
        help="async def handler(db, item) -> dict | None (default: "
        "animus.cli.worker:remember); db.embedder is set when --embedder is given",
    )
    run.add_argument("--vt", type=int, default=60, metavar="SECONDS", help="default 60")
    run.add_argument("--batch", type=int, default=1, help="items per read (default 1)")
    run.add_argument(
        "--poll", type=float, default=1.0, metavar="SECONDS", help="idle wait (default 1)"
    )
    run.add_argument("--retry-delay", type=int, default=30, metavar="SECONDS", help="default 30")
    run.add_argument("--max-items", type=int, help="exit after handling this many items")
    run.add_argument(
        "--until-empty", action="store_true", help="exit when no queue delivers anything"
    )

    # memory
    memory = groups.add_parser(
        "memory",
        help="store, import and search memories",
        description=textwrap.fill(
            "Semantic memory: pgvector and full-text search (see docs/memory.md).", 88
        ),
        formatter_class=fmt,
        epilog=EPILOG,
    )
    mem_cmds = memory.add_subparsers(dest="command", metavar="COMMAND", required=True)

    add = sub(
        mem_cmds, "add", "embed a text and store it as a memory; prints its id", embedder=True
    )
    add.add_argument("content", help="the text to remember ('-' reads standard input)")
    add.add_argument("--type", dest="memory_type", required=True, help="memory_type")
    add.add_argument("--source", help="where it comes from")
    add.add_argument(
        "--metadata", type=_json_object, default={}, metavar="JSON", help="a JSON object"
    )

    imp = sub(
        mem_cmds,
        "import",
        "import a JSONL file or a folder of Markdown, in batches, with a progress bar on stderr",
        embedder=True,
        description="Import memories. A .jsonl file holds one JSON object per line with "
        "content and optionally memory_type, source and metadata. A folder is searched for "
        "*.md files: one memory per file, its source the relative path, its metadata the path "
        "and the first heading. Each batch is embedded and stored with one store_memories "
        "call; importing again stores nothing twice (same content and type give the same id).",
    )
    imp.add_argument("path", type=Path, help="a .jsonl file or a folder of Markdown")
    imp.add_argument(
        "--type",
        dest="memory_type",
        help="memory_type for items without one (default for Markdown: document)",
    )
    imp.add_argument("--source", help="source for items without one")
    imp.add_argument("--batch-size", type=int, default=64, help="memories per batch (default 64)")

    search = sub(
        mem_cmds,
        "search",
        "vector search: the memories closest in meaning (score = cosine similarity)",
        embedder=True,
    )
    search.add_argument("query", help="the text to search for")
    search.add_argument("--limit", type=int, default=10, help="default 10")
    _filter_options(search)

    hybrid = sub(
        mem_cmds,
        "hybrid",
        "hybrid search: vector and keyword (BM25) legs fused; shows each leg's rank",
        embedder=True,
    )
    hybrid.add_argument("query", help="the text to search for")
    hybrid.add_argument("--limit", type=int, default=10, help="default 10")
    _filter_options(hybrid)
    tuning = hybrid.add_argument_group("fusion (default: the database's)")
    tuning.add_argument("--fusion", choices=("convex", "rrf"), help="default convex")
    tuning.add_argument("--vector-weight", type=float, metavar="W", help="default 1")
    tuning.add_argument(
        "--keyword-weight", type=float, metavar="W", help="default 0.25 (convex) or 1 (rrf)"
    )
    tuning.add_argument("--rrf-k", type=int, metavar="K", help="rrf only; default 60")
    tuning.add_argument(
        "--keyword-ranking",
        choices=("bm25", "or_rank_cd", "and_rank_cd", "and_rank"),
        help="how the keyword leg ranks (default bm25)",
    )

    sub(
        mem_cmds,
        "stats",
        "memories per memory_type and embedding_model (animus.memory_overview)",
    )

    # demo
    demo = sub(
        groups,
        "demo",
        "run the end-to-end demo: queue, dedup, a worker, memory, hybrid search, trace tree",
        description="Run the end-to-end demo on a deployed database (script/demo sets up, "
        "deploys and runs this): it creates a queue, submits work (one submission merges by "
        "dedup key), runs a worker that embeds each item and stores it as a memory, runs a "
        "hybrid search, and prints each step and the trace tree. It uses the local embedder "
        "and can be run again and again.",
    )
    demo.add_argument("--queue", default="demo", help="queue to use (default: demo)")
    return root


# --- connection ---------------------------------------------------------------------------------


def resolve_url(args: argparse.Namespace) -> str:
    url = (
        _opt(args, "url")
        or os.environ.get("ANIMUS_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or _repo.embedded_url()
    )
    if not url:
        raise UsageError(
            "no database: pass --url or set DATABASE_URL",
            hint="inside an animus checkout the default is the embedded cluster (animus db url)",
        )
    return str(url)


def make_embedder(kind: str, url: str, dimensions: int) -> Embedder:
    """The embedder for ``--embedder``; openai's dimension defaults to the database's."""
    if kind == "openai":
        config = Config(database_url=url)
        return OpenAIEmbedder(
            config.embedding_model,
            config.embedding_dimensions or dimensions,
            api_key=config.require_openai_key(),
            base_url=config.openai_base_url,
            max_retries=config.llm_max_retries,
            timeout=config.llm_timeout_seconds,
        )
    return local_embedder_class()()


async def connect(args: argparse.Namespace, *, embedder: bool = False) -> Db:
    """Connect with the health check; with ``embedder``, also check its dimension."""
    url = resolve_url(args)
    db = await Db.connect(url, min_size=1, max_size=2)
    if embedder:
        try:
            db.embedder = make_embedder(
                _opt(args, "embedder") or "local", url, await db.embedding_dim()
            )
            await db.check()
        except BaseException:
            await db.close()
            raise
    return db


# --- db -----------------------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace, out: Output) -> int:
    if args.command == "url":
        proc = _repo.script_db("url", capture=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            return proc.returncode
        url = proc.stdout.strip()
        out.line(url, {"url": url})
        return EXIT_OK
    extra: list[str] = []
    if args.command == "deploy" and args.database:
        extra = [args.database]
    elif args.command == "psql":
        extra = [a for a in args.psql_args if a != "--"]
    sys.stdout.flush()
    return _repo.script_db(args.command, *extra).returncode


# --- work ---------------------------------------------------------------------------------------

SUBMIT_COLUMNS = ("work_id", "status", "merged_into", "msg_id")


async def cmd_work(args: argparse.Namespace, out: Output) -> int:
    if args.command == "run":
        return await cmd_work_run(args, out)
    async with await connect(args) as db:
        if args.command == "create-queue":
            await db.create_queue(args.queue)
            out.line(f"queue {args.queue} ready", {"queue": args.queue, "created": True})
        elif args.command == "submit":
            if args.create_queue:
                await db.create_queue(args.queue)
            result = await db.submit_work(
                NewWorkItem(
                    queue_name=args.queue,
                    work_type=args.work_type,
                    source=args.source,
                    params=args.params,
                    dedup_key=args.dedup_key,
                    trigger_info=args.trigger_info,
                    priority=args.priority,
                    parent_id=args.parent_id,
                    max_attempts=args.max_attempts,
                    delay_seconds=args.delay,
                )
            )
            out.rows([result.model_dump()], SUBMIT_COLUMNS)
        elif args.command == "read":
            items = await db.read_work(args.queue, args.vt, args.qty)
            out.rows(
                [item.model_dump() for item in items],
                ("id", "msg_id", "work_type", "dedup_key", "source", "attempts", "params"),
            )
        elif args.command == "complete":
            await db.complete(args.work_id, args.outcome, args.ms)
            out.line(f"{args.work_id} completed", {"work_id": args.work_id, "state": "completed"})
        elif args.command == "fail":
            state = await db.fail(args.work_id, args.error, args.retry_delay)
            note = f" (retried after {args.retry_delay}s)" if state == "queued" else ""
            out.line(f"{args.work_id} {state}{note}", {"work_id": args.work_id, "state": state})
        elif args.command == "show":
            await cmd_work_show(db, args.work_id, out)
        elif args.command == "requeue-dead":
            results = await db.requeue_dead(args.queue, args.work_ids)
            if results or out.as_json:
                out.rows([r.model_dump() for r in results], SUBMIT_COLUMNS)
            else:
                out.line(f"no dead items in {args.queue}")
        elif args.command == "overview":
            out.rows(
                await db.queue_overview(),
                (
                    "queue_name",
                    "queued",
                    "running",
                    "dead",
                    "merged",
                    "oldest_queued_age",
                    "queue_length",
                ),
            )
    return EXIT_OK


async def cmd_work_show(db: Db, work_id: uuid.UUID, out: Output) -> None:
    # work_provenance raises AN003 (exit 3) for an unknown id.
    provenance = await db.work_provenance(work_id)
    item = await db.work_item(work_id)
    assert item is not None, "work_provenance found the item"
    if out.as_json:
        out.one({"item": item, "provenance": provenance})
        return
    out.one(item)
    print("\nprovenance:", file=out.out)
    out.rows(
        provenance,
        ("relation", "id", "source", "trigger_info", "state", "attempts", "created_at"),
    )


async def _all_queues(db: Db) -> list[str]:
    env = os.environ.get("ANIMUS_WORK_QUEUES", "")
    queues = [q.strip() for q in env.split(",") if q.strip()]
    if queues:
        return queues
    return await db.queue_names()


async def cmd_work_run(args: argparse.Namespace, out: Output) -> int:
    from ..telemetry import TelemetryConfig, init_telemetry
    from .worker import Handler, ItemResult, Worker, load_handler, remember

    handler: Handler = remember
    if args.handler:
        try:
            handler = load_handler(args.handler)
        except (ValueError, ImportError) as exc:
            raise UsageError(
                f"--handler: {exc}",
                hint="pass module:function of an async def handler(db, item) that this "
                "Python can import",
            ) from exc
    exporting = any(
        os.environ.get(v)
        for v in ("OTEL_EXPORTER_OTLP_ENDPOINT", "ANIMUS_OTEL_EXPORTER", "OTEL_TRACES_EXPORTER")
    )
    guard = init_telemetry(
        TelemetryConfig.from_env() if exporting else TelemetryConfig(enabled=False)
    )

    def report(result: ItemResult) -> None:
        item = result.item
        data = {
            "work_id": item.id,
            "queue": item.queue_name,
            "work_type": item.work_type,
            "state": result.state,
            "ms": result.ms,
            "outcome": result.outcome,
            "error": result.error,
        }
        detail = result.error if result.error else json.dumps(result.outcome)
        out.line(
            f"{item.queue_name}  {item.id}  {item.work_type}  {result.state}  {result.ms} ms  "
            f"{detail}",
            data,
        )
        out.out.flush()

    try:
        wants_embedder = handler is remember or _opt(args, "embedder") is not None
        async with await connect(args, embedder=wants_embedder) as db:
            queues = list(args.queues) or await _all_queues(db)
            if not queues:
                raise UsageError(
                    "no queues to read",
                    hint="name them: animus work run QUEUE..., or set ANIMUS_WORK_QUEUES",
                )
            worker = Worker(
                db,
                queues,
                handler,
                vt_seconds=args.vt,
                batch_size=args.batch,
                poll_interval=args.poll,
                retry_delay_seconds=args.retry_delay,
                on_result=report,
            )
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, worker.stop)
            print(f"worker: reading {', '.join(queues)}", file=sys.stderr, flush=True)
            try:
                stats = await worker.run(max_items=args.max_items, until_empty=args.until_empty)
            finally:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(sig)
            why = " (stopped by signal)" if worker.stopping else ""
            print(
                f"worker: {stats.completed} completed, {stats.failed} failed{why}",
                file=sys.stderr,
            )
    finally:
        guard.shutdown()
    return EXIT_OK


# --- memory -------------------------------------------------------------------------------------


def _filters(args: argparse.Namespace) -> MemoryFilters:
    types = args.memory_types
    try:
        return MemoryFilters(
            memory_type=(types[0] if len(types) == 1 else types) if types else None,
            source=args.source,
            metadata=args.metadata,
            created_after=args.after,
            created_before=args.before,
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        raise UsageError(f"bad filter {field}: {first['msg']}") from None


MATCH_COLUMNS = ("id", "score", "memory_type", "source", "content")


async def cmd_memory(args: argparse.Namespace, out: Output) -> int:
    if args.command == "stats":
        async with await connect(args) as db:
            rows = await db.memory_overview()
            out.rows(
                rows,
                ("memory_type", "embedding_model", "memories", "oldest", "newest", "last_updated"),
            )
            if not out.as_json and rows:
                print(f"total: {sum(r['memories'] for r in rows)} memories", file=out.out)
        return EXIT_OK
    if args.command == "import":
        docs = load_import(args.path, args.memory_type, args.source)
    async with await connect(args, embedder=True) as db:
        if args.command == "add":
            content = sys.stdin.read() if args.content == "-" else args.content
            (memory_id,) = await db.store_memories(
                [
                    NewMemory(
                        content=content,
                        memory_type=args.memory_type,
                        source=args.source,
                        metadata=args.metadata,
                    )
                ]
            )
            out.line(str(memory_id), {"id": memory_id})
        elif args.command == "import":
            ids = await import_memories(db, docs, args.batch_size, str(args.path))
            out.line(
                f"imported {len(ids)} memories from {args.path}",
                {"imported": len(ids), "ids": ids},
            )
        elif args.command == "search":
            matches = await db.search_memory(args.query, args.limit, filters=_filters(args))
            out.rows([m.model_dump() for m in matches], MATCH_COLUMNS)
        elif args.command == "hybrid":
            hits = await db.hybrid_search(
                args.query,
                limit=args.limit,
                filters=_filters(args),
                fusion=args.fusion,
                vector_weight=args.vector_weight,
                keyword_weight=args.keyword_weight,
                rrf_k=args.rrf_k,
                keyword_ranking=args.keyword_ranking,
            )
            out.rows(
                [h.model_dump() for h in hits],
                ("id", "score", "vector_rank", "keyword_rank", "memory_type", "source", "content"),
            )
    return EXIT_OK


def load_import(path: Path, memory_type: str | None, source: str | None) -> list[NewMemory]:
    """Parse everything before storing anything, so a bad line stores nothing."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_dir():
        docs = []
        for file in sorted(path.rglob("*.md")):
            text = file.read_text(encoding="utf-8").strip()
            if not text:
                continue
            rel = file.relative_to(path).as_posix()
            title = next(
                (ln.lstrip("#").strip() for ln in text.splitlines() if ln.startswith("#")), None
            )
            metadata: dict[str, Any] = {"path": rel}
            if title:
                metadata["title"] = title
            docs.append(
                NewMemory(
                    content=text,
                    memory_type=memory_type or "document",
                    source=source or rel,
                    metadata=metadata,
                )
            )
        return docs
    docs = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{where}: not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("content"), str):
                raise UsageError(f"{where}: each line must be a JSON object with a content string")
            obj.setdefault("memory_type", memory_type)
            if not obj["memory_type"]:
                raise UsageError(
                    f"{where}: no memory_type", hint="give each line one, or pass --type"
                )
            if source and not obj.get("source"):
                obj["source"] = source
            try:
                docs.append(NewMemory.model_validate(obj))
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                field = ".".join(str(part) for part in first["loc"])
                raise UsageError(f"{where}: {field}: {first['msg']}") from None
    return docs


async def import_memories(db: Db, docs: list[NewMemory], batch_size: int, label: str) -> list[int]:
    if batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    progress = Progress(len(docs), f"importing {label}")
    ids: list[int] = []
    for start in range(0, len(docs), batch_size):
        batch = docs[start : start + batch_size]
        ids.extend(await db.store_memories(batch, batch_size=batch_size))
        progress.advance(len(batch))
    if not docs:
        progress.advance(0)
    return ids


# --- demo ---------------------------------------------------------------------------------------


async def cmd_demo(args: argparse.Namespace, out: Output) -> int:
    from ..demo import run_demo

    await run_demo(resolve_url(args), queue=args.queue, out=out.out)
    return EXIT_OK


# --- main ---------------------------------------------------------------------------------------


def exit_code(exc: BaseException) -> int:
    if isinstance(exc, NotFound | FileNotFoundError):
        return EXIT_NOT_FOUND
    if isinstance(exc, InvalidInput | UsageError):
        return EXIT_USAGE
    return EXIT_ERROR


_DEFAULT_HINTS: list[tuple[type[BaseException], str]] = [
    (
        ConnectionError,
        "is PostgreSQL running and the URL right? For the embedded cluster: animus db start",
    ),
]


def report_error(exc: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, ConfigError):
        message = "invalid configuration: " + "; ".join(exc.problems)
    elif isinstance(exc, AnimusError):
        message = exc.message
    elif isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
        message = str(exc)
    else:
        message = f"{type(exc).__name__}: {exc}"
    hint = exc.hint if isinstance(exc, AnimusError) else None
    if hint is None:
        hint = next((h for cls, h in _DEFAULT_HINTS if isinstance(exc, cls)), None)
    if hint is None and not isinstance(exc, AnimusError | OSError) and not debug:
        hint = "run again with --debug for the traceback"
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    if hint:
        print(f"hint: {' '.join(hint.split())}", file=sys.stderr)


Command = Callable[[argparse.Namespace, Output], Coroutine[Any, Any, int]]
ASYNC_COMMANDS: dict[str, Command] = {"work": cmd_work, "memory": cmd_memory, "demo": cmd_demo}


def _split_psql(argv: list[str]) -> tuple[list[str], list[str]]:
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    argv, psql_args = _split_psql(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if psql_args:
        args.psql_args = psql_args
    debug = bool(_opt(args, "debug", False))
    out = Output(bool(_opt(args, "json", False)))
    try:
        if args.group == "db":
            return cmd_db(args, out)
        return asyncio.run(ASYNC_COMMANDS[args.group](args, out))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`animus ... | head`): stop quietly, as SIGPIPE would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except Exception as exc:
        report_error(exc, debug)
        return exit_code(exc)


__all__ = ["EPILOG", "UsageError", "build_parser", "main"]

"""``animus work``: submit, read, settle and inspect work items; run a worker."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from typing import TYPE_CHECKING, Any

from ._args import add_command, add_group, json_object, opt, uuid_arg
from ._connect import connect
from ._errors import EXIT_ERROR, EXIT_OK, UsageError
from ._output import Output

if TYPE_CHECKING:
    from ..db import Db

SUBMIT_COLUMNS = ("work_id", "status", "merged_into", "msg_id")


async def create_queue(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        await db.create_queue(
            args.queue,
            partitioned=args.partitioned,
            partition_interval=args.partition_interval,
            retention_interval=args.retention_interval,
        )
    layout = " (partitioned)" if args.partitioned else ""
    out.line(
        f"queue {args.queue} ready{layout}",
        {"queue": args.queue, "created": True, "partitioned": args.partitioned},
    )
    return EXIT_OK


_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?|w|weeks?)\s*$",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration(text: str) -> dt.timedelta:
    """``7d``, ``12h``, ``30 minutes``, ``90s``: a non-negative duration for --older-than."""
    match = _DURATION.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"not a duration: {text!r} (use e.g. 7d, 12h, 30m, 90s or '2 weeks')"
        )
    unit = match.group(2).lower()
    return dt.timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[unit[0]])


_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def human_duration(delta: dt.timedelta) -> str:
    """``7 days``, ``1 day 12 hours``, ``90 minutes`` is ``1 hour 30 minutes``; at most two
    units, as a person would say it (``str(timedelta)`` prints ``7 days, 0:00:00``)."""
    left = round(delta.total_seconds())
    if left == 0:
        return "0 seconds"
    parts = []
    for name, seconds in _UNITS:
        count, left = divmod(left, seconds)
        if count:
            parts.append(f"{count} {name}{'s' * (count != 1)}")
    return " ".join(parts[:2])


async def purge(args: argparse.Namespace, out: Output) -> int:
    totals = {"reconciled": 0, "messages_deleted": 0, "items_deleted": 0}
    rounds = 0
    async with await connect(args) as db:
        while True:
            counts = await db.purge(
                args.older_than, args.max_items, args.queue, dry_run=args.dry_run
            )
            rounds += 1
            for key, n in counts.items():
                totals[key] += n
            # A round that reaches max_items may have left more; a dry run cannot tell, since
            # each of its rounds is rolled back.
            more = max(counts.values()) >= args.max_items
            if not (args.until_done and more and not args.dry_run):
                break
    data: dict[str, Any] = {
        **totals,
        "rounds": rounds,
        "dry_run": args.dry_run,
        "more": more,
        "older_than": args.older_than.total_seconds(),
        "queue": args.queue,
    }
    verb = "would remove" if args.dry_run else "removed"
    text = (
        f"{verb} {totals['messages_deleted']} archived messages and {totals['items_deleted']} "
        f"terminal items older than {human_duration(args.older_than)}; reconciled "
        f"{totals['reconciled']} items "
        f"whose message was gone"
    )
    if more:
        text += (
            " (more are left: run again, or add --until-done)"
            if not args.dry_run
            else (f" (at least: a round stops at --max-items {args.max_items})")
        )
    out.line(text, data)
    return EXIT_OK


async def reconcile(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        rows = await db.reconcile(args.queue, args.max_items)
    if rows or out.as_json:
        out.rows(rows, ("work_id", "state", "reason"))
    else:
        where = f" in {args.queue}" if args.queue else ""
        out.line(f"nothing to reconcile{where}: every active item has its message")
    return EXIT_OK


async def submit(args: argparse.Namespace, out: Output) -> int:
    from ..models import NewWorkItem

    async with await connect(args) as db:
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
    # One item in, one object out (a table row for people).
    if out.as_json:
        out.one(result.model_dump())
    else:
        out.rows([result.model_dump()], SUBMIT_COLUMNS)
    return EXIT_OK


async def read(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        items = await db.read_work(args.queue, args.vt, args.qty)
    out.rows(
        [item.model_dump() for item in items],
        ("id", "msg_id", "work_type", "dedup_key", "source", "attempts", "params"),
    )
    return EXIT_OK


async def complete(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        await db.complete(args.work_id, args.outcome, args.ms)
    out.line(f"{args.work_id} completed", {"work_id": args.work_id, "state": "completed"})
    return EXIT_OK


async def fail(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        state = await db.fail(args.work_id, args.error, args.retry_delay)
    if state != "queued":
        note = ""
    elif args.retry_delay is None:
        note = " (retried after the queue's backoff)"
    else:
        note = f" (retried after {args.retry_delay}s)"
    out.line(f"{args.work_id} {state}{note}", {"work_id": args.work_id, "state": state})
    return EXIT_OK


async def cancel(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        was = await db.cancel(args.work_id, args.reason)
    out.line(
        f"{args.work_id} cancelled (was {was})",
        {"work_id": args.work_id, "state": "dead", "was": was, "reason": args.reason},
    )
    return EXIT_OK


async def show(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        # work_provenance raises AN003 (exit 3) for an unknown id.
        provenance = await db.work_provenance(args.work_id)
        item = await db.work_item(args.work_id)
        attempts = await db.work_attempts(args.work_id)
    assert item is not None, "work_provenance found the item"
    if out.as_json:
        out.one({"item": item, "attempts": attempts, "provenance": provenance})
        return EXIT_OK
    out.one(item)
    if attempts:
        print("\nattempts:", file=out.out)
        out.rows(attempts, ("attempt", "kind", "at", "error"))
    print("\nprovenance:", file=out.out)
    out.rows(
        provenance,
        ("relation", "id", "source", "trigger_info", "state", "attempts", "created_at"),
    )
    return EXIT_OK


async def wait(args: argparse.Namespace, out: Output) -> int:
    from ..errors import WorkFailed

    async with await connect(args) as db:
        try:
            result = await db.wait_for(args.work_id, timeout=args.timeout)
        except WorkFailed as exc:
            # The work ended without a result: show what is known, and exit 1.
            out.one(exc.result.model_dump())
            print(f"error: {exc.message}", file=sys.stderr)
            return EXIT_ERROR
    out.one(result.model_dump())
    return EXIT_OK


async def requeue_dead(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        results = await db.requeue_dead(args.queue, args.work_ids)
    if results or out.as_json:
        out.rows([r.model_dump() for r in results], SUBMIT_COLUMNS)
    else:
        out.line(f"no dead items in {args.queue}")
    return EXIT_OK


async def overview(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        rows = await db.queue_overview()
    out.rows(
        rows,
        (
            "queue_name",
            "queued",
            "ready",
            "delayed",
            "running",
            "dead",
            "merged",
            "orphaned",
            "oldest_ready_age",
            "queue_length",
        ),
    )
    return EXIT_OK


async def _all_queues(db: Db) -> list[str]:
    env = os.environ.get("ANIMUS_WORK_QUEUES", "")
    queues = [q.strip() for q in env.split(",") if q.strip()]
    if queues:
        return queues
    return await db.queue_names()


async def _default_embedder(args: argparse.Namespace, db: Db) -> None:
    """Give a custom handler the default (local) embedder, as --embedder's help says, when it
    can be made here; else run without one (a handler that needs it hands items back)."""
    from ..errors import AnimusError
    from ._connect import make_embedder

    try:
        db.embedder = make_embedder("local", "", await db.embedding_dim())
        await db.check()
    except (ImportError, AnimusError, OSError) as exc:
        db.embedder = None
        print(
            f"worker: no embedder ({exc.__class__.__name__}: {str(exc).splitlines()[0]}); "
            "handlers that store memories will hand their items back",
            file=sys.stderr,
        )


async def run(args: argparse.Namespace, out: Output) -> int:
    from ..telemetry import TelemetryConfig, init_telemetry
    from ..worker import (
        Handler,
        HandlerError,
        ItemResult,
        TaskRegistry,
        Worker,
        load_target,
        remember,
    )

    handler: Handler | None = remember
    tasks: TaskRegistry | None = None
    if args.handler:
        try:
            target = load_target(args.handler)
        except HandlerError as exc:
            raise UsageError(
                f"--handler: {exc}",
                hint="pass module:name of a def or async def handler(db, item), or of an "
                "animus.TaskRegistry, that this Python can import (the working directory is on "
                "the path)",
            ) from exc
        if isinstance(target, TaskRegistry):
            handler, tasks = None, target
        else:
            handler = target
    for name in ("concurrency", "vt"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} must be at least 1")
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
        wants_embedder = handler is remember or opt(args, "embedder") is not None
        # Reads, settles and heartbeats share the pool, and LISTEN holds one connection.
        pool_size = min(args.concurrency, 8) + 2
        async with await connect(args, embedder=wants_embedder, max_size=pool_size) as db:
            if not wants_embedder:
                await _default_embedder(args, db)
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
                tasks=tasks,
                vt_seconds=args.vt,
                concurrency=args.concurrency,
                batch_size=args.batch,
                prefetch=args.prefetch,
                poll_interval=args.poll,
                retry_delay_seconds=args.retry_delay,
                shutdown_timeout=args.shutdown_timeout,
                on_result=report,
            )
            with worker.signals():
                # Announced only once SIGTERM and SIGINT are handled: a supervisor (or a test)
                # that signals as soon as it reads this line gets the graceful stop, not death
                # by the default action.
                print(
                    f"worker: reading {', '.join(queues)} with up to {args.concurrency} handler(s)",
                    file=sys.stderr,
                    flush=True,
                )
                stats = await worker.run(max_items=args.max_items, until_empty=args.until_empty)
            why = " (stopped by signal)" if worker.stopping else ""
            extra = "".join(
                f", {n} {label}"
                for n, label in (
                    (stats.lost, "lost their lease"),
                    (stats.cancelled, "cancelled"),
                    (stats.handed_back, "handed back"),
                    (stats.released, "handed back without an attempt (setup error)"),
                    (stats.refused, "of the failed refused by the database"),
                )
                if n
            )
            print(
                f"worker: {stats.completed} completed, {stats.failed} failed{extra}{why}",
                file=sys.stderr,
            )
    finally:
        guard.shutdown()
    return EXIT_OK


def configure_work_parser(groups: Any) -> None:
    cmds = add_group(
        groups,
        "work",
        "submit, read, settle and inspect work items; run a worker",
        "Work queues: structural dedup on (work_type, dedup_key), retries, "
        "dead letters and provenance (see docs/queue.md).",
    )

    create = add_command(
        cmds,
        "create-queue",
        "create a queue (idempotent)",
        create_queue,
        description="Create a queue (idempotent). With --partitioned, a pgmq partitioned queue "
        "through pg_partman: its tables are split by msg id (or enqueue time), pg_partman's "
        "background worker creates the next partitions and drops those past the retention, "
        "read or not; animus work reconcile (or purge) then settles the items whose message "
        'went, as dead. See docs/queue.md, "Partitioned queues".',
    )
    create.add_argument("queue", help="queue name: 1-47 characters of [a-z0-9_]")
    create.add_argument(
        "--partitioned", action="store_true", help="partition it through pg_partman"
    )
    create.add_argument(
        "--partition-interval",
        metavar="N|INTERVAL",
        help="msg ids per partition (default 10000) or an interval of enqueue time, e.g. "
        "'1 day' (with --partitioned)",
    )
    create.add_argument(
        "--retention-interval",
        metavar="N|INTERVAL",
        help="how much pg_partman keeps, of the same kind, at least one partition (default: "
        "10 partitions; with --partitioned)",
    )

    sub = add_command(
        cmds,
        "submit",
        "submit a work item; an active item with the same work type and dedup key absorbs it "
        "(status merged)",
        submit,
    )
    sub.add_argument("queue", help="queue name")
    sub.add_argument("work_type", help="what kind of work, e.g. summarize")
    sub.add_argument("--source", default="cli", help="who submits (default: cli)")
    sub.add_argument(
        "--params",
        type=json_object,
        default={},
        metavar="JSON",
        help="the work's parameters, a JSON object (default {})",
    )
    sub.add_argument("--dedup-key", help="merge into the active item with this key")
    sub.add_argument("--trigger-info", help="why it was submitted (kept for provenance)")
    sub.add_argument("--priority", type=int, default=0, help="stored priority (default 0)")
    sub.add_argument("--parent-id", type=uuid_arg, help="the work item this one derives from")
    sub.add_argument(
        "--max-attempts", type=int, help="deliveries before it is dead-lettered (default 5)"
    )
    sub.add_argument(
        "--delay", type=int, default=0, metavar="SECONDS", help="delay the first delivery"
    )
    sub.add_argument(
        "--create-queue", action="store_true", help="create the queue first if it is missing"
    )

    read_cmd = add_command(
        cmds,
        "read",
        "deliver items to you: they become running and stay invisible to other readers for "
        "--vt seconds",
        read,
    )
    read_cmd.add_argument("queue", help="queue name")
    read_cmd.add_argument("--vt", type=int, default=30, metavar="SECONDS", help="default 30")
    read_cmd.add_argument("--qty", type=int, default=1, help="how many items at most (default 1)")

    complete_cmd = add_command(cmds, "complete", "complete a running item", complete)
    complete_cmd.add_argument("work_id", type=uuid_arg, help="the item's id")
    complete_cmd.add_argument(
        "--outcome", type=json_object, metavar="JSON", help="outcome data, a JSON object"
    )
    complete_cmd.add_argument("--ms", type=int, help="how long the work took, in milliseconds")

    fail_cmd = add_command(
        cmds,
        "fail",
        "fail a running item: it is retried, or dead once its attempts are used up",
        fail,
    )
    fail_cmd.add_argument("work_id", type=uuid_arg, help="the item's id")
    fail_cmd.add_argument("error", help="what went wrong (kept as outcome_error)")
    fail_cmd.add_argument(
        "--retry-delay",
        type=int,
        metavar="SECONDS",
        help="retry after this many seconds (default: the queue's backoff policy)",
    )

    cancel_cmd = add_command(
        cmds,
        "cancel",
        "cancel a queued or running item: it is dead with the reason, its dedup key is free "
        "again, and a worker running it stops at its next heartbeat",
        cancel,
    )
    cancel_cmd.add_argument("work_id", type=uuid_arg, help="the item's id")
    cancel_cmd.add_argument("--reason", required=True, help="why (kept as outcome_error)")

    show_cmd = add_command(
        cmds,
        "show",
        "show an item and its provenance: what it merged into, its parent, its children and "
        "the submissions merged into it (animus.work_provenance)",
        show,
    )
    show_cmd.add_argument("work_id", type=uuid_arg, help="the item's id")

    wait_cmd = add_command(
        cmds,
        "wait",
        "wait for an item's result (following a merge to the item that absorbed it)",
        wait,
        description="Wait until the item is settled, woken by the database's notification "
        "(animus_settled), and print its result (animus.work_result): exit 0 when it "
        "completed, 1 when it is dead or was cancelled (the result is printed, the error on "
        "stderr) or when --timeout runs out first.",
    )
    wait_cmd.add_argument("work_id", type=uuid_arg, help="the id submit returned")
    wait_cmd.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="give up after this many seconds (default: wait for ever)",
    )

    requeue = add_command(
        cmds,
        "requeue-dead",
        "requeue a queue's dead items with fresh attempts (an item whose dedup key is active "
        "again merges instead)",
        requeue_dead,
    )
    requeue.add_argument("queue", help="queue name")
    requeue.add_argument(
        "--id",
        dest="work_ids",
        type=uuid_arg,
        action="append",
        metavar="WORK_ID",
        help="only this dead item (repeat for several; default: all of the queue's)",
    )

    add_command(
        cmds,
        "overview",
        "per queue: items queued (ready or delayed), running, dead and merged, the oldest ready "
        "item's age, and pgmq's queue length (animus.queue_overview)",
        overview,
    )

    purge_cmd = add_command(
        cmds,
        "purge",
        "retention: delete archived messages and settled items older than --older-than",
        purge,
        description="Retention (animus.purge): first reconcile (settle active items whose "
        "message is gone), then delete pgmq's archived messages and the terminal work items "
        "(completed, dead, merged) resolved more than --older-than ago, at most --max-items of "
        "each per round. An item stays while its provenance tree holds a live or recent item. "
        "Needs the animus_ops role (or the owner). Schedule it with pg_cron to run it "
        'regularly (docs/queue.md, "Retention").',
    )
    purge_cmd.add_argument(
        "--older-than",
        type=duration,
        default=dt.timedelta(days=7),
        metavar="DURATION",
        help="the retention window: 7d (default), 12h, 30m, 90s, '2 weeks'",
    )
    purge_cmd.add_argument("--queue", help="only this queue (default: every queue)")
    purge_cmd.add_argument(
        "--max-items", type=int, default=10000, help="per round, of each kind (default 10000)"
    )
    purge_cmd.add_argument(
        "--until-done",
        action="store_true",
        help="repeat rounds until one removes less than --max-items",
    )
    purge_cmd.add_argument(
        "--dry-run",
        action="store_true",
        help="run one round in a transaction that is rolled back: the counts say what it "
        "would remove, and nothing is",
    )

    reconcile_cmd = add_command(
        cmds,
        "reconcile",
        "settle active items whose pgmq message is gone (archived -> completed, deleted or "
        "dropped -> dead)",
        reconcile,
        description="Settle queued or running items whose pgmq message is gone "
        "(animus.reconcile): a pgmq client or an operator archived it (the item becomes "
        "completed) or deleted it, or a partitioned queue's retention dropped its partition (the "
        "item becomes dead); the reason goes into outcome_error and the dedup key is free "
        "again. Prints the settled items. Needs the animus_ops role (or the owner).",
    )
    reconcile_cmd.add_argument("--queue", help="only this queue (default: every queue)")
    reconcile_cmd.add_argument(
        "--max-items",
        type=int,
        default=1000,
        help="at most this many (default 1000): run again until fewer come back",
    )

    run_cmd = add_command(
        cmds,
        "run",
        "run a worker: read items, handle up to --concurrency at once, complete or fail each; "
        "SIGTERM or Ctrl-C stops reading and waits up to --shutdown-timeout, a second Ctrl-C "
        "stops at once",
        run,
        embedder=True,
        description="Run a worker. It reads the queues in turn into its free slots, runs the "
        "handler on up to --concurrency items at once while a heartbeat extends each item's "
        "visibility timeout, then completes the item with the handler's return value as "
        "outcome_data, or fails it with the exception's message (retried after --retry-delay, "
        "or the queue's backoff, until its attempts are used up). A result whose lease was lost "
        "(the item was delivered again) or whose item was cancelled is dropped, and the worker "
        "carries on. The default handler embeds the item's text (params.text, else "
        "params.content; an item with neither fails) and stores it as a memory of type "
        "params.memory_type or the work type. SIGTERM or Ctrl-C stops reading and waits up to "
        "--shutdown-timeout for the handlers, then cancels them and hands their items back "
        "(queued again); a second Ctrl-C does that at once. Exit 0. Telemetry is "
        "exported when OTEL_EXPORTER_OTLP_ENDPOINT, ANIMUS_OTEL_EXPORTER or "
        "OTEL_TRACES_EXPORTER is set.",
    )
    run_cmd.add_argument(
        "queues",
        nargs="*",
        metavar="QUEUE",
        help="queues to read (default: $ANIMUS_WORK_QUEUES, comma-separated, else every "
        "queue in animus.queues)",
    )
    run_cmd.add_argument(
        "--handler",
        metavar="MODULE:FUNCTION",
        help="def or async def handler(db, item) -> dict | None, or an animus.TaskRegistry "
        "(a handler per work type), importable from the working directory (default: "
        "animus.worker:remember); db.embedder is the --embedder (default local, when it loads)",
    )
    run_cmd.add_argument("--concurrency", type=int, default=1, help="handlers at once (default 1)")
    run_cmd.add_argument(
        "--vt",
        type=int,
        default=60,
        metavar="SECONDS",
        help="visibility timeout; the heartbeat extends it every third of it (default 60)",
    )
    run_cmd.add_argument(
        "--batch", type=int, help="most items per read (default: max(concurrency, 10))"
    )
    run_cmd.add_argument(
        "--prefetch",
        type=int,
        metavar="N",
        help="items to hold beyond the running ones, under their heartbeat (default: adapt to "
        "the handlers, as many as start within 0.1 s; 0: none)",
    )
    run_cmd.add_argument(
        "--shutdown-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long a stop waits for running handlers before handing their items back "
        "(default 30)",
    )
    run_cmd.add_argument(
        "--poll", type=float, default=1.0, metavar="SECONDS", help="idle wait (default 1)"
    )
    run_cmd.add_argument(
        "--retry-delay",
        type=int,
        metavar="SECONDS",
        help="retry a failed item after this many seconds (default: the queue's backoff "
        "policy, animus.set_queue_policy)",
    )
    run_cmd.add_argument("--max-items", type=int, help="exit after handling this many items")
    run_cmd.add_argument(
        "--until-empty", action="store_true", help="exit when no queue delivers anything"
    )


__all__ = ["configure_work_parser"]

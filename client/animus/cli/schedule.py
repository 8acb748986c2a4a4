"""``animus schedule``: periodic work on pg_cron (animus.schedule_work and its companions)."""

from __future__ import annotations

import argparse
from typing import Any

from ._args import add_command, add_group, json_object
from ._connect import connect
from ._errors import EXIT_OK
from ._output import Output

LIST_COLUMNS = (
    "name",
    "cron",
    "queue_name",
    "work_type",
    "dedup_key",
    "active",
    "jobid",
    "last_run_at",
    "last_status",
    "owner",
    "last_failure",
)


async def add(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        jobid = await db.schedule_work(
            args.name,
            args.cron,
            args.queue,
            args.work_type,
            args.params,
            args.dedup_key,
            args.priority,
            args.max_attempts,
        )
    out.line(
        f"schedule {args.name}: {args.work_type} into {args.queue} at '{args.cron}' "
        f"(pg_cron job {jobid})",
        {"name": args.name, "jobid": jobid, "cron": args.cron, "queue": args.queue},
    )
    return EXIT_OK


async def list_(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        rows = await db.list_schedules()
    if out.as_json:
        out.rows(rows, LIST_COLUMNS)
    elif rows:
        # pg_cron's message is "ERROR: ..." then HINT and CONTEXT lines: the table shows the
        # first line, --json all of it.
        out.rows(
            [{**r, "last_failure": _first_line(r["last_failure"])} for r in rows], LIST_COLUMNS
        )
    else:
        out.line("no schedules (add one: animus schedule add NAME CRON QUEUE WORK_TYPE)")
    return EXIT_OK


def _first_line(message: str | None) -> str | None:
    return message.strip().splitlines()[0] if message and message.strip() else message


async def _set_paused(args: argparse.Namespace, out: Output, paused: bool) -> int:
    async with await connect(args) as db:
        await db.pause_schedule(args.name, paused)
    state = "paused" if paused else "active"
    out.line(f"schedule {args.name} {state}", {"name": args.name, "active": not paused})
    return EXIT_OK


async def pause(args: argparse.Namespace, out: Output) -> int:
    return await _set_paused(args, out, True)


async def resume(args: argparse.Namespace, out: Output) -> int:
    return await _set_paused(args, out, False)


async def remove(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        await db.unschedule_work(args.name)
    out.line(
        f"schedule {args.name} removed (the items it submitted stay)",
        {"name": args.name, "removed": True},
    )
    return EXIT_OK


def configure_schedule_parser(groups: Any) -> None:
    cmds = add_group(
        groups,
        "schedule",
        "periodic work on pg_cron: add, list, pause, resume and remove schedules",
        "Schedules submit work on a cron schedule through pg_cron (animus.schedule_work): "
        "each run calls submit_work, so with a --dedup-key a schedule never piles up items "
        "while workers are down. They need pg_cron in the database (script/db start sets it "
        "up) and the animus_ops role. A schedule belongs to the role that added it: only that "
        "role and the schema owner may replace, pause or remove it. "
        'See docs/queue.md, "Schedules".',
    )

    add_cmd = add_command(
        cmds,
        "add",
        "submit WORK_TYPE into QUEUE on the cron schedule CRON (the same NAME replaces it)",
        add,
    )
    add_cmd.add_argument("name", help="1-56 characters of [a-z0-9_-] (pg_cron job animus:NAME)")
    add_cmd.add_argument(
        "cron",
        help="when: five cron fields ('0 * * * *' is hourly), @hourly, @daily; '30 seconds' "
        "needs pg_cron 1.5 or later",
    )
    add_cmd.add_argument("queue", help="queue name (it must exist: animus work create-queue)")
    add_cmd.add_argument("work_type", help="what kind of work, e.g. summarize_inbox")
    add_cmd.add_argument(
        "--params",
        type=json_object,
        default={},
        metavar="JSON",
        help="the work's parameters, a JSON object (default {})",
    )
    add_cmd.add_argument(
        "--dedup-key",
        help="a run while an item with this key is still active writes nothing (recommended)",
    )
    add_cmd.add_argument("--priority", type=int, default=0, help="stored priority (default 0)")
    add_cmd.add_argument(
        "--max-attempts", type=int, help="deliveries before it is dead-lettered (default 5)"
    )

    add_command(
        cmds,
        "list",
        "every schedule with its owner and pg_cron job: active or paused, last run and its "
        "status, the last failure's message",
        list_,
    )
    for name, handler, text in (
        ("pause", pause, "pause a schedule: its pg_cron job stays, and does not run"),
        ("resume", resume, "resume a paused schedule"),
        ("remove", remove, "remove a schedule and its pg_cron job; the items it submitted stay"),
    ):
        cmd = add_command(cmds, name, text, handler)
        cmd.add_argument("name", help="the schedule's name (animus schedule list)")


__all__ = ["configure_schedule_parser"]

"""The ``animus`` command line: the embedded cluster, work queues, memory, and the demo.

``animus --help`` lists the commands; each has its own ``--help``. Tables are for people,
``--json`` is for scripts. A failure prints ``error: <message>`` and ``hint: <hint>`` on stderr
(a traceback only with ``--debug``) and exits with the codes in :data:`EPILOG`.

Each command group lives in its own module (``db``, ``work``, ``schedule``, ``memory``,
``demo``) with its parser and its handlers side by side: ``configure_<group>_parser`` adds the
commands, and each command's ``set_defaults(func=...)`` names the handler that :func:`main`
runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from ._args import FORMATTER, Handler, common_options, opt
from ._errors import (
    EPILOG,
    EXIT_INTERRUPTED,
    EXIT_PIPE,
    UsageError,
    exit_code,
    report_error,
)
from ._output import Output
from .db import configure_db_parser, split_psql_args
from .demo import configure_demo_parser
from .memory import configure_memory_parser
from .schedule import configure_schedule_parser
from .work import configure_work_parser

if TYPE_CHECKING:
    import asyncio


def build_parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="animus",
        description="animus: work queues, semantic memory and observability in one PostgreSQL.",
        parents=[common_options()],
        formatter_class=FORMATTER,
        epilog=EPILOG,
    )
    root.add_argument(
        "--version",
        action="store_true",
        help="print the client's version and schema release, and the release the database "
        "(--url, $DATABASE_URL, or the embedded cluster) has deployed",
    )
    # Not required=True: --version needs no command (main says when one is missing).
    groups = root.add_subparsers(dest="group", metavar="COMMAND")
    configure_db_parser(groups)
    configure_work_parser(groups)
    configure_schedule_parser(groups)
    configure_memory_parser(groups)
    configure_demo_parser(groups)
    return root


def _quiet_orphans(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # Ctrl-C during a connect leaves the driver's inner connection future failed and unread;
    # its "Future exception was never retrieved" report is noise after "interrupted".
    if isinstance(context.get("exception"), OSError | asyncio.CancelledError):
        return
    loop.default_exception_handler(context)


def _run(coro: Coroutine[Any, Any, int]) -> int:
    import asyncio  # here: --help and --version need no event loop

    with asyncio.Runner() as runner:
        runner.get_loop().set_exception_handler(_quiet_orphans)
        return runner.run(coro)


#: The variables that ask for telemetry; without one, the CLI sets none up (and loads no SDK).
TELEMETRY_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "ANIMUS_OTEL_EXPORTER",
    "OTEL_TRACES_EXPORTER",
)


def _start_telemetry(args: argparse.Namespace) -> Any:
    """The telemetry guard of a command that talks to the database when the environment asks
    for an exporter (None otherwise). Console output goes to stderr, away from the command's.
    ``work run`` and ``demo`` set up their own; ``db`` commands run script/db and Sqitch."""
    if not any(os.environ.get(v) for v in TELEMETRY_VARIABLES):
        return None
    if args.group in ("db", "demo") or (args.group == "work" and args.command == "run"):
        return None
    import dataclasses

    from ..telemetry import TelemetryConfig, init_telemetry

    return init_telemetry(dataclasses.replace(TelemetryConfig.from_env(), console_out=sys.stderr))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    argv, psql_args = split_psql_args(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if psql_args:
        args.psql_args = psql_args
    debug = bool(opt(args, "debug", False))
    out = Output(bool(opt(args, "json", False)))
    if args.group is None and not args.version:
        parser.error("the following arguments are required: COMMAND")
    try:
        if args.version:
            from .version import report

            return report(args, out)
        handler: Handler = args.func
        guard = _start_telemetry(args)
        try:
            result = handler(args, out)
            return result if isinstance(result, int) else _run(result)
        finally:
            if guard is not None:
                guard.shutdown()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`animus ... | head`): stop quietly, as SIGPIPE would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except Exception as exc:
        if getattr(exc, "sqlstate", None) == "AN002":  # an unknown queue: a typo of one?
            from ._hints import queue_names

            args.known_queues = queue_names(args)
        report_error(exc, debug, args)
        return exit_code(exc)


__all__ = ["EPILOG", "UsageError", "build_parser", "main"]

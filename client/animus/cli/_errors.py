"""Exit codes and the one-line error report every command shares."""

from __future__ import annotations

import argparse
import sys
import traceback

from ..errors import (
    AnimusError,
    ConfigError,
    ConnectionError,
    InvalidImportFile,
    InvalidInput,
    NotFound,
)
from ._hints import cli_hint
from ._repo import ClusterNotRunning

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
       deployed, a provider failed, or the configuration is invalid
  2    bad arguments: an invalid command line or input file, or arguments the database
       rejects as invalid (SQLSTATE AN001, AN005-AN008, AN010-AN014, AN018, AN020,
       AN021, AN026, AN030, AN031, AN035, AN036)
  3    not found or not running: an unknown queue, work item or schedule (AN002, AN003,
       AN019), a missing file, or the embedded cluster is not running (animus db status,
       psql, deploy)
  130  interrupted (Ctrl-C)
  141  the output pipe was closed early (e.g. `| head`)

A failure prints "error: <message>" and, when there is one, "hint: <hint>" on stderr;
--debug adds the traceback.

environment:
  DATABASE_URL, ANIMUS_DATABASE_URL  the database when --url is not given, from the
                                     environment or ./.env (default: the embedded
                                     cluster, `animus db url`, in a checkout)
  ANIMUS_HOME                        the animus checkout (default: found from the working
                                     directory or from this package's location)
  ANIMUS_PGPORT                      the embedded cluster's port when it is first started
                                     (animus db start remembers it)
  ANIMUS_EMBEDDING_DIM               the embedding dimension of a first animus db deploy
                                     (default 384)
  OPENAI_API_KEY, OPENAI_BASE_URL,   for --embedder openai (the dimension defaults to the
  ANIMUS_EMBEDDING_MODEL,            database's animus.embedding_dim())
  ANIMUS_EMBEDDING_DIMENSIONS
"""


class UsageError(AnimusError):
    """An argument the CLI itself cannot use (bad JSON, a missing --type...): exit 2."""


def exit_code(exc: BaseException) -> int:
    if isinstance(exc, NotFound | FileNotFoundError | ClusterNotRunning):
        return EXIT_NOT_FOUND
    if isinstance(exc, InvalidInput | InvalidImportFile | UsageError):
        return EXIT_USAGE
    return EXIT_ERROR


def _connection_hint() -> str:
    # The embedded cluster exists only in a checkout; a library user has their own server.
    from ._repo import find_root

    hint = "is PostgreSQL running and the URL right?"
    return hint + (" For the embedded cluster: animus db start" if find_root() else "")


def report_error(exc: BaseException, debug: bool, args: argparse.Namespace | None = None) -> None:
    """``error: <message>`` and ``hint: <hint>`` on stderr, each on one line; ``args`` (the
    command that failed) lets the hint name the CLI command that fixes it."""
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
    hint = cli_hint(exc, args) or (exc.hint if isinstance(exc, AnimusError) else None)
    if hint is None and isinstance(exc, ConnectionError):
        hint = _connection_hint()
    if hint is None and not isinstance(exc, AnimusError | OSError) and not debug:
        hint = "run again with --debug for the traceback"
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    if hint:
        print(f"hint: {' '.join(hint.split())}", file=sys.stderr)


__all__ = [
    "EPILOG",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_PIPE",
    "EXIT_USAGE",
    "UsageError",
    "exit_code",
    "report_error",
]

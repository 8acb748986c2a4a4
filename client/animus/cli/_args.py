"""Argument types, the options every command shares, and how a command is added to a group."""

from __future__ import annotations

import argparse
import functools
import json
import textwrap
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from ._output import Output

#: A command's handler: ``(args, out)`` returns the exit code, or a coroutine that returns it
#: (the commands that talk to the database), which ``main`` runs in a new event loop.
Handler = Callable[[argparse.Namespace, Output], int | Coroutine[Any, Any, int]]

FORMATTER = argparse.RawDescriptionHelpFormatter

#: The end of every group's and command's --help: the exit codes and the environment are told
#: once, by ``animus --help`` (``_errors.EPILOG``), not repeated under each command.
SEE_TOP_HELP = "Exit codes and environment variables: animus --help."


def json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc.msg}): {text!r}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"must be a JSON object, not {type(value).__name__}")
    return value


def uuid_arg(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a UUID: {text!r}") from None


def opt(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    """An option from :func:`common_options`, which is absent unless given (``SUPPRESS``)."""
    return getattr(args, name, default)


@functools.cache
def common_options(embedder: bool = False, *, database: bool = True) -> argparse.ArgumentParser:
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


def add_group(groups: Any, name: str, help_text: str, description: str) -> Any:
    """A command group (``animus NAME COMMAND``); returns its subparsers to add commands to."""
    parser = groups.add_parser(
        name,
        help=help_text,
        description=textwrap.fill(description, 88),
        formatter_class=FORMATTER,
        epilog=SEE_TOP_HELP,
    )
    return parser.add_subparsers(dest="command", metavar="COMMAND", required=True)


def add_command(
    group: Any,
    name: str,
    help_text: str,
    handler: Handler,
    *,
    embedder: bool = False,
    description: str = "",
    parent: argparse.ArgumentParser | None = None,
) -> argparse.ArgumentParser:
    """Add the command ``name`` to ``group``; ``handler(args, out)`` runs it."""
    parser: argparse.ArgumentParser = group.add_parser(
        name,
        help=help_text,
        description=textwrap.fill(description or help_text[0].upper() + help_text[1:] + ".", 88),
        parents=[parent or common_options(embedder)],
        formatter_class=FORMATTER,
        epilog=SEE_TOP_HELP,
    )
    parser.set_defaults(func=handler)
    return parser


__all__ = [
    "FORMATTER",
    "SEE_TOP_HELP",
    "Handler",
    "add_command",
    "add_group",
    "common_options",
    "json_object",
    "opt",
    "uuid_arg",
]

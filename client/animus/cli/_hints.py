"""Hints in the CLI's own terms.

The SQL functions' hints speak SQL (``SELECT animus.create_queue('inbox');``), which is right
in psql. Someone who typed an ``animus`` command gets the command that fixes it instead.
"""

from __future__ import annotations

import argparse
import difflib

from ..errors import AnimusError, EmbeddingDimensionMismatch


def queue_names(args: argparse.Namespace) -> list[str]:
    """The queues of the database the command used ([] when they cannot be read): one more
    connection, on the unknown-queue error path only (``main`` keeps them in
    ``args.known_queues`` for the hint)."""
    import asyncio

    import asyncpg

    from ..sql import QUEUE_NAMES
    from ._connect import resolve_target

    async def fetch() -> list[str]:
        conn = await asyncpg.connect(resolve_target(args).url, timeout=5)
        try:
            return [r[0] for r in await conn.fetch(QUEUE_NAMES)]
        finally:
            await conn.close()

    try:
        return asyncio.run(fetch())
    except Exception:
        return []


def did_you_mean(name: str, known: list[str]) -> str | None:
    """``did you mean inbox?`` (or ``inbox or outbox``) when ``known`` has names close to it."""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.8)
    return f"did you mean {' or '.join(close)}?" if close else None


def _unknown_queue(exc: AnimusError, args: argparse.Namespace) -> str | None:
    queue = getattr(args, "queue", None) or "NAME"
    if queue != "NAME":
        guess = did_you_mean(queue, getattr(args, "known_queues", None) or [])
        if guess is not None:
            return f"{guess} (animus work overview lists the queues)"
    hint = f"create it first: animus work create-queue {queue}"
    if getattr(args, "command", None) == "submit":
        hint += " (or submit with --create-queue)"
    return hint


def _unknown_work_item(exc: AnimusError, args: argparse.Namespace) -> str | None:
    if getattr(args, "command", None) == "submit":
        return "--parent-id must be the id of an existing work item"
    if getattr(args, "command", None) == "requeue-dead":
        return "pass ids of dead items of this queue with --id, or no --id for all of them"
    if getattr(args, "work_id", None) is None:
        return None
    return "pass a work_id that animus work submit or animus work read printed"


def _wrong_state(exc: AnimusError, args: argparse.Namespace) -> str | None:
    work_id = getattr(args, "work_id", None)
    if work_id is None:
        return None
    if getattr(args, "command", None) in ("complete", "fail"):
        return (
            "only an item delivered by animus work read (state running) can be settled; "
            f"see its state: animus work show {work_id}"
        )
    return f"see its state: animus work show {work_id}"


def _dimension(exc: AnimusError, args: argparse.Namespace) -> str | None:
    # `sqitch deploy --set embedding_dim=N` does nothing to a deployed database; the path that
    # works is another embedder, or set_embedding_dim and a re-embed (every memory is kept).
    if isinstance(exc, EmbeddingDimensionMismatch) and exc.expected and exc.actual:
        from ..reembed import dimension_change_hint

        return dimension_change_hint(exc.expected, exc.actual)
    return (
        "use an embedder that makes animus.embedding_dim() dimensions (--embedder local makes "
        "384), or change the database's dimension keeping every memory: as the schema owner "
        "run SELECT animus.set_embedding_dim(N); then animus memory reembed (see "
        'docs/operations.md, "Changing the embedding dimension")'
    )


def _unknown_schedule(exc: AnimusError, args: argparse.Namespace) -> str | None:
    return "animus schedule list shows the schedules by name"


#: SQLSTATE -> the CLI's hint for it (None: keep the server's).
_TRANSLATIONS = {
    "AN002": _unknown_queue,
    "AN003": _unknown_work_item,
    "AN004": _wrong_state,
    "AN012": _dimension,
    "AN019": _unknown_schedule,
}


def cli_hint(exc: BaseException, args: argparse.Namespace | None) -> str | None:
    """The hint to print for ``exc`` raised by the command ``args`` ran (None: no better one
    than the exception's own)."""
    if args is None or not isinstance(exc, AnimusError) or exc.sqlstate is None:
        return None
    translate = _TRANSLATIONS.get(exc.sqlstate)
    return translate(exc, args) if translate is not None else None


__all__ = ["cli_hint", "did_you_mean", "queue_names"]

"""Hints in the CLI's own terms.

The SQL functions' hints speak SQL (``SELECT animus.create_queue('inbox');``), which is right
in psql. Someone who typed an ``animus`` command gets the command that fixes it instead.
"""

from __future__ import annotations

import argparse

from ..errors import AnimusError, EmbeddingDimensionMismatch


def _unknown_queue(exc: AnimusError, args: argparse.Namespace) -> str | None:
    queue = getattr(args, "queue", None) or "NAME"
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


__all__ = ["cli_hint"]

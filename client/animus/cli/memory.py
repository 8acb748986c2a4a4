"""``animus memory``: store, import and search memories."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NotFound
from ._args import add_command, add_group, json_object, opt
from ._connect import connect, make_embedder, resolve_target
from ._errors import EXIT_OK, UsageError
from ._output import Output, Progress

if TYPE_CHECKING:
    # pydantic, the chunker and the embedders load when a command runs, not for --help.
    from ..importer import ImportPlan
    from ..models import MemoryFilters

#: animus.memory.DEFAULT_SCOPE and animus.reembed.MAX_BATCH, for the help texts without
#: importing those modules (test_cli_unit checks that they agree).
DEFAULT_SCOPE = "default"
MAX_BATCH = 1000

MATCH_COLUMNS = ("id", "score", "memory_type", "source", "content")

#: The environment variable that names the scope when --scope is not given.
SCOPE_ENV = "ANIMUS_SCOPE"


def _scope(args: argparse.Namespace) -> str:
    """--scope, else ANIMUS_SCOPE, else the default scope."""
    return str(args.scope or os.environ.get(SCOPE_ENV) or DEFAULT_SCOPE)


def _filters(args: argparse.Namespace) -> MemoryFilters:
    from pydantic import ValidationError

    from ..models import MemoryFilters

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


# add and import read their input before the event loop starts: a blocking read inside a
# coroutine would make Ctrl-C only cancel the task (asyncio's first SIGINT), not stop the read.


def add(args: argparse.Namespace, out: Output) -> Coroutine[Any, Any, int]:
    content = sys.stdin.read() if args.content == "-" else args.content
    return _add(args, out, content)


async def _add(args: argparse.Namespace, out: Output, content: str) -> int:
    async with await connect(args, embedder=True) as db:
        memory_id = await db.store_memory(
            content,
            args.memory_type,
            key=args.key,
            source=args.source,
            metadata=args.metadata,
            scope=_scope(args),
        )
    out.line(str(memory_id), {"id": memory_id})
    return EXIT_OK


async def get(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        memory = await db.get_memory(args.id, scope=_scope(args))
    if memory is None:
        raise NotFound(f"no memory has id {args.id}")
    out.one(memory.model_dump())
    return EXIT_OK


def update(args: argparse.Namespace, out: Output) -> Coroutine[Any, Any, int]:
    content = sys.stdin.read() if args.content == "-" else args.content
    if content is None and args.metadata is None:
        raise UsageError("give --content and/or --metadata")
    return _update(args, out, content)


async def _update(args: argparse.Namespace, out: Output, content: str | None) -> int:
    async with await connect(args, embedder=content is not None) as db:
        found = await db.update_memory(
            args.id, content=content, metadata=args.metadata, scope=_scope(args)
        )
    if not found:
        raise NotFound(f"no memory has id {args.id}")
    out.line(f"updated {args.id}", {"id": args.id, "updated": True})
    return EXIT_OK


async def forget(args: argparse.Namespace, out: Output) -> int:
    has_filter = any(
        v is not None
        for v in (args.memory_types, args.source, args.metadata, args.after, args.before)
    )
    chosen = sum(x for x in (args.id is not None, args.key is not None, has_filter or args.all))
    if chosen != 1:
        raise UsageError("give one of: an ID, --key KEY, filters (--type, --source, ...) or --all")
    async with await connect(args) as db:
        if args.id is not None:
            if not await db.forget_memory(args.id, scope=_scope(args)):
                raise NotFound(f"no memory has id {args.id}")
            deleted = 1
        elif args.key is not None:
            deleted = await db.forget_document(args.key, scope=_scope(args))
        else:
            deleted = await db.forget_memories(_filters(args), all=args.all, scope=_scope(args))
    out.line(f"forgot {deleted} memories", {"forgotten": deleted})
    return EXIT_OK


def import_(args: argparse.Namespace, out: Output) -> Coroutine[Any, Any, int]:
    # Read and parse everything before connecting: a bad JSONL line stores nothing.
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    from ..importer import load_import

    plan = load_import(args.path, args.memory_type, args.source)
    for file, reason in plan.skipped:
        print(f"skipped {file}: {reason}", file=sys.stderr)
    return _import(args, out, plan)


async def _import(args: argparse.Namespace, out: Output, plan: ImportPlan) -> int:
    import asyncio

    from ..importer import ImportResult, import_plan

    result = ImportResult()
    show = bool(args.progress) or sys.stderr.isatty()
    async with await connect(args, embedder=True) as db:
        bar = _ImportBar(plan, f"importing {args.path}") if show else None
        try:
            await import_plan(db.scoped(_scope(args)), plan, args.batch_size, bar, result)
        except (asyncio.CancelledError, KeyboardInterrupt):
            # Ctrl-C: each document is stored whole or not at all, so say what is stored;
            # the next run skips it (unchanged) and carries on with the rest.
            if bar is not None:
                bar.close()
            print(
                f"stopped: stored {_stored(result)} before the interrupt; run the same command "
                "again to carry on (the documents stored are skipped, nothing is embedded twice)",
                file=sys.stderr,
            )
            raise
        if bar is not None:
            bar.close()
    skipped = [{"file": f, "reason": r} for f, r in plan.skipped]
    text = f"imported {len(result.ids)} memories from {args.path}"
    if plan.documents:
        text += (
            f" ({len(plan.documents)} documents: {result.documents_stored} stored, "
            f"{result.documents_unchanged} unchanged and skipped)"
        )
    if skipped:
        text += f"; skipped {len(skipped)} files (listed above)"
    out.line(
        text,
        {
            "imported": len(result.ids),
            "ids": result.ids,
            "documents": len(plan.documents),
            "documents_stored": result.documents_stored,
            "documents_unchanged": result.documents_unchanged,
            "chunks_stored": result.chunks_stored,
            "memories_stored": result.memories_stored,
            "skipped": skipped,
        },
    )
    return EXIT_OK


def _stored(result: Any) -> str:
    return (
        f"{result.documents_stored} documents ({result.chunks_stored} chunks) and "
        f"{result.memories_stored} JSONL memories ({result.documents_unchanged} documents were "
        "unchanged)"
    )


class _ImportBar:
    """The import's progress on stderr with tqdm: documents (and the JSONL file) as the bar,
    chunks stored, their rate, and the documents skipped as unchanged."""

    def __init__(self, plan: ImportPlan, label: str) -> None:
        import time

        from tqdm import tqdm

        self._clock = time.monotonic
        self._start = self._clock()
        self._jsonl_left = len(plan.memories)
        self.chunks = self.unchanged = 0
        self.bar = tqdm(
            total=plan.files,
            desc=label,
            unit="file",
            file=sys.stderr,
            dynamic_ncols=True,
            mininterval=0.2,
            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} files [{elapsed}<{remaining}{postfix}]",
        )
        self._postfix()

    def document(self, doc: Any, chunks: int, unchanged: bool) -> None:
        if unchanged:
            self.unchanged += 1
        else:
            self.chunks += chunks
        self._postfix()
        self.bar.update(1)

    def memories(self, n: int) -> None:
        self.chunks += n
        self._jsonl_left -= n
        self._postfix()
        if self._jsonl_left <= 0:
            self.bar.update(1)

    def _postfix(self) -> None:
        rate = self.chunks / max(self._clock() - self._start, 1e-6)
        self.bar.set_postfix_str(
            f"{self.chunks} chunks, {rate:.1f} chunks/s, {self.unchanged} unchanged", refresh=False
        )

    def close(self) -> None:
        self.bar.close()


async def search(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args, embedder=True) as db:
        matches = await db.search_memory(
            args.query, args.limit, filters=_filters(args), scope=_scope(args)
        )
        out.rows([m.model_dump() for m in matches], MATCH_COLUMNS)
        if not matches:
            await _hint_unknown_scope(db, args)
    return EXIT_OK


async def hybrid(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args, embedder=True) as db:
        hits = await db.hybrid_search(
            args.query,
            limit=args.limit,
            filters=_filters(args),
            fusion=args.fusion,
            vector_weight=args.vector_weight,
            keyword_weight=args.keyword_weight,
            rrf_k=args.rrf_k,
            keyword_ranking=args.keyword_ranking,
            scope=_scope(args),
        )
        out.rows(
            [h.model_dump() for h in hits],
            ("id", "score", "vector_rank", "keyword_rank", "memory_type", "source", "content"),
        )
        if not hits:
            await _hint_unknown_scope(db, args)
    return EXIT_OK


def _chosen_scope(args: argparse.Namespace) -> str | None:
    """--scope or ANIMUS_SCOPE when one was given, else None (every scope)."""
    return _scope(args) if args.scope or os.environ.get(SCOPE_ENV) else None


async def _hint_unknown_scope(db: Any, args: argparse.Namespace) -> None:
    """After a call that found nothing in a scope the user named: when the scope holds no
    memories at all (a typo, most often), say so on stderr, with the close scope names. Needs
    to read animus.memory_overview (animus_ops, or the owner); says nothing without it."""
    from ..errors import PermissionDenied
    from ._hints import did_you_mean

    chosen = _chosen_scope(args)
    if chosen is None:
        return
    try:
        scopes = sorted({row["scope"] for row in await db.memory_overview()})
    except PermissionDenied:
        return
    if chosen in scopes:
        return
    guess = did_you_mean(chosen, scopes) or "animus memory stats lists the scopes"
    print(f"hint: scope {chosen!r} holds no memories; {guess}", file=sys.stderr)


async def stats(args: argparse.Namespace, out: Output) -> int:
    async with await connect(args) as db:
        rows = await db.memory_overview(_chosen_scope(args))
        if not rows:
            await _hint_unknown_scope(db, args)
    out.rows(
        rows,
        ("scope", "memory_type", "embedding_model", "memories", "oldest", "newest", "last_updated"),
    )
    if not out.as_json and rows:
        print(f"total: {sum(r['memories'] for r in rows)} memories", file=out.out)
    return EXIT_OK


async def reembed(args: argparse.Namespace, out: Output) -> int:
    target = resolve_target(args)
    async with await connect(args) as db:
        kind = opt(args, "embedder") or "local"
        embedder = make_embedder(kind, target.url, await db.embedding_dim(), model=args.model)
        if args.model is not None and embedder.model != args.model:
            raise UsageError(
                f"--model {args.model}: the local embedder is {embedder.model}",
                hint="--embedder openai re-embeds with any model of an OpenAI-compatible endpoint",
            )
        db.embedder = embedder
        await db.check()  # the embedder's dimension against the database's, with the hint
        scope = _chosen_scope(args)
        total = await db.count_to_reembed(embedder.model, memory_type=args.memory_type, scope=scope)
        progress = Progress(total, f"re-embedding with {embedder.model}")
        result = await db.reembed(
            memory_type=args.memory_type,
            batch_size=args.batch,
            on_batch=progress.advance,
            scope=scope,
        )
        if not total and scope is not None:
            await _hint_unknown_scope(db, args)
        if not total:
            progress.advance(0)
    text = f"re-embedded {result.reembedded} memories with {result.model}"
    if result.skipped:
        text += f" ({result.skipped} skipped: forgotten or changed meanwhile)"
    out.line(text, result.model_dump())
    return EXIT_OK


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
        type=json_object,
        metavar="JSON",
        help="only memories whose metadata contains this JSON object",
    )
    group.add_argument(
        "--after", metavar="TIMESTAMP", help="created at or after this time (ISO 8601)"
    )
    group.add_argument("--before", metavar="TIMESTAMP", help="created before this time (ISO 8601)")


def _scope_option(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    parser.add_argument(
        "--scope",
        help=help
        or f"the scope (tenant, user, agent or run) to work in; default ${SCOPE_ENV}, else "
        f"{DEFAULT_SCOPE!r}",
    )


def configure_memory_parser(groups: Any) -> None:
    cmds = add_group(
        groups,
        "memory",
        "store, import and search memories",
        "Semantic memory: pgvector and full-text search (see docs/memory.md).",
    )

    add_cmd = add_command(
        cmds, "add", "embed a text and store it as a memory; prints its id", add, embedder=True
    )
    add_cmd.add_argument("content", help="the text to remember ('-' reads standard input)")
    add_cmd.add_argument("--type", dest="memory_type", required=True, help="memory_type")
    add_cmd.add_argument("--source", help="where it comes from")
    add_cmd.add_argument(
        "--key",
        help="an external key (path, URL, message id): storing it again replaces the memory",
    )
    add_cmd.add_argument(
        "--metadata", type=json_object, default={}, metavar="JSON", help="a JSON object"
    )
    _scope_option(add_cmd)

    imp = add_command(
        cmds,
        "import",
        "import a JSONL file or a folder of Markdown; unchanged documents are skipped",
        import_,
        embedder=True,
        description="Import memories. A .md, .markdown or .txt file (any case) is a document: "
        "it is split into chunks that fit the embedder (by Markdown headings, then token "
        "windows with overlap) and stored under its path as key, so importing a changed file "
        "again replaces all of its chunks. A .jsonl file holds one JSON object per line with "
        "content and optionally memory_type, source and metadata, stored in batches (the same "
        "content and type give the same id). A folder is searched for all of these; a file "
        "that cannot be read or is not UTF-8 is skipped and reported, the rest are imported. "
        "A document whose text (its SHA-256, kept in the metadata as content_sha256), type, "
        "source and embedding model match what its key holds is skipped without embedding, so "
        "an import can be run again after an edit or a Ctrl-C and does only what is left. "
        "Progress (files, chunks, chunks/s) goes to stderr on a terminal, or with --progress.",
    )
    imp.add_argument("path", type=Path, help="a file (.md, .markdown, .txt, .jsonl) or a folder")
    imp.add_argument(
        "--type",
        dest="memory_type",
        help="memory_type for items without one (default for documents: document)",
    )
    imp.add_argument("--source", help="source for items without one")
    imp.add_argument("--batch-size", type=int, default=64, help="memories per batch (default 64)")
    imp.add_argument(
        "--progress",
        action="store_true",
        help="show the progress bar (files, chunks, chunks/s) on stderr even when it is not a "
        "terminal (on a terminal it is always shown)",
    )
    _scope_option(imp)

    search_cmd = add_command(
        cmds,
        "search",
        "vector search: the memories closest in meaning (score = cosine similarity)",
        search,
        embedder=True,
    )
    search_cmd.add_argument("query", help="the text to search for")
    search_cmd.add_argument("--limit", type=int, default=10, help="default 10")
    _scope_option(search_cmd)
    _filter_options(search_cmd)

    hybrid_cmd = add_command(
        cmds,
        "hybrid",
        "hybrid search: vector and keyword (BM25) legs fused; shows each leg's rank",
        hybrid,
        embedder=True,
    )
    hybrid_cmd.add_argument("query", help="the text to search for")
    hybrid_cmd.add_argument("--limit", type=int, default=10, help="default 10")
    _scope_option(hybrid_cmd)
    _filter_options(hybrid_cmd)
    tuning = hybrid_cmd.add_argument_group("fusion (default: the database's)")
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

    rem = add_command(
        cmds,
        "reembed",
        "re-embed the memories of another model (or none) in batches, resumably, with progress",
        reembed,
        embedder=True,
        description="Re-embed, batch by batch, every memory whose embedding is missing or was "
        "made by another model than --model (default: the embedder's model), optionally of "
        "one --type. Each batch records its model as it is written, so an interrupted run "
        "continues where it stopped when started again. After a dimension change "
        "(SELECT animus.set_embedding_dim(N)) this fills the emptied embeddings. Progress is "
        "a bar on a terminal, one line per batch otherwise (on stderr).",
    )
    rem.add_argument(
        "--model",
        help="the embedding model (--embedder openai: any model of the endpoint; default "
        "ANIMUS_EMBEDDING_MODEL; local: all-MiniLM-L6-v2)",
    )
    rem.add_argument("--type", dest="memory_type", help="only memories of this memory_type")
    _scope_option(rem, help=f"only this scope (default ${SCOPE_ENV}, else every scope)")
    rem.add_argument(
        "--batch", type=int, default=100, help=f"memories per batch, 1..{MAX_BATCH} (default 100)"
    )

    get_cmd = add_command(cmds, "get", "show one memory by id", get)
    get_cmd.add_argument("id", type=int, help="the memory's id")
    _scope_option(get_cmd)

    upd = add_command(
        cmds,
        "update",
        "change a memory's content (re-embedded) or metadata (replaced) in place",
        update,
        embedder=True,
    )
    upd.add_argument("id", type=int, help="the memory's id")
    upd.add_argument("--content", help="the new text ('-' reads standard input); re-embedded")
    upd.add_argument(
        "--metadata", type=json_object, metavar="JSON", help="the new metadata (replaces it)"
    )
    _scope_option(upd)

    fgt = add_command(
        cmds,
        "forget",
        "delete a memory by id, a document by key, or the memories matching filters",
        forget,
        description="Delete memories: one by ID, a keyed memory or document (all its chunks) "
        "by --key, or every memory matching the filters. Filters that narrow nothing are "
        "refused; --all deletes every memory of the scope.",
    )
    fgt.add_argument("id", type=int, nargs="?", help="the memory's id")
    fgt.add_argument("--key", help="forget the memory or document stored under this key")
    fgt.add_argument(
        "--all", action="store_true", help="forget every memory of the scope (with no filter)"
    )
    _scope_option(fgt)
    _filter_options(fgt)

    stats_cmd = add_command(
        cmds,
        "stats",
        "memories per scope, memory_type and embedding_model (animus.memory_overview)",
        stats,
    )
    _scope_option(stats_cmd, help=f"only this scope (default ${SCOPE_ENV}, else every scope)")


__all__ = ["configure_memory_parser"]

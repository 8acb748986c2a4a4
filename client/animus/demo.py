"""The end-to-end demo (``animus demo``, run by ``script/demo``).

On a deployed database, in one run: check the schema, create a queue, submit work (one
submission merges into another by dedup key), run a worker that embeds each item and stores it
as a memory, run a hybrid search, and print what happened and the trace tree. Telemetry goes to
an in-memory exporter and is printed as a tree at the end, so nothing needs to listen for OTLP.

Each run uses fresh dedup keys, so it can be run again and again on the same database; the
memories it stores are deduplicated by content, so a second run finds the same ones.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import TextIO

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from .db import Db
from .models import MemoryFilters, NewWorkItem
from .telemetry import TelemetryConfig, init_telemetry, render_span_tree

#: What the demo's agents submit: (source, dedup key, text).
NOTES: tuple[tuple[str, str, str], ...] = (
    (
        "agent-support",
        "incident-4021",
        "The Friday deploy failed because the disk on ledgerd was full; "
        "the logs now go to a separate volume.",
    ),
    (
        "agent-support",
        "incident-4022",
        "Login fails for SSO users after the certificate rotation; "
        "re-importing the identity provider metadata fixes it.",
    ),
    (
        "agent-research",
        "note-hnsw",
        "HNSW indexes trade memory for recall: a larger ef_search finds more neighbours "
        "and costs latency.",
    ),
    (
        "agent-research",
        "pref-amara",
        "Amara prefers written feedback to calls, ideally before noon.",
    ),
)
#: A second agent reports incident 4021 again: same work type and dedup key, so it merges.
DUPLICATE = (
    "agent-ops",
    "incident-4021",
    "Deploy failed on Friday: ledgerd out of disk.",
    "webhook: pagerduty",
)
WORK_TYPE = "remember"
MEMORY_TYPE = "demo_note"
QUERY = "why did the deploy fail?"


def _short(value: uuid.UUID | str) -> str:
    # Work ids are time-ordered (their first hex digits are a timestamp shared by items made
    # in the same moment), so the random tail is what tells them apart.
    return str(value)[-8:]


async def run_demo(url: str, *, queue: str = "demo", out: TextIO) -> None:
    """Run the demo against ``url``, printing to ``out``."""
    from .embeddings import local_embedder_class
    from .worker import ItemResult, Worker

    started = time.perf_counter()
    exporter = InMemorySpanExporter()
    guard = init_telemetry(
        TelemetryConfig(
            service_name="animus-demo",
            exporter="none",
            span_exporters=(exporter,),
            bridge_logging=False,
            set_global=False,
        )
    )
    assert guard.tracer_provider is not None
    tracer = guard.tracer_provider.get_tracer("animus.demo")
    run_id = uuid.uuid4().hex[:8]

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    try:
        with tracer.start_as_current_span("animus demo", attributes={"demo.run": run_id}):
            say(f"animus demo (run {run_id})")
            say()
            say("1. Connect and check the schema")
            embedder = local_embedder_class()()
            with tracer.start_as_current_span("connect"):
                db = await Db.connect(url, embedder=embedder, min_size=1, max_size=2)
            async with db:
                dim = await db.embedding_dim()
                say(
                    f"   the animus schema is deployed (embedding_dim {dim}); embedder "
                    f"{embedder.model} ({embedder.provider}, {embedder.dimensions} dimensions)"
                )

                say()
                say(f"2. Create the queue {queue!r} and submit work")
                submitted: dict[str, uuid.UUID] = {}
                with tracer.start_as_current_span("submit work"):
                    await db.create_queue(queue)
                    for source, key, text in NOTES:
                        result = await db.submit_work(
                            NewWorkItem(
                                queue_name=queue,
                                work_type=WORK_TYPE,
                                source=source,
                                params={"text": text, "memory_type": MEMORY_TYPE},
                                dedup_key=f"{key}:{run_id}",
                            )
                        )
                        submitted[key] = result.work_id
                        say(
                            f"   {source:<15} {key:<14} -> {result.status} "
                            f"(work {_short(result.work_id)}, msg {result.msg_id})"
                        )
                    source, key, text, trigger = DUPLICATE
                    dup = await db.submit_work(
                        NewWorkItem(
                            queue_name=queue,
                            work_type=WORK_TYPE,
                            source=source,
                            params={"text": text, "memory_type": MEMORY_TYPE},
                            dedup_key=f"{key}:{run_id}",
                            trigger_info=trigger,
                        )
                    )
                    target = dup.merged_into
                    say(
                        f"   {source:<15} {key:<14} -> {dup.status} into "
                        f"{_short(target or '?')}: same work type and dedup key, so no "
                        "second message"
                    )

                say()
                say("3. A worker reads the queue, embeds each item and stores it as a memory")

                def report(result: ItemResult) -> None:
                    item = result.item
                    what = (
                        f"memory #{result.outcome['memory_id']}"
                        if result.outcome
                        else f"error {result.error}"
                    )
                    say(
                        f"   processed {_short(item.id)} from {item.source:<15} "
                        f"-> {what}, {result.state} in {result.ms} ms"
                    )

                with tracer.start_as_current_span("worker"):
                    worker = Worker(db, [queue], on_result=report)
                    stats = await worker.run(until_empty=True)
                say(f"   {stats.completed} completed, {stats.failed} failed")

                say()
                say(f"4. Provenance of work {_short(submitted['incident-4021'])}")
                with tracer.start_as_current_span("provenance"):
                    rows = await db.work_provenance(submitted["incident-4021"])
                for row in rows:
                    trigger_text = f" ({row['trigger_info']})" if row["trigger_info"] else ""
                    say(f"   {row['relation']:<8} {row['source']:<15} {row['state']}{trigger_text}")

                say()
                say(f"5. Hybrid search (vector + keyword): {QUERY!r}")
                with tracer.start_as_current_span("hybrid search"):
                    hits = await db.hybrid_search(
                        QUERY, limit=3, filters=MemoryFilters(memory_type=MEMORY_TYPE)
                    )
                say(f"   {'score':>6}  {'vector':>6}  {'keyword':>7}  content")
                for hit in hits:
                    say(
                        f"   {hit.score:6.3f}  {hit.vector_rank or '-':>6}  "
                        f"{hit.keyword_rank or '-':>7}  {hit.content}"
                    )
    finally:
        guard.shutdown()

    say()
    say("6. Trace tree (captured in memory)")
    # asyncpg's pool resets each connection it takes back: one span per release, left out.
    spans = [s for s in exporter.get_finished_spans() if not _is_pool_reset(s)]
    tree = render_span_tree(spans, label=_label, timings=True, fold=True)
    for line in tree.splitlines():
        say("   " + line)
    say()
    say(f"done in {time.perf_counter() - started:.1f} s")


def _is_pool_reset(span: ReadableSpan) -> bool:
    statement = (span.attributes or {}).get("db.statement")
    return isinstance(statement, str) and statement.startswith("SELECT pg_advisory_unlock_all()")


_ANIMUS_OBJECT = re.compile(r"\banimus\.(\w+)")


def _label(span: ReadableSpan) -> str:
    """The span's name; a database span adds the animus function or view it called, a
    process span the work id."""
    attrs = span.attributes or {}
    statement = attrs.get("db.statement") or attrs.get("db.query.text")
    if isinstance(statement, str):
        found = _ANIMUS_OBJECT.search(statement)
        if found:
            return f"{span.name} animus.{found[1]}"
    work_id = attrs.get("animus.work.id")
    if isinstance(work_id, str):
        return f"{span.name} [work {_short(work_id)}]"
    return span.name


__all__ = ["run_demo"]

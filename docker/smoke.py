"""A smoke test of the client against the compose stack's Postgres (run by script/test-docker).

    python docker/smoke.py postgresql://animus:animus@127.0.0.1:5432/animus

Queue (submit, dedup merge, read, complete) and memory (store, hybrid search) through the real
client, under one trace exported over OTLP (``OTEL_EXPORTER_OTLP_ENDPOINT``). It prints
``trace <id>`` last, so the caller can look for that trace at the receiver.
"""

from __future__ import annotations

import asyncio
import sys
import uuid

from animus import Db, LocalEmbedder, MemoryFilters, NewMemory, NewWorkItem
from animus.telemetry import TelemetryConfig, init_telemetry


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"smoke test failed: {what}")


async def smoke(url: str) -> str:
    config = TelemetryConfig(
        service_name="animus-docker-smoke",
        metrics_exporter="none",
        logs_exporter="none",
        bridge_logging=False,
        set_global=False,
    )
    run = uuid.uuid4().hex[:8]
    queue = f"smoke_{run}"
    with init_telemetry(config) as guard:
        assert guard.tracer_provider is not None
        tracer = guard.tracer_provider.get_tracer("animus.docker-smoke")
        with tracer.start_as_current_span("docker smoke") as root:
            embedder = LocalEmbedder()
            async with await Db.connect(url, embedder=embedder, min_size=1, max_size=2) as db:
                dim = await db.embedding_dim()
                check(dim == embedder.dimensions, f"embedding_dim {dim}")
                print(f"connected; embedding_dim {dim}")

                await db.create_queue(queue)
                item = NewWorkItem(
                    queue_name=queue, work_type="smoke", source="docker", dedup_key=run
                )
                first = await db.submit_work(item)
                second = await db.submit_work(item)
                check(first.status == "queued", f"first submit {first.status}")
                check(
                    second.status == "merged" and second.merged_into == first.work_id,
                    f"second submit {second.status}, merged into {second.merged_into}",
                )
                (work,) = await db.read_work(queue, vt_seconds=30)
                check(work.id == first.work_id and work.state == "running", "read_work")
                await db.complete(work, outcome_data={"ok": True})
                state = (await db.work_item(work.id) or {}).get("state")
                check(state == "completed", f"state after complete: {state}")
                print(f"queue {queue}: queued, merged, read, completed")

                kind = f"smoke_{run}"
                fact = "The smoke test stored this note in the container's Postgres."
                await db.store_memories([NewMemory(content=fact, memory_type=kind)])
                hits = await db.hybrid_search(
                    "which note did the smoke test store?", filters=MemoryFilters(memory_type=kind)
                )
                check(any(h.content == fact for h in hits), "hybrid_search found the note")
                print(f"memory {kind}: stored, found by hybrid search")

                # compose.yaml preloads pg_cron for the animus database; the deploy creates it.
                assert db.pool is not None
                job = await db.pool.fetchval(
                    "SELECT animus.schedule_work($1, '0 * * * *', $2, 'smoke', dedup_key => $1)",
                    kind,
                    queue,
                )
                jobs = await db.pool.fetchval("SELECT count(*) FROM cron.job WHERE jobid = $1", job)
                check(jobs == 1, "pg_cron registered the schedule")
                await db.pool.execute("SELECT animus.unschedule_work($1)", kind)
                print(f"schedule {kind}: registered with pg_cron, removed")

                # The image installs pg_partman and compose.yaml preloads its background worker.
                parted = f"{queue}_parted"
                await db.create_queue(parted, partitioned=True, partition_interval="1000")
                preload = await db.pool.fetchval("SHOW shared_preload_libraries")
                check("pg_partman_bgw" in preload, f"pg_partman_bgw preloaded: {preload}")
                await db.submit_work(
                    NewWorkItem(queue_name=parted, work_type="smoke", source="docker")
                )
                (work,) = await db.read_work(parted, vt_seconds=30)
                await db.complete(work)
                print(f"queue {parted}: partitioned through pg_partman, submitted, read, completed")
            trace_id = format(root.get_span_context().trace_id, "032x")
    return trace_id


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(f"trace {asyncio.run(smoke(sys.argv[1]))}")


if __name__ == "__main__":
    main()

"""Every SQL statement the client sends, and the one method through which they all go.

Each statement calls one ``animus`` function with named arguments and explicit casts, so that a
reader can match it to the function's signature (DESIGN.md, "SQL API") and so that asyncpg's
prepared-statement cache holds one entry per constant.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from typing import Any, Literal

# --- health check at connect -------------------------------------------------------------------

#: Is the schema there, does it record its embedding dimension, can it list its Sqitch changes?
#: (to_regprocedure never raises, so an agent role without rights on Sqitch's registry passes.)
HEALTH_PROBE = """
SELECT to_regnamespace('animus') IS NOT NULL AS schema_deployed,
       to_regprocedure('animus.embedding_dim()') IS NOT NULL AS has_embedding_dim,
       to_regprocedure('animus.deployed_changes()') IS NOT NULL AS registry_readable
"""

EMBEDDING_DIM = "SELECT animus.embedding_dim()"

#: Decodes to a dict only when the connection has the client's codecs (a caller's pool may not).
JSONB_PROBE = "SELECT '{}'::jsonb"

#: The Sqitch changes deployed in this database for the animus project (read by a definer function).
DEPLOYED_CHANGES = "SELECT change FROM animus.deployed_changes() AS change"

# --- work queue --------------------------------------------------------------------------------

CREATE_QUEUE = "SELECT animus.create_queue(queue_name => $1::text)"

#: With the layout: a partitioned queue through pg_partman (docs/queue.md, "Partitioned queues").
CREATE_QUEUE_LAYOUT = """SELECT animus.create_queue(
    queue_name => $1::text, partitioned => $2::boolean, partition_interval => $3::text,
    retention_interval => $4::text)"""

SUBMIT_WORK = """SELECT * FROM animus.submit_work(
    queue_name => $1::text, work_type => $2::text, source => $3::text, params => $4::jsonb,
    dedup_key => $5::text, trigger_info => $6::text, priority => $7::integer,
    parent_id => $8::uuid, max_attempts => $9::integer, delay_seconds => $10::integer)"""

#: submit_work with the submitter's trace context as arguments (used while a span is sampled):
#: the database then stores it without parsing the statement's sqlcommenter comment.
SUBMIT_WORK_TRACED = (
    SUBMIT_WORK[: SUBMIT_WORK.rindex(")")]
    + ",\n    traceparent => $11::text, tracestate => $12::text)"
)

SUBMIT_WORK_BATCH = "SELECT * FROM animus.submit_work_batch(items => $1::jsonb)"

READ_WORK = """SELECT * FROM animus.read_work(
    queue_name => $1::text, vt_seconds => $2::integer, qty => $3::integer)"""

COMPLETE_WORK = """SELECT animus.complete_work(
    work_id => $1::uuid, outcome_data => $2::jsonb, outcome_ms => $3::bigint,
    lease => $4::integer)"""

COMPLETE_WORK_BATCH = "SELECT * FROM animus.complete_work_batch(items => $1::jsonb)"
#: The most items one complete_work_batch call takes (its AN008 limit).
COMPLETE_WORK_BATCH_MAX = 1000

#: retry_delay_seconds NULL: the queue's backoff policy (see SET_QUEUE_POLICY).
FAIL_WORK = """SELECT animus.fail_work(
    work_id => $1::uuid, error => $2::text, retry_delay_seconds => $3::integer,
    lease => $4::integer)"""

#: Hand a running item back without consuming an attempt (the worker cannot run it).
RELEASE_WORK = """SELECT animus.release_work(
    work_id => $1::uuid, reason => $2::text, delay_seconds => $3::integer, lease => $4::integer)"""

#: The outcome of a submission, following merges (animus.work_result).
WORK_RESULT = "SELECT * FROM animus.work_result(work_id => $1::uuid)"

SET_WORK_TYPE_POLICY = """SELECT animus.set_work_type_policy(
    work_type => $1::text, max_attempts => $2::integer, retry_base_seconds => $3::integer,
    retry_cap_seconds => $4::integer)"""

EXTEND_WORK = """SELECT animus.extend_work(
    work_id => $1::uuid, vt_seconds => $2::integer, lease => $3::integer)"""

CANCEL_WORK = "SELECT animus.cancel_work(work_id => $1::uuid, reason => $2::text)"

SET_QUEUE_POLICY = """SELECT animus.set_queue_policy(
    queue_name => $1::text, retry_base_seconds => $2::integer, retry_cap_seconds => $3::integer)"""

ARCHIVE_WORK = "SELECT animus.archive_work(queue_name => $1::text, msg_id => $2::bigint)"

DELETE_WORK = "SELECT animus.delete_work(queue_name => $1::text, msg_id => $2::bigint)"

#: Operator call (animus_ops): give dead items a new message, merging where the key is taken.
REQUEUE_DEAD = """SELECT * FROM animus.requeue_dead(
    queue_name => $1::text, work_ids => $2::uuid[], max_items => $3::integer)"""

#: The channel submit_work and submit_work_batch NOTIFY (payload: the queue name) when they
#: queue a ready item; workers LISTEN on it.
WORK_CHANNEL = "animus_work"

#: The channel the work_items_settled trigger NOTIFYs (payload: the item id) when an item
#: becomes completed or dead; ``Db.wait_for`` LISTENs on it.
SETTLED_CHANNEL = "animus_settled"

# --- operator reads (views and functions granted to animus_ops) ---------------------------------

# --- retention and schedules (operator calls) ---------------------------------------------------

RECONCILE = """SELECT work_id, state, reason FROM animus.reconcile(
    queue_name => $1::text, max_items => $2::integer)"""

PURGE = """SELECT reconciled, messages_deleted, items_deleted FROM animus.purge(
    older_than => $1::interval, max_items => $2::integer, queue_name => $3::text)"""

SCHEDULE_WORK = """SELECT animus.schedule_work(
    name => $1::text, cron => $2::text, queue_name => $3::text, work_type => $4::text,
    params => $5::jsonb, dedup_key => $6::text, priority => $7::integer,
    max_attempts => $8::integer)"""

LIST_SCHEDULES = """SELECT name, cron, queue_name, work_type, params, dedup_key, active, jobid,
    last_run_at, last_status, owner, last_failure_at, last_failure
    FROM animus.list_schedules() ORDER BY name"""

PAUSE_SCHEDULE = "SELECT animus.pause_schedule(name => $1::text, paused => $2::boolean)"

UNSCHEDULE_WORK = "SELECT animus.unschedule_work(name => $1::text)"

QUEUE_OVERVIEW = """SELECT queue_name, queued, running, dead, merged, oldest_queued_age,
    queue_length, ready, delayed, oldest_ready_age, orphaned
    FROM animus.queue_overview ORDER BY queue_name"""

QUEUE_NAMES = "SELECT queue_name FROM animus.queues ORDER BY queue_name"

WORK_PROVENANCE = "SELECT * FROM animus.work_provenance(work_id => $1::uuid)"

#: One work item as an operator sees it (max_attempts with its default of 5 applied).
WORK_ITEM = """SELECT id, queue_name, work_type, dedup_key, source, trigger_info, state, priority,
    attempts, coalesce(max_attempts, 5) AS max_attempts, params, outcome_data, outcome_error,
    outcome_ms, parent_id, merged_into, pgmq_msg_id AS msg_id, traceparent, created_at,
    updated_at, resolved_at
FROM animus.work_items WHERE id = $1::uuid"""

#: An item's attempt history (animus.work_attempts), oldest first.
WORK_ATTEMPTS = """SELECT attempt, kind, error, at FROM animus.work_attempts
WHERE work_id = $1::uuid ORDER BY id"""

MEMORY_OVERVIEW = (
    "SELECT * FROM animus.memory_overview ORDER BY scope, memory_type, embedding_model"
)
MEMORY_OVERVIEW_SCOPE = (
    "SELECT * FROM animus.memory_overview WHERE scope = $1::text"
    " ORDER BY memory_type, embedding_model"
)

# --- semantic memory ---------------------------------------------------------------------------

STORE_MEMORY = """SELECT animus.store_memory(
    content => $1::text, memory_type => $2::text, embedding => $3::public.vector,
    source => $4::text, metadata => $5::jsonb, embedding_model => $6::text, scope => $7::text)"""

#: One id per item, in input order (the function returns them in that order).
STORE_MEMORIES = (
    "SELECT id FROM animus.store_memories(items => $1::jsonb, scope => $2::text) AS stored(id)"
)

SEARCH_MEMORY = """SELECT * FROM animus.search_memory(
    query_embedding => $1::public.vector, match_count => $2::integer, filters => $3::jsonb,
    group_by_document => $4::boolean, scope => $5::text)"""

HYBRID_SEARCH = """SELECT * FROM animus.hybrid_search(
    query_text => $1::text, query_embedding => $2::public.vector, match_count => $3::integer,
    filters => $4::jsonb, scope => $5::text)"""

GET_MEMORY = "SELECT * FROM animus.get_memory(id => $1::bigint, scope => $2::text)"

UPDATE_MEMORY = """SELECT animus.update_memory(
    id => $1::bigint, content => $2::text, metadata => $3::jsonb,
    embedding => $4::public.vector, embedding_model => $5::text, scope => $6::text)"""

FORGET_MEMORY = "SELECT animus.forget_memory(id => $1::bigint, scope => $2::text)"

FORGET_MEMORIES = """SELECT animus.forget_memories(
    filters => $1::jsonb, "all" => $2::boolean, scope => $3::text)"""

#: One id per chunk, in chunk order.
STORE_DOCUMENT = """SELECT id FROM animus.store_document(
    key => $1::text, memory_type => $2::text, chunks => $3::jsonb, source => $4::text,
    metadata => $5::jsonb, embedding_model => $6::text, scope => $7::text) AS stored(id)"""

FORGET_DOCUMENT = "SELECT animus.forget_document(key => $1::text, scope => $2::text)"

#: What a scope holds under document keys (chunk 0's metadata, the chunks' model), no vectors.
STORED_DOCUMENTS = """SELECT key, chunks, memory_type, source, metadata, embedding_model, updated_at
FROM animus.stored_documents(keys => $1::text[], scope => $2::text)"""

#: hybrid_search's optional tuning arguments and their types, in signature order.
HYBRID_TUNING: dict[str, str] = {
    "rrf_k": "integer",
    "vector_weight": "double precision",
    "keyword_weight": "double precision",
    "keyword_ranking": "text",
    "fusion": "text",
    "group_by_document": "boolean",
}


@functools.cache
def hybrid_search_tuned(names: tuple[str, ...]) -> str:
    """HYBRID_SEARCH plus the named tuning arguments (as $6, $7, ...), in HYBRID_TUNING order.

    Only the arguments the caller sets are sent, so the function's own defaults (which depend
    on the fusion) stay in one place. Each combination is one stable text for the statement
    cache.
    """
    unknown = set(names) - HYBRID_TUNING.keys()
    if unknown:
        raise ValueError(f"unknown hybrid_search arguments: {sorted(unknown)}")
    ordered = [name for name in HYBRID_TUNING if name in names]
    extra = "".join(
        f", {name} => ${i}::{HYBRID_TUNING[name]}" for i, name in enumerate(ordered, start=6)
    )
    return HYBRID_SEARCH[: HYBRID_SEARCH.rindex(")")] + extra + ")"


FetchMethod = Literal["fetch", "fetchrow", "fetchval", "execute"]


# --- re-embedding (reembed.py) ------------------------------------------------------------------

MEMORIES_TO_REEMBED = """SELECT id, content, content_hash FROM animus.memories_to_reembed(
    model => $1::text, batch_size => $2::integer, after_id => $3::bigint,
    memory_type => $4::text, scope => $5::text)"""

COUNT_TO_REEMBED = """SELECT animus.count_to_reembed(
    model => $1::text, memory_type => $2::text, scope => $3::text)"""

SET_EMBEDDINGS = "SELECT animus.set_embeddings(items => $1::jsonb, embedding_model => $2::text)"

#: Operator (schema owner) only: empties every embedding; re-embed afterwards.
SET_EMBEDDING_DIM = "SELECT animus.set_embedding_dim(dim => $1::integer)"


class SqlCaller(ABC):
    """Something that sends the statements above: the ``Db``.

    The call modules (``work``, ``memory``) are mixins over this class, so every statement goes
    out through ``_send``: the one place where tracing and sqlcommenter comments hook in.
    """

    @abstractmethod
    async def _send(self, method: FetchMethod, query: str, *args: Any) -> Any:
        """Run ``query`` with asyncpg's ``method`` on the primary; raise animus errors."""

    @abstractmethod
    async def _send_rolled_back(self, method: FetchMethod, query: str, *args: Any) -> Any:
        """Run ``query`` on the primary inside a transaction that is then rolled back: what
        the call would do, with nothing kept (a dry run)."""

    @abstractmethod
    async def _send_read(
        self, method: FetchMethod, query: str, *args: Any, on_primary: bool = False
    ) -> Any:
        """Run a read-only ``query`` on the read pool (a replica) when there is one and
        ``on_primary`` is false, else on the primary."""


# --- the CLI's server checks (animus db deploy --url, db restore, --version) -------------------
#: pg_cron can live in this database: preloaded, and cron.database_name names it (pg_cron
#: creates its extension only there). script/db asks the same of the embedded cluster.
PG_CRON_HERE = (
    "SELECT current_setting('cron.database_name', true) = current_database() AND "
    "'pg_cron' = ANY (string_to_array(replace("
    "current_setting('shared_preload_libraries'), ' ', ''), ','))"
)
SCHEMA_PRESENT = "SELECT to_regnamespace('animus') IS NOT NULL"
DEPLOYED_CHANGES_PRESENT = "SELECT to_regprocedure('animus.deployed_changes()') IS NOT NULL"
#: The newest Sqitch tag deployed and how many changes were deployed up to it (the registry;
#: a role that may not read it gets an error, and --version falls back to the change names).
DEPLOYED_RELEASE = """
SELECT t.tag,
       (SELECT count(*) FROM sqitch.changes c
         WHERE c.project = 'animus' AND c.committed_at <= x.committed_at) AS position
  FROM sqitch.tags t JOIN sqitch.changes x USING (change_id)
 WHERE t.project = 'animus'
 ORDER BY x.committed_at DESC
 LIMIT 1
"""
#: What a restore brought: rows of the main tables, and (where pg_cron lives) animus's jobs.
RESTORED_COUNTS = (
    "SELECT (SELECT count(*) FROM animus.queues) AS queues,"
    " (SELECT count(*) FROM animus.work_items) AS work_items,"
    " (SELECT count(*) FROM animus.memories) AS memories,"
    " (SELECT count(*) FROM animus.schedules) AS schedules"
)
ANIMUS_CRON_JOBS = "SELECT count(*) FROM cron.job WHERE jobname LIKE 'animus:%'"

__all__ = [
    "ANIMUS_CRON_JOBS",
    "ARCHIVE_WORK",
    "CANCEL_WORK",
    "COMPLETE_WORK",
    "COMPLETE_WORK_BATCH",
    "COMPLETE_WORK_BATCH_MAX",
    "COUNT_TO_REEMBED",
    "CREATE_QUEUE",
    "CREATE_QUEUE_LAYOUT",
    "DELETE_WORK",
    "DEPLOYED_CHANGES",
    "DEPLOYED_CHANGES_PRESENT",
    "DEPLOYED_RELEASE",
    "EMBEDDING_DIM",
    "EXTEND_WORK",
    "FAIL_WORK",
    "FORGET_DOCUMENT",
    "FORGET_MEMORIES",
    "FORGET_MEMORY",
    "GET_MEMORY",
    "HEALTH_PROBE",
    "HYBRID_SEARCH",
    "HYBRID_TUNING",
    "JSONB_PROBE",
    "LIST_SCHEDULES",
    "MEMORIES_TO_REEMBED",
    "PAUSE_SCHEDULE",
    "PG_CRON_HERE",
    "PURGE",
    "READ_WORK",
    "RECONCILE",
    "RELEASE_WORK",
    "REQUEUE_DEAD",
    "RESTORED_COUNTS",
    "SCHEDULE_WORK",
    "SCHEMA_PRESENT",
    "SEARCH_MEMORY",
    "SETTLED_CHANNEL",
    "SET_EMBEDDINGS",
    "SET_EMBEDDING_DIM",
    "SET_QUEUE_POLICY",
    "SET_WORK_TYPE_POLICY",
    "STORED_DOCUMENTS",
    "STORE_DOCUMENT",
    "STORE_MEMORIES",
    "STORE_MEMORY",
    "SUBMIT_WORK",
    "SUBMIT_WORK_BATCH",
    "UNSCHEDULE_WORK",
    "UPDATE_MEMORY",
    "WORK_ATTEMPTS",
    "WORK_RESULT",
    "FetchMethod",
    "SqlCaller",
    "hybrid_search_tuned",
]

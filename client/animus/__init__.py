"""animus: the data layer AI agents stand on.

Work queues with structural dedup (pgmq), semantic memory with hybrid search (pgvector and
full-text search), and OpenTelemetry observability, all in one PostgreSQL. The logic lives in
SQL functions in the ``animus`` schema; this package is a thin async client for them.
"""

__version__ = "0.1.0"

-- Deploy animus:schema to pg
BEGIN;

CREATE SCHEMA animus;
COMMENT ON SCHEMA animus IS
    'animus: work queues with structural dedup (pgmq), semantic memory (pgvector + full-text search). '
    'Call the functions; do not write the tables directly.';

COMMIT;

-- Revert animus:extensions from pg
BEGIN;

-- CASCADE: pgmq queue tables created by animus.create_queue live in the pgmq schema.
DROP EXTENSION IF EXISTS pgmq CASCADE;
DROP EXTENSION IF EXISTS vector;

COMMIT;

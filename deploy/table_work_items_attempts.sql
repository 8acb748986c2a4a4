-- Deploy animus:table_work_items_attempts to pg
-- The attempt history of an item, as River and Oban keep it: outcome_error holds only the last
-- error (and is cleared when the item completes), so every failed or handed-back attempt is
-- appended here by fail_work and release_work. A JSON array on the row rather than a table of
-- its own: it is written only on the failure path, read with the item, and goes when purge
-- deletes the item. A nullable column without a default is added without rewriting the table,
-- and every existing row keeps its values (NULL: no history recorded before this change).
BEGIN;

ALTER TABLE animus.work_items ADD COLUMN attempt_errors jsonb;

COMMENT ON COLUMN animus.work_items.attempt_errors IS
    'Each failed or handed-back attempt, oldest first: [{"attempt": n, "kind": "failed" | "handed_back", '
    '"error": text, "at": timestamptz}], the last 50 kept. NULL: none yet. Written by fail_work and release_work.';

COMMIT;

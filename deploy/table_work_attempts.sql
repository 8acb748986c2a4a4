-- Deploy animus:table_work_attempts to pg
-- The attempt history of an item, as River and Oban keep it: outcome_error holds only the last
-- error (and is cleared when the item completes), so fail_work and release_work add a row here
-- for every failed or handed-back attempt. A table of its own rather than a column, so that
-- work_items' row type (which the batch functions build whole) stays as it is, and the hot
-- paths never touch it: it is written on the failure path only. Its rows go with their item
-- (ON DELETE CASCADE), so purge needs no change; the foreign key costs only that failure-path
-- insert and purge's delete, never a submit, read or complete.
BEGIN;

CREATE TABLE animus.work_attempts (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_id   uuid NOT NULL REFERENCES animus.work_items (id) ON DELETE CASCADE,
    attempt   integer NOT NULL,
    kind      text NOT NULL CONSTRAINT work_attempts_kind_valid CHECK (kind IN ('failed', 'handed_back')),
    error     text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX work_attempts_work_id ON animus.work_attempts (work_id, id);

COMMENT ON TABLE animus.work_attempts IS
    'Attempt history: one row per failed (fail_work) or handed-back (release_work: not counted as an attempt) '
    'delivery of a work item, with its error; deleted with the item. outcome_error on the item is only the last one.';
COMMENT ON COLUMN animus.work_attempts.attempt IS 'The item''s attempts count at that delivery (1 for the first).';

GRANT SELECT ON animus.work_attempts TO animus_ops;

COMMIT;

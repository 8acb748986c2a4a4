-- Deploy animus:type_work_result to pg
BEGIN;

CREATE TYPE animus.work_result AS (
    work_id       uuid,
    resolved_id   uuid,
    state         text,
    outcome_data  jsonb,
    outcome_error text,
    outcome_ms    bigint,
    attempts      integer,
    max_attempts  integer,
    cancelled     boolean,
    resolved_at   timestamptz
);

COMMENT ON TYPE animus.work_result IS
    'The outcome of a submission (work_result): work_id as asked, resolved_id the item that carries the work '
    '(itself, or the item its submission was merged into), and that item''s state, outcome, attempts, '
    'max_attempts (default applied), whether it was cancelled, and when it was resolved.';

COMMIT;

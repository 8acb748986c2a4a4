-- Deploy animus:table_work_items_lease to pg
-- A cancelled item is dead (its key is free, requeue_dead can revive it when named by id) and
-- carries when it was cancelled; the reason is its outcome_error. A nullable column without a
-- default is added without rewriting the table.
BEGIN;

ALTER TABLE animus.work_items ADD COLUMN cancelled_at timestamptz;

COMMENT ON COLUMN animus.work_items.cancelled_at IS
    'When animus.cancel_work ended the item (state dead, outcome_error ''cancelled: <reason>''); NULL otherwise.';

COMMIT;

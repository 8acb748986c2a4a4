-- Revert animus:type_work_delivery_lease from pg
BEGIN;

ALTER TYPE animus.work_delivery DROP ATTRIBUTE lease;

COMMENT ON TYPE animus.work_delivery IS
    'One delivered message of read_work joined with its work item and the submitter''s trace context.';

COMMIT;

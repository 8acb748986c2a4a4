-- Deploy animus:type_work_delivery_lease to pg
BEGIN;

ALTER TYPE animus.work_delivery ADD ATTRIBUTE lease integer;

COMMENT ON TYPE animus.work_delivery IS
    'One delivered message of read_work joined with its work item and the submitter''s trace context. '
    'lease is the message''s read_ct for this delivery: pass it to complete_work, fail_work and extend_work.';

COMMIT;

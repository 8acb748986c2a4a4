-- Revert animus:function__submission_fault from pg
BEGIN;

DROP FUNCTION animus._raise_submission_fault(text, bigint, jsonb, integer, integer);
DROP FUNCTION animus._submission_fault(text, text, jsonb, text, text, integer, integer, text, text);

COMMIT;

-- Revert animus:function_work_provenance from pg
BEGIN;

DROP FUNCTION animus.work_provenance(uuid);

COMMIT;

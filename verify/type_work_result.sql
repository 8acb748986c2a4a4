-- Verify animus:type_work_result on pg
BEGIN;

SELECT (NULL::animus.work_result).resolved_id, (NULL::animus.work_result).outcome_data,
       (NULL::animus.work_result).cancelled;

ROLLBACK;

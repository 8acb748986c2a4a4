-- Verify animus:type_submit_result on pg
BEGIN;

SELECT (NULL::animus.submit_result).work_id, (NULL::animus.submit_result).status,
       (NULL::animus.submit_result).merged_into, (NULL::animus.submit_result).msg_id;

ROLLBACK;

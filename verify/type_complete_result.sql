-- Verify animus:type_complete_result on pg
BEGIN;

SELECT work_id, status, sqlstate FROM (SELECT NULL::animus.complete_result AS r) AS t, LATERAL (SELECT (t.r).*) AS c;

ROLLBACK;

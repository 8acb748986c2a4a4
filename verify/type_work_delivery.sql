-- Verify animus:type_work_delivery on pg
BEGIN;

SELECT (NULL::animus.work_delivery).msg_id, (NULL::animus.work_delivery).id,
       (NULL::animus.work_delivery).traceparent, (NULL::animus.work_delivery).tracestate;

ROLLBACK;

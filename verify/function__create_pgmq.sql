-- Verify animus:function__create_pgmq on pg
BEGIN;

SELECT 1/(COUNT(*) = 3)::int FROM pg_catalog.pg_proc
WHERE oid IN (to_regprocedure('animus._create_pgmq(text, boolean, text, text)'),
              to_regprocedure('animus._check_queue_layout(text, boolean, text, text)'),
              to_regprocedure('animus._partition_spec(text, text)'))
  AND prosecdef;

ROLLBACK;

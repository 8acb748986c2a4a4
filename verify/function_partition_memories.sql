-- Verify animus:function_partition_memories on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid IN (to_regprocedure('animus.partition_memories(integer)'),
              to_regprocedure('animus.unpartition_memories()'),
              to_regprocedure('animus._rebuild_memories(integer)'))
  AND prosecdef
HAVING COUNT(*) = 3;

ROLLBACK;

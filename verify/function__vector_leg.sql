-- Verify animus:function__vector_leg on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._vector_leg(public.vector, integer, animus.memory_filter, text)')
  AND prosrc LIKE '%embedding IS NOT NULL%';

ROLLBACK;

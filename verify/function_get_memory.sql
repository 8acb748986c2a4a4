-- Verify animus:function_get_memory on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.get_memory(bigint, text)') AND prosecdef;
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._get_memory(bigint, text)') AND prosecdef
  AND proconfig @> ARRAY['plan_cache_mode=force_custom_plan'];

ROLLBACK;

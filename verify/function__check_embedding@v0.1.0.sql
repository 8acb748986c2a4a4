-- Verify animus:function__check_embedding on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus._check_embedding(public.vector)');

ROLLBACK;

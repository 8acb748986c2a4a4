-- Verify animus:function__check_scope on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = 'animus._check_scope(text)'::regprocedure AND prosecdef;
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = 'animus._acting_roles()'::regprocedure AND prosecdef;
DO $$ BEGIN ASSERT animus._check_scope('acme/user:42') = 'acme/user:42'; END $$;

ROLLBACK;

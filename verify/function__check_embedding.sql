-- Verify animus:function__check_embedding on pg
BEGIN;

-- The reworked check bounds the norm and, above 2,000 dimensions, checks half precision.
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._check_embedding(public.vector)') AND prosrc LIKE '%1e12%'
  AND prosrc LIKE '%halfvec%';

ROLLBACK;

-- Verify animus:function__keyword_leg on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus._keyword_leg(text, integer, animus.memory_filter, text, text)');

ROLLBACK;

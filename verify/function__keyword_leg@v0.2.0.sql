-- Verify animus:function__keyword_leg on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus._keyword_leg(text, integer, animus.memory_filter, text)');

-- The reworked version reads document frequencies from the lexeme statistics.
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE proname = '_keyword_leg' AND prosrc LIKE '%memory_lexeme_stats%';

ROLLBACK;

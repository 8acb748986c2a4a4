-- Verify animus:extensions on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_extension WHERE extname = 'pgmq';
SELECT 1/COUNT(*) FROM pg_extension WHERE extname = 'vector';

ROLLBACK;

-- pgTAP: animus._is_active, the active-state list written once, matches the UNIQUE index.
BEGIN;
SELECT plan(4);

SELECT is(ARRAY(SELECT s FROM unnest(ARRAY['queued', 'running', 'completed', 'dead', 'merged']) AS s
                WHERE animus._is_active(s)),
    ARRAY['queued', 'running'], 'queued and running are the active states');
SELECT volatility_is('animus', '_is_active', ARRAY['text'], 'immutable', 'it is immutable (inlined by the planner)');
SELECT is(
    (SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
     WHERE i.indexrelid = 'animus.work_items_active_dedup_key'::regclass),
    '((dedup_key IS NOT NULL) AND ' || (SELECT substring(prosrc FROM 'SELECT (.*) $') FROM pg_proc
                                       WHERE oid = 'animus._is_active(text)'::regprocedure)
        -- pg_get_expr prints the list as an array comparison
        || ')' ,
    'the dedup index predicate is the same list')
    WHERE false;
SELECT ok((SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
           WHERE i.indexrelid = 'animus.work_items_active_dedup_key'::regclass)
          = '((dedup_key IS NOT NULL) AND (state <> ALL (ARRAY[''completed''::text, ''dead''::text, ''merged''::text])))',
    'the dedup index predicate excludes exactly completed, dead and merged');
SELECT ok((SELECT prosrc ~ 'NOT IN \(''completed'', ''dead'', ''merged''\)' FROM pg_proc
           WHERE oid = 'animus._is_active(text)'::regprocedure),
    '_is_active spells the same list');

SELECT * FROM finish();
ROLLBACK;

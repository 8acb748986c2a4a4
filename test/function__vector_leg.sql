-- pgTAP: animus._vector_leg(), the HNSW leg shared by search_memory and hybrid_search.
BEGIN;
SELECT plan(8);

SELECT has_function('animus', '_vector_leg', ARRAY['vector', 'integer', 'animus.memory_filter', 'text'], 'animus._vector_leg exists');
SELECT volatility_is('animus', '_vector_leg', ARRAY['vector', 'integer', 'animus.memory_filter', 'text'], 'stable', 'it is stable (so it can be inlined)');
SELECT isnt_definer('animus', '_vector_leg', ARRAY['vector', 'integer', 'animus.memory_filter', 'text'], 'it is not security definer, so the planner inlines it');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._vector_leg(public.vector, integer, animus.memory_filter, text)', 'EXECUTE'), 'it is private');

SELECT animus.store_memory('north', 'vleg', '[0, 1, 0]');
SELECT animus.store_memory('north-east', 'vleg', '[1, 1, 0]');
SELECT animus.store_memory('east', 'vleg', '[1, 0, 0]');
SELECT animus.store_memory('up', 'vleg', '[0, 0, 1]');

-- On a tiny table the planner would rather sort; with sequential scans off, what is left is
-- what the shape allows: if the function's query lost the ORDER BY distance LIMIT n shape,
-- this plan would show a Sort instead of the HNSW index. With scopes, the scope's rows from
-- the b-tree of memories_key_chunk sorted by distance is the other exact path (the right one
-- for a small scope), so sorting is discouraged too: what remains must be the HNSW.
SET LOCAL enable_seqscan = off;
SET LOCAL enable_sort = off;
CREATE TEMP TABLE plan_lines (line text);
DO $$
DECLARE r record;
BEGIN
    FOR r IN EXECUTE $q$EXPLAIN (COSTS OFF) SELECT * FROM animus._vector_leg('[1, 0.2, 0]', 10, ROW(NULL, NULL, NULL, NULL, NULL)::animus.memory_filter, 'default')$q$ LOOP
        INSERT INTO plan_lines VALUES (r."QUERY PLAN");
    END LOOP;
END $$;
SELECT ok(EXISTS (SELECT FROM plan_lines WHERE line ~ 'Index Scan using memories_embedding_idx'),
          'EXPLAIN shows the HNSW index on the vector leg');
SELECT ok(NOT EXISTS (SELECT FROM plan_lines WHERE line ~ '^\s*(->\s*)?Sort'),
          'and no separate sort: the index yields rows in distance order');
RESET enable_seqscan;
RESET enable_sort;

SELECT is(ARRAY(SELECT m.content FROM animus._vector_leg('[1, 0.2, 0]', 3, ROW(ARRAY['vleg'], NULL, NULL, NULL, NULL)::animus.memory_filter, 'default') AS v
                JOIN animus.memories AS m USING (id) ORDER BY v.distance),
          ARRAY['east', 'north-east', 'north'], 'nearest first, LIMIT respected');
SELECT ok((SELECT abs(v.distance - (1 - 1 / sqrt(1.04))) < 1e-6
           FROM animus._vector_leg('[1, 0.2, 0]', 1, ROW(ARRAY['vleg'], NULL, NULL, NULL, NULL)::animus.memory_filter, 'default') AS v),
          'distance is the cosine distance');

SELECT * FROM finish();
ROLLBACK;

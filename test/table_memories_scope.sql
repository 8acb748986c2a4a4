-- pgTAP: scopes (animus.memories.scope) through every memory function: isolation, dedup and
-- keys per scope, AN026, and the 100-scope page-fill case. Own scopes (prefix ts/) and memory
-- types only: the suite also runs on an upgraded database.
BEGIN;
SELECT plan(49);

SELECT has_column('animus', 'memories', 'scope', 'memories has a scope');
SELECT col_not_null('animus', 'memories', 'scope', 'scope is required');
SELECT col_default_is('animus', 'memories', 'scope', 'default', 'scope defaults to ''default''');
SELECT col_is_unique('animus', 'memories', ARRAY['scope', 'key', 'chunk_index'], 'keys are unique per scope');
SELECT has_function('animus', '_check_scope', ARRAY['text'], 'animus._check_scope exists');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._check_scope(text)', 'EXECUTE'), '_check_scope is private');

-- Dedup per (scope, memory_type, content).
SELECT animus.store_memory('the launch is on Friday', 'ts_note', '[1,0,0]', scope => 'ts/acme') AS acme_id \gset
SELECT animus.store_memory('the launch is on Friday', 'ts_note', '[0.9,0.1,0]', scope => 'ts/globex') AS globex_id \gset
SELECT isnt(:acme_id::bigint, :globex_id::bigint, 'the same content in two scopes is two memories');
SELECT is(animus.store_memory('the launch is on Friday', 'ts_note', '[1,0.1,0]', NULL, '{"again": true}', NULL, 'ts/acme'),
          :acme_id::bigint, 'and dedups within its scope');
SELECT is((SELECT metadata FROM animus.memories WHERE id = :globex_id), '{}'::jsonb,
          'the dedup merge touched only that scope''s row');
SELECT array_agg(s.id) AS batch_ids FROM animus.store_memories(
    '[{"content": "acme uses postgres", "memory_type": "ts_note", "embedding": [0,1,0]},
      {"content": "the launch is on Friday", "memory_type": "ts_note", "embedding": [1,0,0]}]', 'ts/acme') AS s(id) \gset
SELECT is((:'batch_ids'::bigint[])[2], :acme_id::bigint, 'store_memories dedups within its scope');
SELECT is((SELECT scope FROM animus.memories WHERE id = (:'batch_ids'::bigint[])[1]), 'ts/acme', 'and stores the new row in its scope');
SELECT animus.store_memory('globex uses postgres', 'ts_note', '[0,1,0.1]', scope => 'ts/globex') AS globex2 \gset

-- Isolation: every recall function reads one scope.
SELECT is(ARRAY(SELECT content FROM animus.search_memory('[0,1,0]', 10, '{"memory_type": "ts_note"}', scope => 'ts/acme') ORDER BY content),
          ARRAY['acme uses postgres', 'the launch is on Friday'], 'search_memory sees its scope only');
SELECT is((SELECT count(*)::int FROM animus.search_memory('[0,1,0]', 10, '{"memory_type": "ts_note"}')), 0,
          'the default scope sees none of them');
SELECT is(ARRAY(SELECT content FROM animus.hybrid_search('postgres', '[0,1,0]', 10, '{"memory_type": "ts_note"}', scope => 'ts/globex') ORDER BY content),
          ARRAY['globex uses postgres', 'the launch is on Friday'], 'hybrid_search sees its scope only');
SELECT is(ARRAY(SELECT content FROM animus.keyword_search('postgres', 10, '{"memory_type": "ts_note"}', scope => 'ts/acme')),
          ARRAY['acme uses postgres'], 'keyword_search sees its scope only');
SELECT is(ARRAY(SELECT content FROM animus.search_memory('[0,1,0]', 10, '{"memory_type": "ts_note"}', true, 'ts/acme') ORDER BY content),
          ARRAY['acme uses postgres', 'the launch is on Friday'], 'grouped search_memory too');

-- get, update, forget by id: another scope's id is absent.
SELECT is((SELECT scope FROM animus.get_memory(:acme_id, 'ts/acme')), 'ts/acme', 'get_memory in its scope, with the scope');
SELECT is((SELECT count(*)::int FROM animus.get_memory(:acme_id)), 0, 'get_memory from the default scope: no row');
SELECT is((SELECT count(*)::int FROM animus.get_memory(:acme_id, 'ts/globex')), 0, 'get_memory from another scope: no row');
SELECT is(animus.update_memory(:acme_id, metadata => '{"x": 1}', scope => 'ts/globex'), false,
          'update_memory of another scope''s id: false');
SELECT is((SELECT metadata FROM animus.memories WHERE id = :acme_id), '{"again": true}'::jsonb, 'and nothing changed');
SELECT is(animus.update_memory(:acme_id, metadata => '{"x": 1}', scope => 'ts/acme'), true, 'update_memory in its scope');
SELECT throws_ok(format($$SELECT animus.update_memory(%s, 'globex uses postgres', embedding => '[0,1,0]', scope => 'ts/globex')$$, :globex_id),
                 'AN021', NULL, 'update_memory refuses content another memory of the scope holds');
SELECT is(animus.update_memory(:acme_id, 'globex uses postgres', embedding => '[0,1,0]', scope => 'ts/acme'), true,
          'the same content is free in another scope');
SELECT is(animus.forget_memory(:globex_id, 'ts/acme'), false, 'forget_memory of another scope''s id: false');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE id = :globex_id), 1, 'and it is still there');
SELECT is(animus.forget_memory(:globex_id, 'ts/globex'), true, 'forget_memory in its scope');

-- Documents: keys per scope.
SELECT is((SELECT count(*)::int FROM animus.store_document('ts/readme.md', 'ts_doc',
             '[{"content": "acme readme", "embedding": [1,0,0]}, {"content": "part two", "embedding": [0,1,0]}]', scope => 'ts/acme')),
          2, 'store_document in one scope');
SELECT is((SELECT count(*)::int FROM animus.store_document('ts/readme.md', 'ts_doc',
             '[{"content": "globex readme", "embedding": [1,0,0]}]', scope => 'ts/globex')),
          1, 'the same key in another scope is another document');
SELECT is(ARRAY(SELECT content FROM animus.memories WHERE key = 'ts/readme.md' ORDER BY scope, chunk_index),
          ARRAY['acme readme', 'part two', 'globex readme'], 'neither replaced the other');
SELECT is(animus.forget_document('ts/readme.md', 'ts/globex'), 1::bigint, 'forget_document forgets in its scope only');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE key = 'ts/readme.md'), 2, 'the other scope keeps its chunks');

-- forget_memories: "all" means the whole scope, never another.
SELECT is(animus.forget_memories('{}', "all" => true, scope => 'ts/globex'),
          (SELECT count(*) FROM animus.memories WHERE scope = 'ts/globex'), 'forget_memories all => true in one scope');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE scope = 'ts/globex'), 0, 'that scope is empty');
SELECT cmp_ok((SELECT count(*)::int FROM animus.memories WHERE scope = 'ts/acme'), '>', 0, 'the other scope is untouched');
SELECT is(animus.forget_memories('{"memory_type": "ts_doc"}', scope => 'ts/acme'), 2::bigint, 'forget_memories with a filter in a scope');

-- The overview groups by scope.
SELECT is((SELECT memories::int FROM animus.memory_overview WHERE scope = 'ts/acme' AND memory_type = 'ts_note'),
          (SELECT count(*)::int FROM animus.memories WHERE scope = 'ts/acme' AND memory_type = 'ts_note'),
          'memory_overview counts per scope');

-- A bad scope is AN026 and writes nothing.
SELECT throws_ok($$SELECT animus.store_memory('x', 'ts_note', '[1,0,0]', scope => NULL)$$, 'AN026', NULL, 'a NULL scope');
SELECT throws_ok($$SELECT animus.store_memory('x', 'ts_note', '[1,0,0]', scope => '')$$, 'AN026', NULL, 'an empty scope');
SELECT throws_ok($$SELECT animus.store_memory('x', 'ts_note', '[1,0,0]', scope => 'acme; drop')$$, 'AN026', NULL, 'a space or ; in a scope');
SELECT throws_ok(format($$SELECT animus.store_memories('[]', %L)$$, repeat('a', 256)), 'AN026', NULL, 'a scope over 255 bytes');
SELECT throws_ok($$SELECT * FROM animus.search_memory('[1,0,0]', 5, '{}', false, 'ümlaut')$$, 'AN026', NULL, 'search_memory: a non-ASCII scope');
SELECT throws_ok($$SELECT * FROM animus.store_memories('[{"content": "x", "memory_type": "ts_note", "embedding": [1,0,0], "scope": "ts/acme"}]')$$,
                 'AN007', NULL, 'store_memories: an item with its own scope (the scope is the batch''s argument)');
SELECT throws_ok($$SELECT * FROM animus.get_memory(1, '')$$, 'AN026', NULL, 'get_memory checks the scope even without a row');
SELECT throws_ok($$SELECT animus.forget_memories('{}', "all" => true, scope => NULL)$$, 'AN026', NULL, 'forget_memories: NULL scope, nothing forgotten');

-- 100 scopes, one holding 1% of the rows: its pages are full and hold its rows only, from
-- the functions as agents call them. (5,000 rows: the rows this file adds and rolls back stay
-- in the HNSW graph as dead entries until VACUUM, and later files search the same table.)
INSERT INTO animus.memories (scope, content, memory_type, embedding, content_hash)
SELECT 'ts/pf' || lpad((CASE WHEN i % 100 = 0 THEN 0 ELSE 1 + i % 99 END)::text, 2, '0'), 'pf row ' || i || ' lantern', 'ts_pf',
       ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7) + 1.5]::real[]::public.vector,
       sha256(convert_to('pf row ' || i, 'UTF8'))
FROM generate_series(1, 5000) AS i;
ANALYZE animus.memories;
SELECT is((SELECT count(*)::int FROM animus.memories WHERE scope = 'ts/pf00'), 50, 'ts/pf00 holds 1% of the 5,000 rows');
SELECT is((SELECT count(*)::int FROM animus.search_memory('[1,1,1]', 40, scope => 'ts/pf00') AS s
           JOIN animus.memories AS m USING (id) WHERE m.scope = 'ts/pf00'),
          40, 'search_memory: a full page of 40, every row from the scope');
SELECT is((SELECT count(*)::int FROM animus.hybrid_search('lantern', '[1,1,1]', 25, scope => 'ts/pf00') AS s
           JOIN animus.memories AS m USING (id) WHERE m.scope = 'ts/pf00'),
          25, 'hybrid_search: a full page of 25 (pools of 100, more than the scope holds), every row from the scope');
SELECT is((SELECT count(*)::int FROM animus.keyword_search('lantern', 30, scope => 'ts/pf00') AS s
           JOIN animus.memories AS m USING (id) WHERE m.scope = 'ts/pf00'),
          30, 'keyword_search: a full page of 30, every row from the scope');

SELECT * FROM finish();
ROLLBACK;

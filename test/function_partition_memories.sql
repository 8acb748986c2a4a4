-- pgTAP: animus.partition_memories / unpartition_memories. The table is rebuilt inside this
-- file's transaction (rolled back at the end), with whatever rows the database holds (the
-- suite also runs on an upgraded one): counts, ids, contents and statistics are compared with
-- a snapshot taken before. Own scopes (prefix tp/) and memory types (tp_*) only.
BEGIN;
SELECT plan(60);

SELECT has_function('animus', 'partition_memories', ARRAY['integer'], 'partition_memories exists');
SELECT has_function('animus', 'unpartition_memories', ARRAY[]::text[], 'unpartition_memories exists');
SELECT ok(NOT has_function_privilege('animus_app', 'animus.partition_memories(integer)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.partition_memories(integer)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.unpartition_memories()', 'EXECUTE'),
          'only the schema owner may partition');

-- Rows of our own before the rebuild, in three scopes.
SELECT animus.store_memory('tenant a likes tea', 'tp_note', '[1,0,0]', 'src-a', '{"k": 1}', 'm1', 'tp/a') AS a1 \gset
SELECT animus.store_memory('tenant b likes coffee', 'tp_note', '[0,1,0]', scope => 'tp/b') AS b1 \gset
SELECT animus.store_memory('tenant a likes tea', 'tp_note', '[0.9,0.1,0]', scope => 'tp/b') AS b2 \gset

CREATE TEMP TABLE before_rows AS
SELECT id, scope, content, memory_type, source, metadata, embedding::text AS e, embedding_model,
       content_hash, key, chunk_index, created_at, updated_at, search_text FROM animus.memories;
CREATE TEMP TABLE before_lexemes AS SELECT lexeme, sum(documents) AS documents FROM animus.memory_lexeme_stats GROUP BY lexeme;
CREATE TEMP TABLE before_corpus AS SELECT sum(documents) AS documents, sum(lexemes) AS lexemes FROM animus.memory_corpus_stats;
SELECT last_value AS seq_before FROM animus.memories_id_seq \gset
SELECT coalesce(relacl::text, '') AS acl_before, obj_description(oid, 'pg_class') AS comment_before FROM pg_class WHERE oid = 'animus.memories'::regclass \gset
SELECT 'animus.memory_overview'::regclass::oid AS view_oid \gset

SELECT throws_ok('SELECT animus.partition_memories(1)', 'AN038', NULL, 'one partition is refused (AN038)');
SELECT throws_ok('SELECT animus.partition_memories(257)', 'AN038', NULL, 'more than 256 are refused');
SELECT throws_ok('SELECT animus.partition_memories(NULL)', 'AN038', NULL, 'NULL is refused');
SELECT throws_ok('SELECT animus.unpartition_memories()', 'AN039', NULL, 'unpartition of a plain table is refused (AN039)');

SELECT is(animus.partition_memories(8), (SELECT count(*) FROM before_rows), 'partition_memories(8) moves every row');
SELECT is((SELECT relkind::text FROM pg_class WHERE oid = 'animus.memories'::regclass), 'p', 'memories is partitioned');
SELECT is((SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'animus.memories'::regclass), 'h', 'by hash');
SELECT is((SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'animus.memories'::regclass), 8, 'into 8 partitions');
SELECT is((SELECT count(*)::int FROM pg_inherits AS h JOIN pg_index AS x ON x.indrelid = h.inhrelid
           JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_am AS am ON am.oid = i.relam
           WHERE h.inhparent = 'animus.memories'::regclass AND am.amname = 'hnsw'), 8, 'each partition has its HNSW index');
SELECT throws_ok('SELECT animus.partition_memories(8)', 'AN039', NULL, 'the same count again is refused (AN039)');

-- Nothing lost.
SELECT is((SELECT count(*)::int FROM animus.memories), (SELECT count(*)::int FROM before_rows), 'same row count');
SELECT is((SELECT count(*)::int FROM before_rows AS b FULL JOIN (
              SELECT id, scope, content, memory_type, source, metadata, embedding::text AS e, embedding_model,
                     content_hash, key, chunk_index, created_at, updated_at, search_text FROM animus.memories) AS n
           ON (b.id, b.scope, b.content, b.memory_type, b.metadata, b.content_hash, b.chunk_index, b.created_at, b.updated_at, b.search_text)
            = (n.id, n.scope, n.content, n.memory_type, n.metadata, n.content_hash, n.chunk_index, n.created_at, n.updated_at, n.search_text)
              AND b.source IS NOT DISTINCT FROM n.source AND b.e IS NOT DISTINCT FROM n.e
              AND b.embedding_model IS NOT DISTINCT FROM n.embedding_model AND b.key IS NOT DISTINCT FROM n.key
           WHERE b.id IS NULL OR n.id IS NULL), 0, 'every row kept, id and every column unchanged');
SELECT is((SELECT count(*)::int FROM before_lexemes AS b FULL JOIN
              (SELECT lexeme, sum(documents) AS documents FROM animus.memory_lexeme_stats GROUP BY lexeme) AS n USING (lexeme)
           WHERE b.documents IS DISTINCT FROM n.documents), 0, 'lexeme statistics unchanged');
SELECT is((SELECT (sum(documents), sum(lexemes))::text FROM animus.memory_corpus_stats),
          (SELECT (documents, lexemes)::text FROM before_corpus), 'corpus statistics unchanged');
SELECT is((SELECT last_value FROM animus.memories_id_seq), :'seq_before'::bigint, 'the id sequence is the same one, not reset');
SELECT is(pg_get_serial_sequence('animus.memories', 'id'), 'animus.memories_id_seq', 'and is owned by the new id column');
SELECT is((SELECT coalesce(relacl::text, '') FROM pg_class WHERE oid = 'animus.memories'::regclass), :'acl_before', 'grants kept');
SELECT is(obj_description('animus.memories'::regclass, 'pg_class'), :'comment_before', 'table comment kept');
SELECT isnt(col_description('animus.memories'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'animus.memories'::regclass AND attname = 'scope')),
            NULL, 'column comments kept');
SELECT is(ARRAY(SELECT conname::text FROM pg_constraint WHERE conrelid = 'animus.memories'::regclass AND contype IN ('p', 'u') ORDER BY 1),
          ARRAY['memories_dedup_key', 'memories_key_chunk', 'memories_pkey'], 'constraint names kept');
SELECT col_is_pk('animus', 'memories', ARRAY['id', 'scope'], 'the primary key holds the partition key: (id, scope)');
SELECT is(ARRAY(SELECT tgname::text FROM pg_trigger WHERE tgrelid = 'animus.memories'::regclass AND NOT tgisinternal ORDER BY 1),
          ARRAY['memories_corpus_stats_delete', 'memories_corpus_stats_insert', 'memories_corpus_stats_update',
                'memories_lexeme_stats_delete', 'memories_lexeme_stats_insert', 'memories_lexeme_stats_update'], 'statistics triggers kept');
SELECT is('animus.memory_overview'::regclass::oid, :'view_oid'::oid, 'memory_overview is the same view');
SELECT is((SELECT memories::int FROM animus.memory_overview WHERE scope = 'tp/b' AND memory_type = 'tp_note'), 2, 'and reads the partitioned table');

-- Every memory function on the partitioned table.
SELECT is(animus.store_memory('tenant a likes tea', 'tp_note', '[1,0.1,0]', NULL, '{"again": true}', NULL, 'tp/a'),
          :a1::bigint, 'store_memory dedups within its scope');
SELECT is((SELECT metadata FROM animus.memories WHERE id = :b2 AND scope = 'tp/b'), '{}'::jsonb, 'and touched no other scope');
SELECT array_agg(s.id) AS batch FROM animus.store_memories(
    '[{"content": "tenant a uses postgres", "memory_type": "tp_note", "embedding": [0,0,1]},
      {"content": "tenant a likes tea", "memory_type": "tp_note", "embedding": [1,0,0]}]', 'tp/a') AS s(id) \gset
SELECT is((:'batch'::bigint[])[2], :a1::bigint, 'store_memories dedups within its scope');
SELECT cmp_ok((:'batch'::bigint[])[1], '>', :'seq_before'::bigint, 'and a new row draws its id from the same sequence');
SELECT is(ARRAY(SELECT content FROM animus.search_memory('[0,0,1]', 10, '{"memory_type": "tp_note"}', scope => 'tp/a') ORDER BY content),
          ARRAY['tenant a likes tea', 'tenant a uses postgres'], 'search_memory sees its scope only');
SELECT is(ARRAY(SELECT content FROM animus.hybrid_search('tea', '[1,0,0]', 10, '{"memory_type": "tp_note"}', scope => 'tp/b') ORDER BY content),
          ARRAY['tenant a likes tea', 'tenant b likes coffee'], 'hybrid_search sees its scope only');
SELECT is(ARRAY(SELECT content FROM animus.keyword_search('postgres', 10, '{"memory_type": "tp_note"}', scope => 'tp/a')),
          ARRAY['tenant a uses postgres'], 'keyword_search finds the new row, in its scope');
SELECT is((SELECT count(*)::int FROM animus.keyword_search('postgres', 10, '{"memory_type": "tp_note"}', scope => 'tp/b')), 0,
          'and not from another scope');
SELECT is((SELECT content FROM animus.get_memory(:a1, 'tp/a')), 'tenant a likes tea', 'get_memory');
SELECT is((SELECT count(*)::int FROM animus.get_memory(:a1, 'tp/b')), 0, 'get_memory of another scope''s id finds nothing');
SELECT ok(animus.update_memory(:b1, metadata => '{"edited": true}', scope => 'tp/b'), 'update_memory');
SELECT ok(NOT animus.update_memory(:b1, metadata => '{"edited": 2}', scope => 'tp/a'), 'update_memory of another scope''s id changes nothing');
SELECT count(*) AS doc_chunks FROM animus.store_document('tp/doc.md', 'tp_doc',
    '[{"content": "chunk one", "embedding": [1,0,0]}, {"content": "chunk two", "embedding": [0,1,0]}]', scope => 'tp/a') \gset
SELECT is((SELECT count(*) FROM animus.memories WHERE key = 'tp/doc.md' AND scope = 'tp/a'), :doc_chunks::bigint, 'store_document');
SELECT is(animus.forget_document('tp/doc.md', 'tp/a'), 2::bigint, 'forget_document');
SELECT ok(animus.forget_memory(:b1, 'tp/b'), 'forget_memory');
SELECT is(animus.count_to_reembed('tp-model', 'tp_note'), 3::bigint, 'count_to_reembed spans the partitions');
SELECT is(animus.set_embeddings(jsonb_build_array(jsonb_build_object('id', :a1, 'embedding', '[0,0,1]'::jsonb)), 'tp-model'), 1,
          'set_embeddings');
SELECT is(ARRAY(SELECT content FROM animus.memories_to_reembed('tp-model', 10, 0, 'tp_note') ORDER BY content),
          ARRAY['tenant a likes tea', 'tenant a uses postgres'], 'memories_to_reembed');

-- Statistics follow the writes on the partitioned table as on the plain one.
SELECT is((SELECT sum(documents)::bigint FROM animus.memory_corpus_stats),
          (SELECT count(*) FROM animus.memories), 'corpus statistics count the rows after writes');

-- get_memory, forget_memory and update_memory prune to one partition: their statements, with
-- the scope as a parameter under a generic plan (what a plpgsql function may cache), and as a value.
CREATE FUNCTION pg_temp.partitions_in_plan(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE line text; scanned int := 0; removed text := '0';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        IF line ~ 'Scan.* on memories_h8_' THEN scanned := scanned + 1; END IF;
        IF line ~ 'Subplans Removed' THEN removed := substring(line FROM '(\d+)'); END IF;
    END LOOP;
    RETURN format('%s scanned, %s removed', scanned, removed);
END
$f$;
SET LOCAL plan_cache_mode = force_generic_plan;
PREPARE tp_get(bigint, text) AS SELECT m.content FROM animus.memories AS m WHERE m.id = $1 AND m.scope = $2;
PREPARE tp_forget(bigint, text) AS DELETE FROM animus.memories AS m WHERE m.id = $1 AND m.scope = $2;
PREPARE tp_update(bigint, text) AS UPDATE animus.memories AS m SET updated_at = now() WHERE m.id = $1 AND m.scope = $2;
SELECT is(pg_temp.partitions_in_plan(format('EXECUTE tp_get(%s, %L)', :a1, 'tp/a')), '1 scanned, 7 removed', 'get_memory''s lookup prunes to one partition (generic plan)');
SELECT is(pg_temp.partitions_in_plan(format('EXECUTE tp_forget(%s, %L)', :a1, 'tp/a')), '1 scanned, 7 removed', 'forget_memory''s delete too');
SELECT is(pg_temp.partitions_in_plan(format('EXECUTE tp_update(%s, %L)', :a1, 'tp/a')), '1 scanned, 7 removed', 'update_memory''s update too');
DEALLOCATE tp_get;
DEALLOCATE tp_forget;
DEALLOCATE tp_update;
RESET plan_cache_mode;
SELECT is(pg_temp.partitions_in_plan(format('SELECT 1 FROM animus.memories WHERE id = %s AND scope = %L', :a1, 'tp/a')), '1 scanned, 0 removed', 'a custom plan names one partition only');

-- set_embedding_dim on the partitioned table.
SELECT count(*) AS embedded FROM animus.memories WHERE embedding IS NOT NULL \gset
SELECT animus.set_embedding_dim(4) AS emptied \gset
SELECT is(:emptied::bigint, :embedded::bigint, 'set_embedding_dim works partitioned');
SELECT is((SELECT count(*)::int FROM pg_inherits AS h JOIN pg_index AS x ON x.indrelid = h.inhrelid
           JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_am AS am ON am.oid = i.relam
           WHERE h.inhparent = 'animus.memories'::regclass AND am.amname = 'hnsw'), 8, 'and leaves an HNSW index per partition');
SELECT animus.set_embedding_dim(3) AS emptied \gset
SELECT is(:emptied::bigint, 0::bigint, 'and back (nothing left to empty)');
SELECT is((SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'animus.memories_h8_3'::regclass AND attname = 'embedding'),
          'vector(3)', 'every partition has the new column type');

-- Repartition, then back to plain.
SELECT count(*) AS n_rows FROM animus.memories \gset
SELECT animus.partition_memories(4) AS moved \gset
SELECT is(:moved::bigint, :n_rows::bigint, 'another count repartitions, moving every row');
SELECT is((SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'animus.memories'::regclass), 4, 'into 4');
SELECT animus.unpartition_memories() AS moved \gset
SELECT is(:moved::bigint, :n_rows::bigint, 'unpartition_memories moves every row back');
SELECT is((SELECT relkind::text FROM pg_class WHERE oid = 'animus.memories'::regclass), 'r', 'memories is a plain table again');
SELECT col_is_pk('animus', 'memories', ARRAY['id'], 'with its primary key on id');
SELECT is((SELECT content FROM animus.get_memory(:a1, 'tp/a')), 'tenant a likes tea', 'and the functions work');

SELECT * FROM finish();
ROLLBACK;

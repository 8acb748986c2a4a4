-- pgTAP: least privilege across the whole animus schema, checked from the catalogue and by
-- acting as each role. A function added later must be classified here (agent API, operator
-- API or private), so a forgotten GRANT or REVOKE fails this file.
BEGIN;
SELECT plan(52);

-- --- The catalogue -----------------------------------------------------------------------------

CREATE TEMP TABLE fn AS
SELECT p.oid, p.proname::text AS name, p.oid::regprocedure::text AS signature, p.prosecdef AS definer,
       p.proconfig AS config, l.lanname::text AS language
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'animus'::regnamespace;

SELECT cmp_ok((SELECT count(*)::int FROM fn), '>=', 27, 'the catalogue query sees the animus functions');

SELECT is(ARRAY(SELECT signature FROM fn WHERE has_function_privilege('public', oid, 'EXECUTE') ORDER BY 1),
    '{}'::text[], 'no animus function is executable by PUBLIC');

SELECT is(ARRAY(SELECT signature FROM fn
                WHERE definer AND NOT coalesce(config @> ARRAY['search_path=pg_catalog, pg_temp'], false)
                ORDER BY 1),
    '{}'::text[], 'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp');

-- Five exceptions run as the caller: embedding_dim() returns a constant and touches nothing;
-- _vector_leg, _is_active, _submission_fault and _pgmq_relation are SQL functions that the
-- planner inlines into their definer callers (inlining requires SECURITY INVOKER) and nobody but
-- the owner may call them directly.
SELECT is(ARRAY(SELECT name FROM fn WHERE NOT definer ORDER BY 1),
    ARRAY['_is_active', '_pgmq_relation', '_submission_fault', '_vector_leg', 'embedding_dim'], 'every other function is SECURITY DEFINER');
SELECT is(ARRAY(SELECT language FROM fn WHERE NOT definer ORDER BY name),
    ARRAY['sql', 'sql', 'sql', 'sql', 'sql'], 'the five invoker functions are plain SQL');
SELECT is(ARRAY(SELECT name FROM fn WHERE name IN ('_vector_leg', '_is_active', '_submission_fault', '_pgmq_relation')
                AND (has_function_privilege('animus_app', oid, 'EXECUTE') OR has_function_privilege('animus_ops', oid, 'EXECUTE'))),
    '{}'::text[], '_vector_leg, _is_active, _submission_fault and _pgmq_relation are callable only from inside the definer functions');

SELECT is(ARRAY(SELECT DISTINCT name FROM fn WHERE has_function_privilege('animus_app', oid, 'EXECUTE') ORDER BY 1),
    ARRAY['archive_work', 'cancel_work', 'complete_work', 'complete_work_batch', 'count_to_reembed', 'create_queue', 'delete_work', 'deployed_changes', 'embedding_dim', 'extend_work',
          'fail_work', 'forget_document', 'forget_memories', 'forget_memory', 'get_memory', 'hybrid_search', 'keyword_search', 'memories_to_reembed', 'read_work',
          'release_work', 'search_memory', 'set_embeddings', 'set_queue_policy', 'set_work_type_policy', 'store_document', 'store_memories', 'store_memory', 'stored_documents',
          'submit_work', 'submit_work_batch', 'update_memory', 'work_result'],
    'animus_app may execute exactly the agent API');

SELECT is(ARRAY(SELECT DISTINCT name FROM fn WHERE has_function_privilege('animus_ops', oid, 'EXECUTE') ORDER BY 1),
    ARRAY['_queue_length', '_queue_stats', 'bind_scope', 'cancel_work', 'create_queue', 'deployed_changes', 'embedding_dim', 'list_schedules', 'pause_schedule', 'purge', 'reconcile', 'requeue_dead', 'schedule_work',
          'set_queue_policy', 'set_work_type_policy', 'unbind_scope', 'unschedule_work', 'work_provenance', 'work_result'],
    'animus_ops may execute exactly the operator API (and _queue_length and _queue_stats, which queue_overview calls)');

SELECT is(ARRAY(SELECT name FROM fn WHERE name LIKE '\_%' AND has_function_privilege('animus_app', oid, 'EXECUTE')),
    '{}'::text[], 'animus_app may execute no private helper');

CREATE TEMP TABLE rel AS
SELECT c.oid, c.oid::regclass::text AS name, c.relkind
FROM pg_class c
WHERE c.relnamespace IN ('animus'::regnamespace, 'pgmq'::regnamespace) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f');

SELECT is(ARRAY(SELECT name FROM rel
                WHERE CASE WHEN relkind = 'S' THEN has_sequence_privilege('animus_app', oid, 'USAGE, SELECT, UPDATE')
                           ELSE has_table_privilege('animus_app', oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') END
                ORDER BY 1),
    '{}'::text[], 'animus_app holds no privilege on any table, view or sequence of animus or pgmq');
SELECT is(ARRAY(SELECT name FROM rel
                WHERE CASE WHEN relkind = 'S' THEN has_sequence_privilege('animus_ops', oid, 'USAGE, UPDATE') ELSE false END ORDER BY 1),
    '{}'::text[], 'animus_ops can draw from no sequence of animus or pgmq');
SELECT is(ARRAY(SELECT name FROM rel
                WHERE CASE WHEN relkind = 'S' THEN false
                           ELSE has_table_privilege('animus_ops', oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') END
                ORDER BY 1),
    '{}'::text[], 'animus_ops can write no table of animus or pgmq');
SELECT is(ARRAY(SELECT name FROM rel WHERE CASE WHEN relkind = 'S' THEN false ELSE has_table_privilege('animus_ops', oid, 'SELECT') END ORDER BY 1),
    ARRAY['animus.memory_overview', 'animus.queue_overview', 'animus.queues', 'animus.schedules', 'animus.scope_bindings', 'animus.work_attempts',
          'animus.work_items', 'animus.work_type_policies'],
    'animus_ops reads the overviews, the queues, the work items, their attempts, the type policies and the scope bindings, and nothing else');
SELECT is(ARRAY(SELECT name FROM rel WHERE CASE WHEN relkind = 'S' THEN has_sequence_privilege('public', oid, 'USAGE, SELECT, UPDATE')
                           ELSE has_table_privilege('public', oid, 'SELECT, INSERT, UPDATE, DELETE') END ORDER BY 1),
    '{}'::text[], 'PUBLIC holds no privilege on any relation of animus or pgmq');

SELECT is(ARRAY(SELECT signature FROM fn
                WHERE name IN ('set_embedding_dim', 'partition_memories', 'unpartition_memories', '_rebuild_memories')
                  AND (has_function_privilege('animus_app', oid, 'EXECUTE') OR has_function_privilege('animus_ops', oid, 'EXECUTE'))),
    '{}'::text[], 'the table rebuilds (set_embedding_dim, partition_memories, unpartition_memories) are the schema owner''s alone');
SELECT ok(NOT has_schema_privilege('animus_app', 'pgmq', 'USAGE'), 'animus_app may not use schema pgmq');
SELECT ok(NOT has_schema_privilege('animus_ops', 'pgmq', 'USAGE'), 'animus_ops may not use schema pgmq');
SELECT ok(NOT has_schema_privilege('animus_ops', 'animus', 'CREATE'), 'animus_ops may not create objects in animus');
SELECT ok(NOT has_schema_privilege('animus_app', 'public', 'CREATE'), 'animus_app may not create objects in public');
SELECT ok(NOT (SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolcanlogin
               FROM pg_roles WHERE rolname = 'animus_ops'), 'animus_ops has no role attribute beyond NOLOGIN');
SELECT ok(NOT (SELECT rolcreaterole OR rolcreatedb OR rolbypassrls
               FROM pg_roles WHERE rolname = 'animus_app'), 'animus_app cannot create roles or databases, nor bypass RLS');
SELECT is(ARRAY(SELECT r.rolname::text FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                WHERE m.member IN ('animus_app'::regrole, 'animus_ops'::regrole)),
    '{}'::text[], 'neither role is a member of another role');

-- --- Acting as animus_app ----------------------------------------------------------------------

SELECT animus.create_queue('priv_setup');
CREATE TEMP TABLE setup_item AS SELECT * FROM animus.submit_work('priv_setup', 'job', 'pgtap', dedup_key => 'k');
GRANT SELECT ON setup_item TO animus_app, animus_ops;

SET LOCAL ROLE animus_app;
SELECT lives_ok($$SELECT animus.create_queue('priv_q')$$, 'animus_app: create_queue');
SELECT lives_ok($$SELECT animus.submit_work('priv_q', 'job', 'pgtap', '{"a": 1}', 'k1')$$, 'animus_app: submit_work');
SELECT lives_ok($$SELECT * FROM animus.submit_work_batch('[{"queue_name": "priv_q", "work_type": "job", "source": "pgtap"}]')$$,
    'animus_app: submit_work_batch');
SELECT is((SELECT count(*)::int FROM animus.read_work('priv_q', 30, 10)), 2, 'animus_app: read_work delivers');
SELECT lives_ok($$SELECT animus.store_memory('a note', 'priv_note', '[1,0,0]'::public.vector)$$, 'animus_app: store_memory');
SELECT is((SELECT count(*)::int FROM animus.search_memory('[1,0,0]'::public.vector, 5, '{"memory_type": "priv_note"}')), 1, 'animus_app: search_memory');
SELECT throws_ok($$SELECT count(*) FROM animus.work_items$$, '42501', NULL, 'animus_app cannot read animus.work_items');
SELECT throws_ok($$UPDATE animus.work_items SET state = 'completed'$$, '42501', NULL, 'animus_app cannot update animus.work_items');
SELECT throws_ok($$SELECT count(*) FROM animus.memories$$, '42501', NULL, 'animus_app cannot read animus.memories');
SELECT throws_ok($$DELETE FROM animus.queues$$, '42501', NULL, 'animus_app cannot delete from animus.queues');
SELECT throws_ok($$SELECT pgmq.send('priv_q', '{}'::jsonb)$$, '42501', NULL, 'animus_app cannot call pgmq directly');
SELECT throws_ok($$SELECT count(*) FROM pgmq.q_priv_q$$, '42501', NULL, 'animus_app cannot read a pgmq queue table');
SELECT throws_ok($$SELECT * FROM animus.queue_overview$$, '42501', NULL, 'animus_app cannot read queue_overview');
SELECT throws_ok($$SELECT * FROM animus.requeue_dead('priv_q')$$, '42501', NULL, 'animus_app cannot requeue_dead');
SELECT throws_ok($$SELECT * FROM animus.work_provenance((SELECT work_id FROM setup_item))$$, '42501', NULL,
    'animus_app cannot read provenance');
SELECT throws_ok($$SELECT animus._check_queue('priv_q')$$, '42501', NULL, 'animus_app cannot call a private helper');
SELECT throws_ok($$CREATE TABLE animus.intruder (x int)$$, '42501', NULL, 'animus_app cannot create a table in animus');
RESET ROLE;

-- --- Acting as animus_ops ----------------------------------------------------------------------

SET LOCAL ROLE animus_ops;
SELECT is((SELECT queued::int FROM animus.queue_overview WHERE queue_name = 'priv_setup'), 1, 'animus_ops: queue_overview');
SELECT lives_ok($$SELECT * FROM animus.memory_overview$$, 'animus_ops: memory_overview');
SELECT cmp_ok((SELECT count(*)::int FROM animus.work_provenance((SELECT work_id FROM setup_item))), '>=', 1,
    'animus_ops: work_provenance');
SELECT lives_ok($$SELECT * FROM animus.requeue_dead('priv_setup')$$, 'animus_ops: requeue_dead');
SELECT throws_ok($$SELECT animus.submit_work('priv_setup', 'job', 'ops')$$, '42501', NULL, 'animus_ops cannot submit_work');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[]')$$, '42501', NULL, 'animus_ops cannot submit_work_batch');
SELECT throws_ok($$SELECT * FROM animus.read_work('priv_setup', 30)$$, '42501', NULL, 'animus_ops cannot read_work');
SELECT throws_ok($$SELECT animus.complete_work((SELECT work_id FROM setup_item))$$, '42501', NULL, 'animus_ops cannot complete_work');
SELECT throws_ok($$SELECT animus.store_memory('x', 'note', '[1,0,0]'::public.vector)$$, '42501', NULL,
    'animus_ops cannot store_memory');
SELECT throws_ok($$UPDATE animus.work_items SET state = 'dead'$$, '42501', NULL, 'animus_ops cannot update work_items');
SELECT throws_ok($$SELECT pgmq.send('priv_setup', '{}'::jsonb)$$, '42501', NULL, 'animus_ops cannot call pgmq directly');
RESET ROLE;

-- --- A role with neither grant (PUBLIC only) ---------------------------------------------------

CREATE ROLE animus_pgtap_nobody NOLOGIN;
SET LOCAL ROLE animus_pgtap_nobody;
SELECT throws_ok($$SELECT animus.submit_work('priv_setup', 'job', 'x')$$, '42501', NULL, 'a role without a grant cannot submit');
SELECT throws_ok($$SELECT animus.embedding_dim()$$, '42501', NULL, 'a role without a grant cannot call even embedding_dim');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

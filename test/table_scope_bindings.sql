-- pgTAP: a role bound to its scope (animus.scope_bindings, bind_scope, unbind_scope) reads and
-- writes only there, from psql, through SET ROLE and through a session of its own. Own roles
-- and scopes (ts_bind_*, ts/bind-*); the whole file rolls back.
BEGIN;
SELECT plan(31);

SELECT has_table('animus', 'scope_bindings', 'animus.scope_bindings exists');
SELECT has_function('animus', 'bind_scope', ARRAY['text', 'text'], 'animus.bind_scope exists');
SELECT has_function('animus', 'unbind_scope', ARRAY['text', 'text'], 'animus.unbind_scope exists');
SELECT is_definer('animus', 'bind_scope', ARRAY['text', 'text'], 'bind_scope is security definer');

CREATE ROLE ts_bind_acme NOLOGIN IN ROLE animus_app;
CREATE ROLE ts_bind_free NOLOGIN IN ROLE animus_app;
DO $$ BEGIN EXECUTE format('CREATE ROLE %I NOLOGIN', 'ts_bind_acme' || repeat('x', 51)); END $$;  -- 63 bytes
SELECT animus.store_memory('acme note', 'ts_bind', '[1,0,0]', scope => 'ts/bind-acme') AS acme_id \gset
SELECT animus.store_memory('globex note', 'ts_bind', '[1,0,0]', scope => 'ts/bind-globex') AS globex_id \gset

SET LOCAL ROLE animus_ops;
SELECT is(animus.bind_scope('ts_bind_acme', 'ts/bind-acme'), true, 'animus_ops binds a role to a scope');
SELECT is(animus.bind_scope('ts_bind_acme', 'ts/bind-acme'), false, 'binding again changes nothing');
SELECT throws_ok($$SELECT animus.bind_scope('ts_bind_nobody', 'ts/x')$$, 'AN008', NULL, 'an unknown role');
SELECT throws_ok($$SELECT animus.bind_scope('ts_bind_acme', 'two words')$$, 'AN026', NULL, 'a bad scope');
-- A name over 63 bytes: AN008 (it was 42622 for a bound parameter, and a literal was cut to
-- 63 bytes, which named another role).
SELECT throws_ok(format('SELECT animus.bind_scope(%L, %L)', repeat('r', 10 * 1024 * 1024), 'ts/x'), 'AN008', NULL,
    'a 10 MB role name is AN008');
SELECT throws_ok(format('SELECT animus.bind_scope(%L, %L)', 'ts_bind_acme' || repeat('x', 51) || 'y', 'ts/x'), 'AN008', NULL,
    'a 64-byte name is AN008, not the role its first 63 bytes name');
SELECT throws_ok(format('SELECT animus.unbind_scope(%L)', repeat('r', 64)), 'AN008', NULL, 'unbind_scope too');
SELECT is(animus.unbind_scope('ts_bind_nobody'), 0::bigint, 'unbind_scope of an unbound role removes nothing');
RESET ROLE;

-- The bound role, as an operator sees it with SET ROLE.
SET LOCAL ROLE ts_bind_acme;
SELECT is(ARRAY(SELECT content FROM animus.search_memory('[1,0,0]', 5, '{"memory_type": "ts_bind"}', scope => 'ts/bind-acme')),
          ARRAY['acme note'], 'the bound role searches its scope');
SELECT throws_ok($$SELECT * FROM animus.search_memory('[1,0,0]', 5, scope => 'ts/bind-globex')$$, 'AN027', NULL,
                 'and is refused another tenant''s');
SELECT throws_ok($$SELECT * FROM animus.search_memory('[1,0,0]', 5)$$, 'AN027', NULL, 'the default scope too');
SELECT throws_ok($$SELECT * FROM animus.hybrid_search('note', '[1,0,0]', 5, scope => 'ts/bind-globex')$$, 'AN027', NULL, 'hybrid_search');
SELECT throws_ok($$SELECT * FROM animus.keyword_search('note', 5, scope => 'ts/bind-globex')$$, 'AN027', NULL, 'keyword_search');
SELECT throws_ok(format($$SELECT * FROM animus.get_memory(%s, 'ts/bind-globex')$$, :globex_id), 'AN027', NULL, 'get_memory');
SELECT throws_ok($$SELECT animus.store_memory('planted', 'ts_bind', '[1,0,0]', scope => 'ts/bind-globex')$$, 'AN027', NULL, 'store_memory');
SELECT throws_ok($$SELECT animus.forget_memories('{}', "all" => true, scope => 'ts/bind-globex')$$, 'AN027', NULL, 'forget_memories');
SELECT throws_ok($$SELECT animus.bind_scope('ts_bind_acme', 'ts/bind-globex')$$, '42501', NULL, 'an agent cannot bind itself');
-- Re-embedding pages through every scope's content, so a bound role may not run it.
SELECT throws_ok($$SELECT * FROM animus.memories_to_reembed('other-model')$$, 'AN027', NULL, 'memories_to_reembed');
SELECT throws_ok($$SELECT animus.count_to_reembed('other-model')$$, 'AN027', NULL, 'count_to_reembed');
SELECT throws_ok(format($$SELECT animus.set_embeddings('[{"id": %s, "embedding": [0,1,0]}]', 'planted-model')$$, :globex_id),
                 'AN027', NULL, 'set_embeddings');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM animus.memories WHERE scope = 'ts/bind-globex'), 1, 'the other tenant''s memory is intact');

-- The bound role logged in as itself (session_user), switching to animus_app: still bound.
SET LOCAL SESSION AUTHORIZATION ts_bind_acme;
SET LOCAL ROLE animus_app;
SELECT throws_ok($$SELECT * FROM animus.search_memory('[1,0,0]', 5, scope => 'ts/bind-globex')$$, 'AN027', NULL,
                 'SET ROLE animus_app does not lift the login role''s binding');
SELECT is((SELECT count(*)::int FROM animus.search_memory('[1,0,0]', 5, scope => 'ts/bind-acme')), 1, 'its own scope still works');
RESET ROLE;
RESET SESSION AUTHORIZATION;

SET LOCAL ROLE ts_bind_free;
SELECT is((SELECT count(*)::int FROM animus.search_memory('[1,0,0]', 5, scope => 'ts/bind-globex')), 1,
          'a role without bindings may use any scope');
RESET ROLE;

SET LOCAL ROLE animus_ops;
SELECT is(animus.unbind_scope('ts_bind_acme'), 1::bigint, 'unbind_scope removes the role''s bindings');
RESET ROLE;
SET LOCAL ROLE ts_bind_acme;
SELECT is((SELECT count(*)::int FROM animus.search_memory('[1,0,0]', 5, scope => 'ts/bind-globex')), 1,
          'a role left without bindings may use any scope again');
RESET ROLE;
SET LOCAL ROLE animus_app;
SELECT throws_ok($$SELECT * FROM animus.scope_bindings$$, '42501', NULL, 'animus_app cannot read the bindings');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
